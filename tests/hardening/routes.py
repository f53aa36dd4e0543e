"""Every URL pattern of the site, found by walking the resolver, and a way to fill its parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    route: str  # the full pattern text, prefixes joined: the key of the expectation table
    name: str  # "namespace:name", "" parts where unnamed

    @property
    def params(self) -> list[str]:
        """Parameter names in order: named groups and converters; unnamed regex groups as "_0", "_1"..."""
        names, unnamed = [], 0
        for match in _PARAM.finditer(self.route):
            if match.group("conv"):
                names.append(match.group("conv"))
            elif match.group("named"):
                names.append(match.group("named"))
            else:
                names.append(f"_{unnamed}")
                unnamed += 1
        return names

    def path(self, values: dict[str, object]) -> str:
        """The URL path with each parameter replaced by ``values[name]``."""
        counter = iter(range(1000))

        def fill(match: re.Match) -> str:
            name = match.group("conv") or match.group("named") or f"_{next(counter)}"
            return str(values[name])

        text = _PARAM.sub(fill, self.route)
        return "/" + text.replace("^", "").replace("$", "")


# <int:pk> | (?P<pk>...) | (...) ; regex groups may nest one level of alternation without parentheses.
_PARAM = re.compile(r"<(?:\w+:)?(?P<conv>\w+)>|\(\?P<(?P<named>\w+)>[^)]*\)|\((?!\?)[^)]*\)")


def all_routes() -> list[Route]:
    """Every URL pattern reachable from ROOT_URLCONF, in resolver order."""
    found: list[Route] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name or ''}" if namespace else (entry.name or "")
                found.append(Route(prefix + str(entry.pattern), name))

    walk(get_resolver(), "", "")
    return found

"""Every public service and selector says what it does (issue 13 §2 item 9), read with ``ast``.

A public function of an app's ``services.py`` or ``selectors.py`` (a name without a leading
underscore) has a docstring, and that docstring names every exception class the function raises
itself (``raise X(...)``), each error that becomes an HTTP answer with that answer's status:
ActionRefused 409, PermissionDenied 403, ValidationError 400, Http404 and DoesNotExist 404
(foundation.api maps them). Needs no database.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["foundation", "units", "events", "alerts", "responses", "feeds", "reductions", "duty", "training", "reports",
        "routines",
        "dashboards"]
# What the API and the pages answer for each (foundation/api.py; Django's handlers for the pages).
HTTP = {"ActionRefused": "409", "PermissionDenied": "403", "ValidationError": "400", "Http404": "404",
        "DoesNotExist": "404", "NotFound": "404"}


def public_functions():
    for app in APPS:
        for name in ("services.py", "selectors.py"):
            path = ROOT / app / name
            if not path.exists():
                continue
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                    yield f"{app}/{name}:{node.name}", node


def raised_classes(function) -> set[str]:
    """The classes ``function`` raises itself: ``raise X(...)``, ``raise X``, ``raise Model.DoesNotExist(...)``.
    A lower-case name is a helper that builds the exception (``raise _refuse_same(...)``): it is skipped,
    and so is a bare ``raise`` (a re-raise)."""
    names = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Raise) or node.exc is None:
            continue
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else ""
        if name[:1].isupper():
            names.add(name)
    return names


FUNCTIONS = sorted(public_functions(), key=lambda item: item[0])


def test_there_are_functions_to_check():
    assert len(FUNCTIONS) > 100


@pytest.mark.parametrize(("where", "function"), FUNCTIONS, ids=[where for where, _ in FUNCTIONS])
def test_public_service_or_selector_has_a_docstring_naming_what_it_raises(where, function):
    doc = ast.get_docstring(function)
    assert doc, f"{where} has no docstring"
    for name in sorted(raised_classes(function)):
        assert name in doc, f"{where} raises {name} but its docstring does not say so"
        if name in HTTP:
            assert HTTP[name] in doc, f"{where}: say which HTTP answer {name} becomes ({HTTP[name]})"


def test_the_check_reads_raises():
    """The check sees a raise inside a nested block, of a class and of an attribute, but not a re-raise."""
    tree = ast.parse(
        "def f(x):\n"
        "    if x:\n"
        "        raise PermissionDenied('no')\n"
        "    try:\n"
        "        pass\n"
        "    except KeyError:\n"
        "        raise\n"
        "    raise Unit.DoesNotExist\n"
    )
    assert raised_classes(tree.body[0]) == {"PermissionDenied", "DoesNotExist"}

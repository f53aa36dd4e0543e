"""The basis of a decision on orange or red (issue 15 items 1 and 3): a consultation record (会商记录) or a
municipal directive (市级指令).

附件1 三 gives the ecology and environment bureau and the meteorological bureau the consultation
("会同江津气象局开展环境空气质量会商、研判、预警"; "会商提出预警建议"), and Chongqing's practice has the
district follow the city's warning notice. So issuing, raising or lowering an orange or red needs one of
those records as its basis; a yellow may cite one.

The records live in the ``consultations`` app, a floor above this one (units ← events ← alerts ← feeds ←
consultations). ``alerts`` never imports it: a warning holds its basis as a kind and an id
(``Alert.basis_kind``, ``Alert.basis_ref``), and the app that owns the records registers, at start-up
(``consultations.apps.ConsultationsConfig.ready``), a *resolver* that turns an id of its kind into a
``BasisRecord``, and a *lister* of the records a person may cite now. The services here check a basis
through ``basis_resolve``; pages and the API show it through the same call.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from alerts.choices import BasisKind, Level

# Levels whose decisions need a basis, and whose lowering needs one too (issue 15 item 1).
BASIS_LEVELS = (Level.ORANGE, Level.RED)


@dataclass(frozen=True)
class BasisRecord:
    """A record a warning may rest on, as the owning app describes it.

    ``level`` is the level the record recommends (a consultation's conclusion) or orders (a city
    notice): "" when it calls for no warning (a conclusion of "no warning", a lift advice), and such a
    record can be no warning's basis. ``cause`` is the episode's cause it names ("" if none).
    """

    kind: str
    pk: int
    title: str
    summary: str
    level: str
    cause: str = ""
    url: str = ""
    at: datetime.datetime | None = None
    starts_at: datetime.datetime | None = None  # the start and end it recommends or orders
    ends_at: datetime.datetime | None = None
    details: dict = field(default_factory=dict)
    # The area a city notice names when it is not this district's (another district's notice): such a
    # record can be no basis here. "" for a consultation and for a notice that covers the district.
    elsewhere: str = ""

    @property
    def level_label(self) -> str:
        """The level's name in the active language ("" for none)."""
        return str(Level(self.level).label) if self.level in Level.values else ""

    def as_payload(self) -> dict:
        """The basis in an event payload or an API answer."""
        return {"kind": self.kind, "id": self.pk, "title": self.title, "level": self.level, "cause": self.cause, "url": self.url}


_RESOLVERS: dict[str, Callable[[int], "BasisRecord | None"]] = {}
_LISTERS: dict[str, Callable[[], list["BasisRecord"]]] = {}


def basis_register(kind: str, *, resolve: Callable[[int], "BasisRecord | None"], recent: Callable[[], list]) -> None:
    """Register the owner of ``kind`` records (an ``alerts.choices.BasisKind``): ``resolve(pk)`` answers the
    record or None; ``recent()`` lists the records that may be cited now, newest first."""
    _RESOLVERS[kind] = resolve
    _LISTERS[kind] = recent


def basis_resolve(kind: str, pk: int | None) -> BasisRecord | None:
    """The record ``kind`` #``pk``, or None (no such record, no kind, or no app registered for it)."""
    if not kind or pk is None or kind not in _RESOLVERS:
        return None
    return _RESOLVERS[kind](pk)


def basis_of(alert) -> BasisRecord | None:
    """The record the warning rests on, or None."""
    return basis_resolve(alert.basis_kind, alert.basis_ref)


def basis_choices() -> list[BasisRecord]:
    """The records that may be cited now, consultations first, each kind newest first (forms)."""
    return [record for kind in BasisKind.values if kind in _LISTERS for record in _LISTERS[kind]()]


def basis_required(level: str, in_force_level: str | None = None) -> bool:
    """Does putting ``level`` in force over ``in_force_level`` need a basis?

    Issuing or raising to orange or red, and lowering an orange or red in force (to a lower level), do;
    a yellow over nothing or over yellow does not. ``ALERT_BASIS_REQUIRED`` (default on) turns the rule off
    for a deployment that records consultations outside the platform.
    """
    if not settings.ALERT_BASIS_REQUIRED:
        return False
    return level in BASIS_LEVELS or (in_force_level in BASIS_LEVELS and in_force_level != level)


def basis_check(*, level: str, kind: str, pk: int | None, in_force_level: str | None = None) -> BasisRecord | None:
    """Check the basis given for putting ``level`` in force over ``in_force_level``; answer its record.

    Raises ValidationError (400) naming what is missing or wrong: no basis where ``basis_required``; a
    kind that is not ``consultation`` or ``directive``; an id with no record; a record that calls for no
    warning (a consultation concluding "no warning", a city lift advice); a city notice for another area
    than the district (``BasisRecord.elsewhere``). Answers None when no basis is given and none is needed.
    """
    if not kind and pk is None:
        if basis_required(level, in_force_level):
            raise ValidationError({
                "basis_ref": _(
                    "An orange or red warning, and lowering one, needs a basis: a consultation record (会商) or a "
                    "municipal directive (市级指令). Record the consultation first, then cite it."
                )
            })
        return None
    if kind not in BasisKind.values:
        raise ValidationError({"basis_kind": _("The basis is a consultation record or a municipal directive.")})
    if pk is None:
        raise ValidationError({"basis_ref": _("Name the record the decision rests on.")})
    record = basis_resolve(kind, pk)
    if record is None:
        raise ValidationError({"basis_ref": _("There is no %(kind)s #%(id)s.") % {"kind": BasisKind(kind).label, "id": pk}})
    if not record.level:
        raise ValidationError({
            "basis_ref": _("%(record)s calls for no warning; it cannot be the basis of one.") % {"record": record.title}
        })
    if record.elsewhere:
        raise ValidationError({
            "basis_ref": _("%(record)s is for %(region)s, not this district; it cannot be the basis of its warning.")
            % {"record": record.title, "region": record.elsewhere}
        })
    return record


def basis_form_choices() -> list[tuple[str, str]]:
    """Choices of a form's basis field: ``("", "—")`` then ``("<kind>:<id>", "<title> · <level>")`` per citable record.

    Three queries at most (the recent consultations, their units, the recent directives); pages that may not
    need them pass ``basis_options_lazy()``, read only when a form shows the field.
    """
    from alerts.choices import Level

    choices = [("", "—")]
    for record in basis_choices():
        level = Level(record.level).label if record.level in Level.values else "-"
        choices.append((f"{record.kind}:{record.pk}", f"{record.title} · {level}"))
    return choices


def basis_parse(value: str) -> tuple[str, int | None]:
    """``"consultation:12"`` → ``("consultation", 12)``; empty or malformed → ``("", None)`` (the service then
    names what is missing)."""
    kind, _sep, pk = (value or "").partition(":")
    return (kind, int(pk)) if kind and pk.isdigit() else ("", None)


def basis_options_lazy():
    """``basis_form_choices`` for a template, computed the first time the page iterates it (never if it does not)."""
    from django.utils.functional import SimpleLazyObject

    return SimpleLazyObject(basis_form_choices)


# --- The city's level (issue 15 item 3) -----------------------------------------------------------------

_CITY: list[Callable[[datetime.datetime], "BasisRecord | None"]] = []


def basis_register_city(level_at: Callable[[datetime.datetime], "BasisRecord | None"]) -> None:
    """Register the reader of the city's warning in effect at a time (``consultations`` registers its directives)."""
    _CITY[:] = [level_at]


def city_warning_at(at: datetime.datetime) -> BasisRecord | None:
    """The city's warning notice in effect at ``at`` (its ``level``), or None (none, or lifted by a lift advice)."""
    return _CITY[0](at) if _CITY else None


def city_below(*, level: str | None, area: str, drill: bool, city: "BasisRecord | None | bool" = False) -> BasisRecord | None:
    """The city's warning notice that putting ``level`` in force (None: lifting) would go below, or None.

    ``city`` is the notice in effect now when the caller has read it (``city_warning_at``), else it is read
    here (two queries at most). Drills and other areas than the district are not the city's concern.
    Raises nothing: ``city_floor_check`` refuses, pages say beforehand (``alerts.selectors.approval_effect``).
    """
    from django.utils import timezone

    from alerts.choices import LEVEL_RANK

    if drill or area != settings.DISTRICT_NAME:
        return None
    if city is False:
        city = city_warning_at(timezone.now())
    if city is None or city.level not in LEVEL_RANK:
        return None
    if level is not None and LEVEL_RANK[level] >= LEVEL_RANK[city.level]:
        return None
    return city


def city_floor_message(city: BasisRecord) -> str:
    """What a decision below ``city``'s notice needs, in the active language (the form says it before, the service after)."""
    return _(
        "%(notice)s orders %(level)s: the district stays at or above the city's level, unless a headquarters "
        "leader records why not."
    ) % {"notice": city.title, "level": city.level_label}


def city_floor_check(*, actor, level: str | None, area: str, drill: bool, reason: str) -> BasisRecord | None:
    """Check that putting ``level`` in force (None: lifting) keeps the district at or above the city's level now.

    The district follows the city's warning (Chongqing's practice: districts may go earlier or higher, and lift
    after the city's 解除建议函), unless a headquarters leader records why not (issue 15 item 3): below the
    city's level, ``reason`` must be given (ValidationError 400 naming ``below_city_reason``) and ``actor`` must
    be a leader (PermissionDenied 403). Drills and other areas than the district are not the city's concern.
    Answers the city's notice when the district goes below it (the caller audits ``below_city``), else None.
    """
    from alerts.permissions import may_decide

    city = city_below(level=level, area=area, drill=drill)
    if city is None:
        return None
    if not (reason or "").strip():
        raise ValidationError({"below_city_reason": city_floor_message(city)})
    if not may_decide(actor):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only a headquarters leader decides to stay below the city's level."))
    return city

"""Reads of the emission-reduction list, scoped to the user, and the target computation (issue 16, item 3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from alerts.choices import Cause, Level
from foundation.display import localized
from reductions.choices import (
    CAUSE_FIELDS,
    LEVELS,
    LIVE_ITEM_STATUSES,
    POLLUTANTS,
    CheckState,
    InspectionStatus,
    ItemStatus,
    Pollutant,
    SiteKind,
)
from reductions.models import ChecklistItem, EmissionInventory, Enterprise, Inspection, ListVersion, Measure, Site
from reductions.permissions import item_scope_q, scope_q
from responses.choices import ResponseStatus
from responses.models import Response
from units.choices import UnitKind
from units.models import Unit

HUNDRED = Decimal(100)


def version_current(year: int | None = None) -> ListVersion | None:
    """The emission-reduction list (应急减排清单) in force: ``year``'s if given (None if there is none),
    else the latest year not after this one, else the latest. Returns the ``ListVersion`` or None.
    Raises nothing.
    """
    versions = ListVersion.objects.all()
    if year is not None:
        return versions.filter(year=year).first()
    this_year = timezone.localdate().year
    return versions.filter(year__lte=this_year).order_by("-year").first() or versions.order_by("-year").first()


def version_for(moment) -> ListVersion | None:
    """The list in force at ``moment`` (an aware datetime: a response's start): that local year's, else
    the latest before it, else ``version_current()``. Returns the ``ListVersion`` or None. Raises nothing.
    """
    year = timezone.localtime(moment).year
    return ListVersion.objects.filter(year__lte=year).order_by("-year").first() or version_current()


def versions():
    """Every stored version of the reduction list, newest year first (pk, year, title, sample flag only):
    a queryset, one query. The list's versions are not secret; their entries are scoped (``scope_q``)."""
    return ListVersion.objects.order_by("-year").only("pk", "year", "title", "sample")


def with_measures_by_level(rows) -> list:
    """``rows`` (enterprises or sites with ``measures`` prefetched), each given ``by_level`` (level →
    its measures) and ``levels`` (``[(level, measures)]`` in the level order). No query. Returns the rows
    as a list. Raises nothing.
    """
    rows = list(rows)
    for row in rows:
        row.by_level = {level: [] for level in LEVELS}
        for measure in row.measures.all():
            row.by_level.setdefault(measure.level, []).append(measure)
        row.levels = [(level, row.by_level[level]) for level in LEVELS]
    return rows


def enterprises_visible_to(user, version: ListVersion | None = None):
    """The enterprises ``user`` may see (``reductions.permissions.scope_q``: the command all, a unit
    those it supervises or in its town), of ``version`` or of every version, with town, supervisor and
    version joined. Returns a lazy queryset. Raises nothing.
    """
    enterprises = Enterprise.objects.select_related("town", "supervisor", "version")
    scope = scope_q(user)
    if scope is not None:
        enterprises = enterprises.filter(scope)
    return enterprises.filter(version=version) if version is not None else enterprises


def sites_visible_to(user, version: ListVersion | None = None):
    """The construction and dust sites ``user`` may see, of ``version`` or every version, as
    ``enterprises_visible_to`` scopes them. Returns a lazy queryset. Raises nothing.
    """
    sites = Site.objects.select_related("town", "supervisor", "version")
    scope = scope_q(user)
    if scope is not None:
        sites = sites.filter(scope)
    return sites.filter(version=version) if version is not None else sites


def measures_visible_to(user, version: ListVersion, level: str | None = None, cause: str | None = None):
    """The measures of ``version``'s entries ``user`` may see, their owners joined, in list order (credit code
    or site reference, level, order); of one ``level`` and one episode ``cause`` (``Measure.for_<cause>``)
    when given. Returns a lazy queryset. Raises nothing.
    """
    measures = Measure.objects.select_related(
        "enterprise__town", "enterprise__supervisor", "site__town", "site__supervisor"
    ).filter(Q(enterprise__version=version) | Q(site__version=version))
    scope = scope_q(user)
    if scope is not None:
        unit = user.unit_id
        measures = measures.filter(
            Q(enterprise__supervisor_id=unit) | Q(enterprise__town_id=unit) | Q(site__supervisor_id=unit) | Q(site__town_id=unit)
        )
    if level is not None:
        measures = measures.filter(level=level)
    if cause is not None:
        measures = measures.filter(**{CAUSE_FIELDS[cause]: True})
    return measures.order_by("enterprise__credit_code", "site__ref", "level", "order")


def roster_lookups() -> tuple[dict[str, int], dict[str, int]]:
    """Names and codes the import accepts: (towns, streets and parks; supervising units) → unit id."""
    places, supervisors = {}, {}
    for unit in Unit.objects.only("pk", "code", "name", "kind"):
        if unit.kind in (UnitKind.TOWNSHIP, UnitKind.PARK):
            places[unit.code] = places[unit.name] = unit.pk
        if unit.kind in (UnitKind.DEPARTMENT, UnitKind.TOWNSHIP, UnitKind.PARK):
            supervisors[unit.code] = supervisors[unit.name] = unit.pk
    return places, supervisors


# --- Targets -----------------------------------------------------------------------------------------


@dataclass
class PollutantProgress:
    """One pollutant at one level: the district total, the cut the target asks, what the list cuts."""

    pollutant: str
    label: str
    total: Decimal  # t/yr, from the inventory
    required: Decimal  # t/yr = total × target %
    cut: Decimal  # t/yr, sum of the list's measures at this level
    achieved_pct: Decimal | None  # cut / total × 100, None when the total is 0
    met: bool


@dataclass
class Contributor:
    """An enterprise or site and what its measures at one level cut (t/yr), with its mean share of the totals."""

    kind: str  # "enterprise" or "site"
    pk: int
    name: str
    town: str
    cuts: dict[str, Decimal]
    share_pct: Decimal


@dataclass
class LevelProgress:
    level: str
    label: str
    target_pct: Decimal
    pollutants: list[PollutantProgress]
    top: list[Contributor] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return all(p.met for p in self.pollutants)


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part * HUNDRED / whole).quantize(Decimal("0.1")) if whole else None


def target_progress(version: ListVersion | None, *, cause: str = Cause.PM2_5, top: int = 5) -> list[LevelProgress] | None:
    """For each level and pollutant, whether the measures of the episode ``cause`` reach the national share of the totals.

    The requirement (重污染天气应急减排措施制定技术指南; issue 16 item 3): at yellow, orange and red the
    cuts reach 10 %, 20 % and 30 % (the inventory's ``*_pct``) of the area's total emissions
    (全社会排放总量) of PM, SO2, NOx and VOCs. ``cut`` sums the measures of the version at that level that
    apply to ``cause`` (``Measure.for_<cause>``, t/yr): only those are handed out in an episode of that
    cause, so only they count. The default is PM2.5, the episode the national shares are written for;
    the issuing form shows the cause it names (``targets_by_cause``). A pollutant is met when
    cut ≥ total × pct / 100 (a total of 0 asks for nothing). ``top`` lists the enterprises and sites
    that cut most at each level, ranked by their mean share of the four totals. Answers None when the
    version has no inventory (the admin has not recorded it). Raises KeyError for an unknown cause.
    Four queries: the inventory, the sums, the top enterprises' and sites' names.
    """
    by_cause = targets_by_cause(version, causes=[cause], top=top)
    return None if by_cause is None else by_cause[cause]


def targets_by_cause(version: ListVersion | None, *, causes=None, top: int = 5) -> dict[str, list[LevelProgress]] | None:
    """``target_progress`` for each of ``causes`` (default every cause, alerts.choices.Cause) at once.

    Answers ``{cause: [LevelProgress per level]}``, or None when the version has no inventory. Four
    queries whatever the number of causes: the sums are read once per level, owner and set of causes.
    Raises KeyError for an unknown cause.
    """
    if version is None:
        return None
    causes = list(causes or Cause.values)
    fields = [CAUSE_FIELDS[c] for c in causes]
    inventory = EmissionInventory.objects.filter(version=version).first()
    if inventory is None:
        return None
    totals = {p: getattr(inventory, p) for p in POLLUTANTS}
    rows = (
        Measure.objects.filter(Q(enterprise__version=version) | Q(site__version=version))
        .values("level", "enterprise_id", "site_id", *fields)
        .annotate(**{p: Sum(p) for p in POLLUTANTS})
        .order_by()
    )
    sums = {c: {level: dict.fromkeys(POLLUTANTS, Decimal(0)) for level in LEVELS} for c in causes}
    per_owner: dict[str, dict[str, dict[tuple[str, int], dict]]] = {c: {level: {} for level in LEVELS} for c in causes}
    for row in rows:
        level = row["level"]
        if level not in LEVELS:
            continue
        owner = ("enterprise", row["enterprise_id"]) if row["enterprise_id"] else ("site", row["site_id"])
        for c in causes:
            if not row[CAUSE_FIELDS[c]]:
                continue
            cuts = per_owner[c][level].setdefault(owner, dict.fromkeys(POLLUTANTS, Decimal(0)))
            for p in POLLUTANTS:
                amount = row[p] or Decimal(0)
                sums[c][level][p] += amount
                cuts[p] += amount
    progress, wanted = {}, {"enterprise": set(), "site": set()}
    for c in causes:
        progress[c] = []
        for level in LEVELS:
            pct = inventory.target_pct(level)
            pollutants = []
            for p in POLLUTANTS:
                required = totals[p] * pct / HUNDRED
                cut = sums[c][level][p]
                pollutants.append(PollutantProgress(
                    pollutant=p, label=Pollutant(p).label, total=totals[p], required=required.quantize(Decimal("0.001")),
                    cut=cut, achieved_pct=_pct(cut, totals[p]), met=cut >= required,
                ))
            owners = []
            for (kind, pk), cuts in per_owner[c][level].items():
                shares = [cuts[p] / totals[p] for p in POLLUTANTS if totals[p]]
                owners.append((sum(shares, Decimal(0)) * HUNDRED / len(POLLUTANTS), kind, pk, cuts))
            best = sorted(owners, key=lambda o: (-o[0], o[1], o[2]))[:top]
            for _share, kind, pk, _cuts in best:
                wanted[kind].add(pk)
            progress[c].append((level, pct, pollutants, best))
    names = {("enterprise", e.pk): (e.name, str(e.town)) for e in Enterprise.objects.filter(pk__in=wanted["enterprise"]).select_related("town")}
    names |= {("site", s.pk): (s.project, str(s.town)) for s in Site.objects.filter(pk__in=wanted["site"]).select_related("town")}
    answer = {}
    for c in causes:
        answer[c] = [
            LevelProgress(
                level=level, label=Level(level).label, target_pct=pct, pollutants=pollutants,
                top=[Contributor(kind=kind, pk=pk, name=names[(kind, pk)][0], town=names[(kind, pk)][1], cuts=cuts,
                                 share_pct=share.quantize(Decimal("0.01")))
                     for share, kind, pk, cuts in best],
            )
            for level, pct, pollutants, best in progress[c]
        ]
    return answer


def list_counts(user, version: ListVersion | None) -> dict:
    """The list page's header figures for ``user`` in ``version`` (None: no list yet, zeros).

    Returns ``{"enterprises": n, "sites": n}``: what the user sees. Two queries. Raises nothing.
    """
    if version is None:
        return {"enterprises": 0, "sites": 0}
    return {
        "enterprises": enterprises_visible_to(user, version).count(),
        "sites": sites_visible_to(user, version).count(),
    }


# --- What an import would change ---------------------------------------------------------------------


@dataclass
class ImportDiff:
    """What importing a workbook into a version changes: unsaved objects to create or update, objects to delete."""

    ENTERPRISE_FIELDS = ["name", "industry", "address", "town_id", "supervisor_id", "grade", "livelihood", *POLLUTANTS]
    SITE_FIELDS = ["project", "builder", "address", "town_id", "supervisor_id", "kind"]
    MEASURE_FIELDS = ["text", *POLLUTANTS, *CAUSE_FIELDS.values()]

    enterprises_create: list = field(default_factory=list)
    enterprises_update: list = field(default_factory=list)
    enterprises_delete: list = field(default_factory=list)
    sites_create: list = field(default_factory=list)
    sites_update: list = field(default_factory=list)
    sites_delete: list = field(default_factory=list)
    measures_create: list = field(default_factory=list)
    measures_create_owners: list = field(default_factory=list)  # (credit code, site number) of each new measure
    measures_update: list = field(default_factory=list)
    measures_delete: list = field(default_factory=list)
    enterprise_ids: dict = field(default_factory=dict)  # credit code → id of the entries that stay
    site_ids: dict = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            f"{kind}_{change}": len(getattr(self, f"{kind}_{change}"))
            for kind in ("enterprises", "sites", "measures")
            for change in ("create", "update", "delete")
        }

    @property
    def unchanged(self) -> bool:
        return not any(self.counts().values())


def _changed(obj, values: dict, fields: list[str]) -> bool:
    changed = False
    for name in fields:
        if getattr(obj, name) != values[name]:
            setattr(obj, name, values[name])
            changed = True
    return changed


def _diff_owners(model, key: str, fields: list[str], *, current, rows, version) -> tuple[list, list, list, dict]:
    """Match the workbook's rows of one kind (enterprises by credit code, sites by number) with the stored ones.

    Answers (unsaved new objects, changed objects with the new values set, objects the workbook no
    longer names, key → id of the objects that stay). Writes nothing.
    """
    stored = {getattr(obj, key): obj for obj in current}
    create, update, ids = [], [], {}
    for row in rows:
        values = {name: row[name] for name in fields}
        obj = stored.pop(row[key], None)
        if obj is None:
            create.append(model(version=version, **{key: row[key]}, **values))
        else:
            ids[row[key]] = obj.pk
            if _changed(obj, values, fields):
                update.append(obj)
    return create, update, list(stored.values()), ids


def import_diff(*, version: ListVersion | None, plan) -> ImportDiff:
    """Compare a checked workbook (``xlsx.ImportPlan`` without errors) with a version: the preview of an import.

    Writes nothing. ``version`` None (a year not yet in the platform) means every row is new.
    Three queries: the enterprises, sites and measures of the version.
    """
    diff = ImportDiff()
    enterprises = Enterprise.objects.filter(version=version) if version else []
    sites = Site.objects.filter(version=version) if version else []
    (diff.enterprises_create, diff.enterprises_update, diff.enterprises_delete, diff.enterprise_ids) = _diff_owners(
        Enterprise, "credit_code", ImportDiff.ENTERPRISE_FIELDS, current=enterprises, rows=plan.enterprises, version=version
    )
    (diff.sites_create, diff.sites_update, diff.sites_delete, diff.site_ids) = _diff_owners(
        Site, "ref", ImportDiff.SITE_FIELDS, current=sites, rows=plan.sites, version=version
    )
    gone = {e.pk for e in diff.enterprises_delete}, {s.pk for s in diff.sites_delete}
    codes = {pk: code for code, pk in diff.enterprise_ids.items()}
    refs = {pk: ref for ref, pk in diff.site_ids.items()}
    measures = {}
    if version is not None:
        for m in Measure.objects.filter(Q(enterprise__version=version) | Q(site__version=version)):
            if m.enterprise_id in gone[0] or m.site_id in gone[1]:
                continue  # deleted with its owner
            measures[(codes.get(m.enterprise_id), refs.get(m.site_id), m.level, m.order)] = m
    for row in plan.measures:
        values = {name: row[name] for name in ImportDiff.MEASURE_FIELDS}
        current = measures.pop((row["enterprise"], row["site"], row["level"], row["order"]), None)
        if current is None:
            diff.measures_create.append(Measure(level=row["level"], order=row["order"], **values))
            diff.measures_create_owners.append((row["enterprise"], row["site"]))
        elif _changed(current, values, ImportDiff.MEASURE_FIELDS):
            diff.measures_update.append(current)
    diff.measures_delete = list(measures.values())
    return diff


# --- During a response: checklists, inspections, compliance (issue 16 items 4-6) ----------------------


def items_visible_to(user, response=None):
    """The checklist items ``user`` may see (``reductions.permissions.item_scope_q``), of ``response``
    or of every response, owners and units joined. Returns a lazy queryset. Raises nothing.
    """
    items = ChecklistItem.objects.select_related("enterprise", "site", "unit", "town")
    scope = item_scope_q(user)
    if scope is not None:
        items = items.filter(scope)
    return items.filter(response=response) if response is not None else items


def inspections_visible_to(user):
    """The inspections (督查) ``user`` may see: the command all, a unit those of what it supervises or
    of what lies in its town (``item_scope_q``), with owners, units, inspector and photos loaded.
    Returns a lazy queryset. Raises nothing.
    """
    inspections = Inspection.objects.select_related("enterprise", "site", "unit", "town", "inspector").prefetch_related("photos")
    scope = item_scope_q(user)
    return inspections.filter(scope) if scope is not None else inspections


def responses_active():
    """The responses in force, real ones before drills, newest first (a drill's checklists are the drill's work)."""
    return Response.objects.filter(status=ResponseStatus.ACTIVE).select_related("alert").order_by("drill", "-started_at", "-id")


@dataclass
class Owner:
    """An enterprise or site with live items in a response: what the inspector's page lists."""

    kind: str
    pk: int
    name: str
    town: str
    address: str = ""
    items: list = field(default_factory=list)
    state: str = CheckState.UNCHECKED

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.pk}"

    @property
    def state_label(self) -> str:
        return CheckState(self.state).label


def inspections_open(user, response):
    """The response's open rectifications the user may see, nearest deadline first (issue 16 item 5): a queryset
    with owners, units and photos loaded, for the inspector's page to paginate. Raises nothing."""
    return inspections_visible_to(user).filter(response=response, status=InspectionStatus.OPEN).order_by("rectify_by", "id")


_STATE_RANK = {CheckState.NON_COMPLIANT: 0, CheckState.UNCHECKED: 1, CheckState.COMPLIANT: 2}


def inspector_owners(user, response) -> list[Owner]:
    """Every enterprise and site of the response with live items in the user's scope, non-compliant first,
    unchecked next, then by town and name: light rows (no items, no address) for the inspector's page to
    paginate and its form to name. One query (one row per owner and state), whatever the list's size.
    Raises nothing.
    """
    rows = (
        items_visible_to(user, response).filter(status__in=LIVE_ITEM_STATUSES)
        .values_list("enterprise_id", "site_id", "enterprise__name", "site__project", "town__order", "town__name",
                     "town__name_en", "check_state")
        .distinct().order_by()
    )
    owners: dict[tuple[str, int], tuple] = {}
    for enterprise_id, site_id, name, project, town_order, town_name, town_en, state in rows:
        key = ("enterprise", enterprise_id) if enterprise_id else ("site", site_id)
        known = owners.get(key)
        if known is None or _STATE_RANK[state] < _STATE_RANK[known[0].state]:  # the worst state shows
            town = localized({"name": town_name, "name_en": town_en}, "name")
            owners[key] = (Owner(kind=key[0], pk=key[1], name=name or project, town=town, state=state), town_order)
    return [o for o, _order in sorted(owners.values(), key=lambda pair: (_STATE_RANK[pair[0].state], pair[1] or 0, pair[0].town,
                                                                          pair[0].name, pair[0].key))]


def inspector_page(user, response, owners: list[Owner]) -> list[Owner]:
    """The ``owners`` of one page of the inspector's page (``inspector_owners``), each given its live items and
    its address. One query whatever the page's size. Raises nothing."""
    enterprises = [o.pk for o in owners if o.kind == "enterprise"]
    sites = [o.pk for o in owners if o.kind == "site"]
    if not owners:
        return []
    by_key = {o.key: o for o in owners}
    for o in owners:
        o.items = []
    items = (
        items_visible_to(user, response).filter(status__in=LIVE_ITEM_STATUSES)
        .filter(Q(enterprise_id__in=enterprises) | Q(site_id__in=sites)).order_by("id")
    )
    for item in items:
        owner = by_key[f"enterprise-{item.enterprise_id}" if item.enterprise_id else f"site-{item.site_id}"]
        owner.items.append(item)
        owner.address = (item.enterprise or item.site).address
    return owners


def _state_counts() -> dict:
    return {
        "total": Count("id"),
        "confirmed": Count("id", filter=Q(status=ItemStatus.CONFIRMED)),
        "checked": Count("id", filter=~Q(check_state=CheckState.UNCHECKED)),
        "compliant": Count("id", filter=Q(check_state=CheckState.COMPLIANT)),
        "non_compliant": Count("id", filter=Q(check_state=CheckState.NON_COMPLIANT)),
    }


def compliance(response) -> dict:
    """The list's compliance during a response (issue 16 item 6), for the command: live items by town, by
    supervising unit and by industry (sites by kind), each with total, confirmed, checked, compliant and
    non-compliant; the totals; and the open non-compliant inspections, nearest deadline first.

    Four queries whatever the list's size.
    """
    live = ChecklistItem.objects.filter(response=response, status__in=LIVE_ITEM_STATUSES).order_by()
    counts = _state_counts()
    by_town = list(live.values("town_id", "town__name", "town__name_en", "town__order").annotate(**counts).order_by("town__order", "town_id"))
    by_unit = list(live.values("unit_id", "unit__name", "unit__name_en", "unit__order").annotate(**counts).order_by("unit__order", "unit_id"))
    by_sector = list(
        live.annotate(sector=Coalesce(F("enterprise__industry"), F("site__kind"))).values("sector").annotate(**counts).order_by("sector")
    )
    kinds = dict(SiteKind.choices)
    for row in by_sector:
        row["name"] = str(kinds.get(row["sector"], row["sector"]))
    for row in by_town:  # in the reader's language (issue 14 item 9)
        row["name"] = localized({"name": row["town__name"], "name_en": row["town__name_en"]}, "name")
    for row in by_unit:
        row["name"] = localized({"name": row["unit__name"], "name_en": row["unit__name_en"]}, "name")
    totals = {key: sum(row[key] for row in by_town) for key in counts}
    totals["unchecked"] = totals["total"] - totals["checked"]
    non_compliant = list(
        Inspection.objects.filter(response=response, status=InspectionStatus.OPEN)
        .select_related("enterprise", "site", "town", "unit", "inspector").order_by("rectify_by", "id")[:200]
    )
    return {"totals": totals, "by_town": by_town, "by_unit": by_unit, "by_sector": by_sector, "non_compliant": non_compliant}


WALL_NON_COMPLIANT = 8


def compliance_summary(response, *, listed: int = WALL_NON_COMPLIANT) -> dict:
    """The compliance of a response's list for the wall screen (issue 16 item 6): enterprises and sites with
    live items, counted by what the latest inspection found, and the open non-compliant inspections nearest
    deadline first.

    Answers ``{"total", "checked", "compliant", "non_compliant", "unchecked"}`` (counts of enterprises and
    sites, not of measures: the wall counts places to visit), ``"open"`` (the number of open
    rectifications) and ``"non_compliant_list"`` (the first ``listed`` of them, owners and towns loaded).
    Three queries whatever the list's size. Raises nothing.
    """
    live = ChecklistItem.objects.filter(response=response, status__in=LIVE_ITEM_STATUSES).order_by()

    def owners(state=None):
        only = {} if state is None else {"filter": Q(check_state=state)}
        return {"e": Count("enterprise_id", distinct=True, **only), "s": Count("site_id", distinct=True, **only)}

    aggregates = {}
    for name, state in (("total", None), ("compliant", CheckState.COMPLIANT), ("non_compliant", CheckState.NON_COMPLIANT)):
        aggregates |= {f"{name}_{k}": v for k, v in owners(state).items()}
    row = live.aggregate(**aggregates)
    counts = {name: row[f"{name}_e"] + row[f"{name}_s"] for name in ("total", "compliant", "non_compliant")}
    counts["checked"] = counts["compliant"] + counts["non_compliant"]
    counts["unchecked"] = counts["total"] - counts["checked"]
    open_ones = Inspection.objects.filter(response=response, status=InspectionStatus.OPEN)
    counts["open"] = open_ones.count()
    counts["non_compliant_list"] = list(
        open_ones.select_related("enterprise", "site", "town").order_by("rectify_by", "id")[:listed]
    )
    return counts

"""Writes of the emission-reduction list: importing a year's workbook, edits in the admin, the district's totals.

Each asks ``reductions.permissions``, runs in one transaction, locks the year's ``ListVersion`` row
first (the one lock order: version, then its entries), leaves one append-only audit entry, and lets
django-simple-history keep a history row for every entry it creates, changes or deletes.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from events.services import audit_record
from reductions.choices import POLLUTANTS
from reductions.models import EmissionInventory, Enterprise, Inspector, ListVersion, Measure, Site
from reductions.permissions import may_manage
from reductions.selectors import ImportDiff, import_diff
from reductions.xlsx import ImportPlan
from units.permissions import is_roster_admin, is_unit_member

BATCH = 1000


def _require_manager(actor) -> None:
    if not may_manage(actor):
        raise PermissionDenied(_("Only the list's keepers may change the emission-reduction list."))


def _version_lock(year: int, *, title: str = "", sample: bool | None = None) -> ListVersion:
    """The year's version row, created if new, locked for the rest of the transaction."""
    version, created = ListVersion.objects.select_for_update(no_key=True).get_or_create(
        year=year, defaults={"title": title, "sample": bool(sample)}
    )
    changed = []
    if not created and title and version.title != title:
        version.title = title
        changed.append("title")
    if not created and sample is not None and version.sample != sample:
        version.sample = sample
        changed.append("sample")
    if changed:
        version.save(update_fields=changed)
    return version


def _delete(objs, actor) -> None:
    for obj in objs:
        obj._history_user = actor  # the history row of a delete names who did it
        obj.delete()


def list_import(*, actor, year: int, plan: ImportPlan, title: str = "", sample: bool | None = None) -> ImportDiff:
    """Make the year's list what the workbook says, or change nothing (issue 16, item 2).

    The workbook is the whole list of the year: entries it names are created or updated
    (enterprises by credit code, sites by number, measures by owner, level and order), entries
    it no longer names are removed; unchanged rows are not written (no history row). Answers
    the diff that was applied (counts per kind). Raises PermissionDenied (403) without
    ``reductions.manage_list`` and ValidationError (400) when the plan has errors: then
    nothing is written.
    """
    _require_manager(actor)
    if not plan.valid:
        raise ValidationError([str(e) for e in plan.errors])
    if not 2000 <= year <= 2100:
        raise ValidationError(_("The year must be from 2000 to 2100."))
    with transaction.atomic():
        version = _version_lock(year, title=title, sample=sample)
        diff = import_diff(version=version, plan=plan)
        if diff.unchanged:
            return diff
        _delete(diff.measures_delete, actor)
        _delete(diff.sites_delete, actor)
        _delete(diff.enterprises_delete, actor)
        reason = "import"
        created = bulk_create_with_history(diff.enterprises_create, Enterprise, batch_size=BATCH, default_user=actor,
                                           default_change_reason=reason)
        if diff.enterprises_update:
            bulk_update_with_history(diff.enterprises_update, Enterprise, diff.ENTERPRISE_FIELDS, batch_size=BATCH,
                                     default_user=actor, default_change_reason=reason)
        created_sites = bulk_create_with_history(diff.sites_create, Site, batch_size=BATCH, default_user=actor,
                                                 default_change_reason=reason)
        if diff.sites_update:
            bulk_update_with_history(diff.sites_update, Site, diff.SITE_FIELDS, batch_size=BATCH, default_user=actor,
                                     default_change_reason=reason)
        # New owners have their ids only now: point the new measures at them.
        enterprise_ids = {e.credit_code: e.pk for e in created} | diff.enterprise_ids
        site_ids = {s.ref: s.pk for s in created_sites} | diff.site_ids
        for measure, (code, ref) in zip(diff.measures_create, diff.measures_create_owners, strict=True):
            measure.enterprise_id = enterprise_ids[code] if code else None
            measure.site_id = site_ids[ref] if ref else None
        bulk_create_with_history(diff.measures_create, Measure, batch_size=BATCH, default_user=actor,
                                 default_change_reason=reason)
        if diff.measures_update:
            bulk_update_with_history(diff.measures_update, Measure, diff.MEASURE_FIELDS, batch_size=BATCH,
                                     default_user=actor, default_change_reason=reason)
        audit_record(actor=actor, action="reductions_import", target=version, data=diff.counts())
    return diff


def _version_pk(instance) -> int | None:
    if isinstance(instance, ListVersion):
        return instance.pk
    if isinstance(instance, Measure):
        return (instance.enterprise or instance.site).version_id
    return instance.version_id


Entry = ListVersion | Enterprise | Site | Measure | EmissionInventory


def list_entry_save(*, actor, instance: Entry, changed: list[str] | None = None) -> None:
    """Save one entry edited by hand (the admin): a version, enterprise, site, measure or the district's totals.

    Locks the version first (the one lock order), saves, and writes an audit entry; the history
    row names ``actor``. Raises PermissionDenied (403) without ``reductions.manage_list`` and
    ValidationError (400) when the entry is invalid (``full_clean``: credit code checksum,
    negative emissions…).
    """
    _require_manager(actor)
    instance.full_clean()
    with transaction.atomic():
        version_pk = _version_pk(instance)
        if version_pk is not None:
            ListVersion.objects.select_for_update(no_key=True).get(pk=version_pk)
        created = instance.pk is None
        instance._history_user = actor
        instance.save()
        audit_record(actor=actor, action="reductions_add" if created else "reductions_change", target=instance,
                     data={"fields": sorted(changed or [])})


def list_entry_delete(*, actor, instance: Entry) -> None:
    """Delete one entry and what hangs on it (an enterprise's measures, a version's whole list); history keeps it.

    Args: ``actor``, a keeper of the list (``reductions.permissions.may_manage``); ``instance``, a list
    version, an enterprise, a site or a measure. Returns None. Raises PermissionDenied (403) for anyone else.
    """
    _require_manager(actor)
    with transaction.atomic():
        ListVersion.objects.select_for_update(no_key=True).filter(pk=_version_pk(instance)).first()
        audit_record(actor=actor, action="reductions_delete", target=instance, data={"name": str(instance)})
        if isinstance(instance, ListVersion):
            _delete(Measure.objects.filter(Q(enterprise__version=instance) | Q(site__version=instance)), actor)
            _delete(instance.enterprises.all(), actor)
            _delete(instance.sites.all(), actor)
        elif isinstance(instance, (Enterprise, Site)):
            _delete(instance.measures.all(), actor)
        _delete([instance], actor)


def inventory_save(*, actor, year: int, totals: dict[str, Decimal], source: str = "",
                   target_pct: dict[str, Decimal] | None = None) -> EmissionInventory:
    """Record the district's total emissions (t/yr) of a year from its emission inventory, and the target shares.

    ``totals`` maps pm, so2, nox, vocs to t/yr; ``target_pct`` optionally maps yellow, orange,
    red to a percentage (default 10, 20, 30). Raises PermissionDenied (403) without
    ``reductions.manage_list``, ValidationError (400) for a negative figure.
    """
    _require_manager(actor)
    with transaction.atomic():
        version = _version_lock(year)
        inventory = EmissionInventory.objects.filter(version=version).first() or EmissionInventory(version=version)
        for p in POLLUTANTS:
            setattr(inventory, p, totals[p])
        inventory.source = source or inventory.source
        for level, pct in (target_pct or {}).items():
            setattr(inventory, f"{level}_pct", pct)
        inventory.full_clean()
        inventory._history_user = actor
        inventory.save()
        audit_record(actor=actor, action="reductions_inventory", target=version,
                     data={p: str(totals[p]) for p in POLLUTANTS})
    return inventory


def inspector_save(*, actor, inspector: Inspector) -> Inspector:
    """Name a unit member an inspector (督查员), or change or end the grant (issue 16 item 5).

    Raises PermissionDenied (403) for anyone but the roster admin, and ValidationError (400) for anyone
    named but a unit member with a unit: office staff inspect by their role. Locks the grant's row, saves,
    audits.
    """
    if not is_roster_admin(actor):
        raise PermissionDenied(_("Only the roster admin names inspectors."))
    if not is_unit_member(inspector.user):
        raise ValidationError({"user": _("Only a member of a unit is named an inspector; the office inspects by its role.")})
    with transaction.atomic():
        if inspector.pk is not None:
            Inspector.objects.select_for_update(no_key=True).filter(pk=inspector.pk).first()
        created = inspector.pk is None
        inspector.save()
        audit_record(actor=actor, action="inspector_grant" if created else "inspector_change", target=inspector,
                     to_state="active" if inspector.active else "inactive", data={"user": inspector.user_id})
    return inspector

"""Section 8: a role × endpoint matrix built from the URL configuration.

Every URL pattern the resolver knows is requested by every role: anonymous, a unit member
(on their own unit's objects, and on another unit's), the office, a leader and the roster
admin. Pages and API endpoints are fetched with GET and sent an empty POST; the answer must be
the one the table below expects, and never a 500. The table is keyed by the full route
text, and the set of routes found must equal its keys: a new endpoint without an
expectation fails this test, so none can escape the matrix. The admin site is covered by
one prefix rule (every admin URL, with real object ids, GET only).
"""

from __future__ import annotations

import json
import os
import re
import traceback

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client

from tests.hardening.conftest import png, record_figure
from tests.hardening.routes import Route, all_routes

pytestmark = pytest.mark.django_db

ROLES = ("anon", "member", "member_x", "office", "leader", "admin")

# route -> (GET statuses, POST statuses), one cell per role in ROLES order.
# A cell is a status, or several joined by "|". "-" means the method is not tried.
# Reading guide: 302 = sent to the login page; 403 = signed in but not allowed; 404 = not
# there for you (another unit's file, a warning a unit may not see); 405 = wrong method;
# 409 = refused in the object's current state; 400 = the empty body is incomplete.
# "The command" is the office and the leaders (units.permissions.is_command), on pages and in the
# API alike: the roster admin is not, and sees what any account outside the command sees.
#                                   anon member member_x office leader admin
EXPECT: dict[str, tuple[str, str]] = {
    "":                                              ("302 302 302 302 302 302", "302 302 302 302 302 302"),
    "login/":                                        ("200 302 302 302 302 302", "200 302 302 302 302 302"),
    "logout/":                                       ("405 405 405 405 405 405", "302 302 302 302 302 302"),
    "i18n/setlang/":                                 ("302 302 302 302 302 302", "302 302 302 302 302 302"),
    "api/^alerts/$":                                 ("403 200 200 200 200 200", "403 400 400 400 400 400"),
    "api/^alerts/(?P<pk>[^/.]+)/$":                  ("403 200 200 200 200 200", "403 405 405 405 405 405"),
    "api/^alerts/(?P<pk>[^/.]+)/approve/$":          ("403 405 405 405 405 405", "403 403 403 403 409 403"),
    "api/^alerts/(?P<pk>[^/.]+)/history/$":          ("403 200 200 200 200 200", "403 405 405 405 405 405"),
    "api/^alerts/(?P<pk>[^/.]+)/lift/$":             ("403 405 405 405 405 405", "403 403 403 400 400 403"),  # no reason: issue 14 item 7
    "api/^alerts/(?P<pk>[^/.]+)/reject/$":           ("403 405 405 405 405 405", "403 403 403 403 400 403"),
    "api/^assignments/$":                            ("403 200 200 200 200 200", "403 405 405 405 405 405"),
    "api/^assignments/(?P<pk>[^/.]+)/$":             ("403 200 404 200 200 404", "403 405 405 405 405 405"),
    "api/^assignments/(?P<pk>[^/.]+)/acknowledge/$": ("403 405 405 405 405 405", "403 200 404 403 403 404"),
    "api/^assignments/(?P<pk>[^/.]+)/complete/$":    ("403 405 405 405 405 405", "403 200 404 403 403 404"),
    "api/^assignments/(?P<pk>[^/.]+)/progress/$":    ("403 405 405 405 405 405", "403 400 400 400 400 400"),
    "api/^assignments/(?P<pk>[^/.]+)/return/$":      ("403 405 405 405 405 405", "403 400 400 400 400 400"),
    "api/^assignments/(?P<pk>[^/.]+)/remind/$":      ("403 405 405 405 405 405", "403 403 404 409 409 404"),
    "api/^responses/$":                              ("403 403 403 200 200 403", "403 405 405 405 405 405"),
    "api/^responses/(?P<pk>[^/.]+)/$":               ("403 403 403 200 200 403", "403 405 405 405 405 405"),
    "api/^responses/(?P<pk>[^/.]+)/summary/$":       ("403 403 403 200 200 403", "403 405 405 405 405 405"),
    "api/events/":                                   ("403 200 200 200 200 200", "403 405 405 405 405 405"),
    "api/forecasts/":                                ("403 403 403 405 403 403", "403 403 403 400 403 403"),
    "api/forecasts/csv/":                            ("403 403 403 405 403 403", "403 403 403 400 403 403"),
    "api/aqi/":                                      ("400 400 400 400 400 400", "405 405 405 405 405 405"),
    "api/^proposals/$":                              ("403 403 403 200 200 403", "403 403 403 405 403 403"),
    "api/^proposals/(?P<pk>[^/.]+)/$":               ("403 403 403 200 200 403", "403 403 403 405 403 403"),
    "api/^proposals/(?P<pk>[^/.]+)/dismiss/$":       ("403 403 403 405 405 403", "403 403 403 200 403 403"),
    "api/^units/$":                                  ("401 403 403 200 200 200", "401 403 403 405 405 405"),
    "api/^units/(?P<pk>[^/.]+)/$":                   ("401 403 403 200 200 200", "401 403 403 405 405 405"),
    "api/schema/":                                   ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "api/docs/":                                     ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "alerts/":                                       ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "alerts/new/":                                   ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "alerts/approvals/":                             ("302 403 403 403 200 403", "302 403 403 403 200 403"),
    "alerts/<int:pk>/":                              ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "alerts/<int:pk>/approve/":                      ("405 405 405 405 405 405", "302 403 403 403 302 403"),
    "alerts/<int:pk>/reject/":                       ("405 405 405 405 405 405", "302 403 403 403 200 403"),
    "alerts/<int:pk>/lift/":                         ("405 405 405 405 405 405", "302 403 403 302 302 403"),
    "responses/":                                    ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "responses/<int:pk>/summary/":                   ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "responses/<int:pk>/summary.csv":                ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "responses/attachments/<int:pk>/":               ("302 200 404 200 200 404", "302 405 404 405 405 404"),
    "responses/<int:pk>/units/<slug:code>/":         ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "responses/assignments/<int:pk>/remind/":        ("405 405 405 405 405 405", "302 403 403 302 302 403"),
    "responses/assignments/<int:pk>/return/":        ("405 405 405 405 405 405", "302 403 403 302 302 403"),
    "dashboard/unit/":                               ("302 200 200 200 200 403", "302 200 200 200 200 403"),
    "dashboard/office/":                             ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "dashboard/leader/":                             ("302 403 403 403 200 403", "302 403 403 403 200 403"),
    "dashboard/wall/":                               ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "feeds/proposals/":                              ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "feeds/proposals/<int:pk>/act/":                 ("405 405 405 405 405 405", "302 403 403 302 403 403"),
    "feeds/proposals/<int:pk>/dismiss/":             ("405 405 405 405 405 405", "302 403 403 302 403 403"),
    "feeds/forecasts/new/":                          ("302 403 403 200 403 403", "302 403 403 200 403 403"),
    "feeds/health/":                                 ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "api/reduction-targets/":                        ("403 403 403 200 200 200", "403 405 405 405 405 405"),
    "api/^enterprises/$":                            ("403 200 200 200 200 200", "403 405 405 405 405 405"),
    "api/^enterprises/(?P<pk>[^/.]+)/$":             ("403 200 404 200 200 200", "403 405 405 405 405 405"),
    "api/^sites/$":                                  ("403 200 200 200 200 200", "403 405 405 405 405 405"),
    "api/^sites/(?P<pk>[^/.]+)/$":                   ("403 200 404 200 200 200", "403 405 405 405 405 405"),
    "reductions/":                                   ("302 200 200 200 200 200", "302 405 405 405 405 405"),
    "reductions/export.xlsx":                        ("302 200 200 200 200 200", "302 405 405 405 405 405"),
    "reductions/template.xlsx":                      ("302 200 200 200 200 200", "302 405 405 405 405 405"),
    "reductions/import/":                            ("302 403 403 200 403 200", "302 403 403 400 403 400"),
    "reductions/responses/<int:pk>/measures.xlsx":   ("302 200 200 200 200 200", "302 405 405 405 405 405"),
    "reductions/responses/<int:pk>/compliance/":     ("302 403 403 200 200 403", "302 405 405 405 405 405"),
    "reductions/compliance/":                        ("302 403 403 302 302 403", "302 405 405 405 405 405"),
    "reductions/inspect/":                           ("302 200 200 200 200 200", "302 403 403 400 403 403"),
    "reductions/items/<int:pk>/confirm/":            ("302 405 405 405 405 405", "302 302 404 403 403 403"),
    "reductions/inspections/photos/<int:pk>/":       ("302 200 404 200 200 200", "302 405 404 405 405 405"),
    "api/^checklist-items/$":                        ("403 200 200 200 200 200", "403 405 405 405 405 405"),
    "api/^checklist-items/(?P<pk>[^/.]+)/$":         ("403 200 404 200 200 200", "403 405 405 405 405 405"),
    "api/^checklist-items/(?P<pk>[^/.]+)/confirm/$": ("403 405 405 405 405 405", "403 200 404 403 403 403"),
    "api/^inspections/$":                            ("403 200 200 200 200 200", "403 403 403 400 403 403"),
    "api/^inspections/(?P<pk>[^/.]+)/$":             ("403 200 404 200 200 200", "403 403 403 405 403 403"),
    "public/":                                       ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "public/alerts/<int:pk>/cap.xml":                ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "public/alerts/<int:pk>/cap/<int:version>.xml":  ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "public/feed.atom":                              ("200 200 200 200 200 200", "405 405 405 405 405 405"),
    "duty/":                                         ("302 403 403 200 200 200", "302 403 403 200 403 200"),
    "duty/shifts/<int:pk>/remove/":                  ("302 405 405 405 405 405", "302 403 403 404 403 404"),
    "training/":                                     ("302 403 403 200 200 200", "302 403 403 200 403 200"),
    "training/<int:pk>/":                            ("302 403 403 404 404 404", "302 403 403 404 404 404"),
    "training/attachments/<int:pk>/":                ("302 404 404 404 404 404", "302 404 404 404 404 404"),
    "api/^consultations/$":                          ("403 403 403 200 200 403", "403 403 403 400 403 403"),
    "api/^consultations/(?P<pk>[^/.]+)/$":           ("403 403 403 404 404 403", "403 403 403 405 403 403"),
    "api/^directives/$":                             ("403 403 403 200 200 403", "403 403 403 400 403 403"),
    "api/^directives/(?P<pk>[^/.]+)/$":              ("403 403 403 404 404 403", "403 403 403 405 403 403"),
    "consultations/":                                ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "consultations/new/":                            ("302 403 403 200 403 403", "302 403 403 200 403 403"),
    "consultations/<int:pk>/":                       ("302 403 403 404 404 403", "302 403 403 404 404 403"),
    "consultations/attachments/<int:pk>/":           ("302 404 404 404 404 404", "302 404 404 404 404 404"),
    "consultations/directives/new/":                 ("302 403 403 200 403 403", "302 403 403 200 403 403"),
    "consultations/directives/<int:pk>/":            ("302 403 403 404 404 403", "302 403 403 404 404 403"),
    "units/contacts/":                               ("302 403 403 200 200 200", "302 403 403 200 200 200"),
    "units/<int:pk>/contacts/":                      ("302 403 403 200 403 200", "302 403 403 200 403 200"),
    # The reporting cycle (reports) and the office's standing duties (routines): the command reads; the office
    # closes days, drafts, issues and records; a unit's members submit their own unit's reports and summaries.
    "api/^report-days/$":                            ("403 200 200 200 200 200", "403 405 405 405 405 405"),
    "api/^report-days/(?P<pk>[^/.]+)/$":             ("403 200 200 200 200 404", "403 405 405 405 405 405"),
    "api/^report-days/(?P<pk>[^/.]+)/close/$":       ("403 405 405 405 405 405", "403 403 403 200 403 404"),
    "api/^daily-reports/$":                          ("403 200 200 200 200 200", "403 405 405 405 405 405"),
    "api/^daily-reports/(?P<pk>[^/.]+)/$":           ("403 200 404 200 200 404", "403 405 405 405 405 405"),
    "api/^daily-reports/(?P<pk>[^/.]+)/submit/$":    ("403 405 405 405 405 405", "403 400 400 400 400 400"),
    "api/^bulletins/$":                              ("403 403 403 200 200 403", "403 403 403 400 400 403"),
    "api/^bulletins/(?P<pk>[^/.]+)/$":               ("403 403 403 200 200 403", "403 403 403 405 405 403"),
    "api/^bulletins/(?P<pk>[^/.]+)/edit/$":          ("403 403 403 405 405 403", "403 403 403 400 400 403"),
    "api/^bulletins/(?P<pk>[^/.]+)/issue/$":         ("403 403 403 405 405 403", "403 403 403 200 403 403"),
    "api/^city-reports/$":                           ("403 403 403 200 200 403", "403 403 403 400 400 403"),
    "api/^city-reports/(?P<pk>[^/.]+)/$":            ("403 403 403 200 200 403", "403 403 403 405 405 403"),
    "api/^unit-summaries/$":                         ("403 200 200 200 200 200", "403 405 405 405 405 405"),
    "api/^unit-summaries/(?P<pk>[^/.]+)/$":          ("403 200 404 200 200 404", "403 405 405 405 405 405"),
    "api/^unit-summaries/(?P<pk>[^/.]+)/submit/$":   ("403 405 405 405 405 405", "403 400 400 400 400 400"),
    "api/^routines/$":                               ("403 403 403 200 200 403", "403 403 403 405 405 403"),
    "api/^routines/(?P<pk>[^/.]+)/$":                ("403 403 403 200 200 403", "403 403 403 405 405 403"),
    "api/^routine-rounds/$":                         ("403 403 403 200 200 403", "403 403 403 405 405 403"),
    "api/^routine-rounds/(?P<pk>[^/.]+)/$":          ("403 403 403 200 200 403", "403 403 403 405 405 403"),
    "api/^routine-rounds/(?P<pk>[^/.]+)/complete/$": ("403 403 403 405 405 403", "403 403 403 400 400 403"),
    "reports/":                                      ("302 200 200 200 200 403", "302 200 200 200 200 403"),
    "reports/days/<int:pk>/":                        ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "reports/days/<int:pk>/close/":                  ("302 405 405 405 405 405", "302 403 403 302 403 403"),
    "reports/days/<int:pk>/bulletin/":               ("302 405 405 405 405 405", "302 403 403 302 403 403"),
    "reports/daily/<int:pk>/":                       ("302 200 404 200 200 404", "302 200 404 403 403 404"),
    "reports/bulletins/":                            ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "reports/bulletins/<int:pk>/":                   ("302 403 403 200 200 403", "302 403 403 200 403 403"),
    "reports/bulletins/<int:pk>/bulletin.docx":      ("302 404 404 200 200 404", "302 404 404 200 200 404"),
    "reports/bulletins/<int:pk>/bulletin.pdf":       ("302 404 404 404 404 404", "302 404 404 404 404 404"),
    "reports/city/":                                 ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "reports/city/<int:pk>/file.docx":               ("302 404 404 200 200 404", "302 404 404 200 200 404"),
    "reports/summaries/":                            ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "reports/summaries/responses/<int:pk>/":         ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "reports/summaries/responses/<int:pk>/evaluation.docx":("302 404 404 200 200 404", "302 404 404 200 200 404"),
    "reports/summaries/responses/<int:pk>/evaluation.pdf":("302 404 404 404 404 404", "302 404 404 404 404 404"),
    "reports/summaries/<int:pk>/":                   ("302 200 404 200 200 404", "302 200 404 403 403 404"),
    "routines/":                                     ("302 403 403 200 200 403", "302 403 403 200 403 403"),
    "routines/<int:pk>/":                            ("302 403 403 200 200 403", "302 403 403 200 200 403"),
    "routines/rounds/<int:pk>/complete/":            ("302 405 405 405 405 405", "302 403 403 302 403 403"),
}
ADMIN_PREFIX = "admin/"


def _cells(spec: str) -> list[set[int] | None]:
    cells = spec.split()
    assert len(cells) == len(ROLES), spec
    return [None if c == "-" else {int(s) for s in c.split("|")} for c in cells]


# --- Filling path parameters with real objects ---------------------------------------------------


def _admin_values(route: Route) -> dict[str, object]:
    """Parameters of an admin URL: the first object of the model the URL name names."""
    name = route.name.removeprefix("admin:")
    values: dict[str, object] = {"app_label": "units", "url": "no-such-page/", "id": 1}
    model = None
    for candidate in apps.get_models():
        prefix = f"{candidate._meta.app_label}_{candidate._meta.model_name}_"
        if name.startswith(prefix) or route.route.startswith(
            f"admin/{candidate._meta.app_label}/{candidate._meta.model_name}/"
        ):
            model = candidate
            break
    obj = model._default_manager.order_by("pk").first() if model is not None else None
    if model is not None:
        values["object_id"] = values["_0"] = obj.pk if obj is not None else 999999
        values["id"] = values["object_id"]
        history = getattr(model, "history", None)
        first = history.filter(**{model._meta.pk.attname: obj.pk}).first() if (history is not None and obj) else None
        values["_1"] = first.history_id if first is not None else 999999
    else:
        values["object_id"] = values["_0"] = values["_1"] = 999999
    from units.models import Unit

    values["content_type_id"] = ContentType.objects.get_for_model(Unit).pk
    if "content_type_id" in route.params:
        values["object_id"] = Unit.objects.order_by("pk").first().pk
    return values


def _reduction_pk(world: dict, name: str, role: str) -> int:
    """The id of the member's or the other unit's checklist item, inspection or photo; 999999 in a world without them."""
    obj = world.get(f"{name}_theirs" if role == "member_x" else f"{name}_own")
    return obj.pk if obj is not None else 999999


def _values(route: Route, world: dict, role: str) -> dict[str, object]:
    if route.route.startswith(ADMIN_PREFIX):
        return _admin_values(route)
    text = route.route
    mine = _reporting_pk(text, world, role)
    if mine is not None:
        pk = mine
    elif "assignments/" in text:
        pk = world["theirs"].pk if role == "member_x" else world["own"].pk
    elif "attachments/" in text:
        pk = world["theirs_file"].pk if role == "member_x" else world["own_file"].pk
    elif "inspections/photos/" in text:
        pk = _reduction_pk(world, "photo", role)
    elif "inspections/" in text:
        pk = _reduction_pk(world, "inspection", role)
    elif "checklist-items/" in text or "items/" in text:
        pk = _reduction_pk(world, "item", role)
    elif "enterprises/" in text or "sites/" in text:
        kind = "enterprise" if "enterprises/" in text else "site"
        pk = world[f"{kind}_theirs"].pk if role == "member_x" else world[f"{kind}_own"].pk
    elif "responses/" in text:
        pk = world["response"].pk
    elif "proposals/" in text:
        pk = world["proposal"].pk
    elif "units/" in text:
        pk = world["own"].unit_id
    else:
        pk = world["yellow"].pk
    code = world["theirs"].unit.code if role == "member_x" else world["own"].unit.code
    return {"pk": pk, "version": 1, "code": code}


def _reporting_pk(text: str, world: dict, role: str) -> int | None:
    """The reporting cycle's and standing duties' objects (reports, routines apps), or None for another route."""
    side = "theirs" if role == "member_x" else "own"
    # Other walks (the CSRF and deep-JSON ones) reuse these routes without this module's reporting fixture:
    # there the object is a missing one (999999), and what they check comes before the lookup.
    if "daily-reports/" in text or "reports/daily/" in text:
        return _pk(world, f"daily_{side}")
    if "report-days/" in text or "reports/days/" in text:
        return _pk(world, "report_day")
    if "bulletins/" in text:
        return _pk(world, "bulletin")
    if "city-reports/" in text or "reports/city/" in text:
        return _pk(world, "city_report")
    if "reports/summaries/responses/" in text:
        return _pk(world, "response")
    if "unit-summaries/" in text or "reports/summaries/" in text:
        return _pk(world, f"summary_{side}")
    if "routine-rounds/" in text or "routines/rounds/" in text:
        return _pk(world, "round")
    if "routines/" in text:
        return _pk(world, "routine")
    return None


def _pk(world: dict, key: str) -> int:
    obj = world.get(key)
    return obj.pk if obj is not None else 999999


@pytest.fixture(autouse=True)
def _reporting(world, member, other_member, office):
    """A report day with both units' reports, an issued bulletin sent to the city, both units' summaries of the
    response, and a standing duty with its first round."""
    from django.utils import timezone

    from reports import bulletins
    from reports.models import DailyReport, ReportDay, UnitSummary
    from reports.services import report_deadline
    from routines.services import routine_create

    # Today's report day, made here rather than by the beat's report_days_open: the world's yellow is issued at
    # the real time, and a response that starts after the day's deadline (16:00) reports from the next day.
    today = timezone.localdate()
    day = ReportDay.objects.create(response=world["response"], day=today, deadline=report_deadline(today))
    for side, user in (("own", member), ("theirs", other_member)):
        world[f"daily_{side}"] = DailyReport.objects.create(report_day=day, unit=user.unit)
        world[f"summary_{side}"] = UnitSummary.objects.create(response=world["response"], unit=user.unit,
                                                               due_on=timezone.localdate())
    world["report_day"] = world["daily_own"].report_day
    world["bulletin"] = bulletins.bulletin_issue(
        bulletin=bulletins.bulletin_draft(report_day=world["report_day"], actor=office), actor=office)
    world["city_report"] = bulletins.city_report_record(actor=office, bulletin=world["bulletin"], recipient="市政府")
    world["routine"] = routine_create(actor=office, title="通讯录核对", kind="contacts", frequency="monthly",
                                      first_due=timezone.localdate())
    world["round"] = world["routine"].occurrences.get()


@pytest.fixture(autouse=True)
def _reduction_list(world, member, other_member, roster):
    """This year's emission-reduction list: an enterprise and a site of the member's unit, and one each of another's."""
    from django.utils import timezone

    from reductions.checklists import checklists_apply
    from reductions.inspections import inspection_record
    from reductions.models import ChecklistItem, Enterprise, ListVersion, Measure, Site

    version = ListVersion.objects.create(year=timezone.localdate().year)
    for owner, unit in (("own", member.unit), ("theirs", other_member.unit)):
        code = "91350100M000100Y43" if owner == "own" else "91500116MA5U00000X"
        world[f"enterprise_{owner}"] = Enterprise.objects.create(
            version=version, credit_code=code, name=f"enterprise {owner}", industry="x", town=roster["park-lingang"],
            supervisor=unit)
        world[f"site_{owner}"] = Site.objects.create(
            version=version, ref=f"S-{owner}", project=f"site {owner}", builder="b", town=roster["town-luohuang"],
            supervisor=unit, kind="building")
        Measure.objects.create(enterprise=world[f"enterprise_{owner}"], level="yellow", text="限产30%")
    # The running yellow's checklists from this list (as if issued with it), and an inspection of each enterprise.
    checklists_apply(response=world["response"], level="yellow", cause=world["yellow"].cause, actor=world["yellow"].issued_by)
    for owner in ("own", "theirs"):
        enterprise = world[f"enterprise_{owner}"]
        world[f"item_{owner}"] = ChecklistItem.objects.get(response=world["response"], enterprise=enterprise)
        world[f"inspection_{owner}"] = inspection_record(
            actor=world["yellow"].issued_by, response=world["response"], enterprise=enterprise, place="gate",
            result="compliant", photos=[png(f"{owner}.png")])
        world[f"photo_{owner}"] = world[f"inspection_{owner}"].photos.get()


# --- The run ---------------------------------------------------------------------------------------


def _clients(world, member, office, leader, admin_user) -> dict[str, Client]:
    clients = {"anon": Client()}
    for role, user in (("member", member), ("member_x", member), ("office", office), ("leader", leader), ("admin", admin_user)):
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


def _request(client: Client, method: str, path: str, cookie: str | None):
    """One request inside a savepoint that is rolled back: no request changes what the next one sees."""
    if cookie is not None:
        client.cookies["sessionid"] = cookie  # a POST to logout/ must not log the next request out
    else:
        client.cookies.clear()
    try:
        with transaction.atomic():
            answer = client.generic(method, path, HTTP_ACCEPT_LANGUAGE="en")
            transaction.set_rollback(True)
        return answer.status_code, answer
    except Exception:
        return 500, traceback.format_exc(limit=6)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _csp_clean(answer) -> list[str]:
    """What in an HTML page the Content-Security-Policy would block (inline script, style, handlers)."""
    if "text/html" not in answer.get("Content-Type", ""):
        return []
    html = answer.content.decode(errors="replace")
    problems = []
    if INLINE_SCRIPT.search(html):
        problems.append("inline <script>")
    if " style=" in html or "<style" in html:
        problems.append("inline style")
    if INLINE_HANDLER.search(html):
        problems.append("inline event handler")
    return problems


# One walk of every route for every role (1,300+ requests): about 60 s alone on 2 cores, more than the
# suite's 120 s default when other work shares the machine.
@pytest.mark.timeout(600)
def test_the_matrix_covers_every_route_and_each_role_gets_what_it_should(world, member, office, leader, admin_user,
                                                                         monkeypatch):
    from reports import documents

    # Who gets what, the same on a server without LibreOffice: the command's PDFs answer the 404 that says so.
    # The real conversions (200, and 503 when LibreOffice fails) are tests/test_reports_pdf.py's.
    monkeypatch.setattr(documents, "_soffice", lambda: None)
    routes = all_routes()
    site_routes = {r.route for r in routes if not r.route.startswith(ADMIN_PREFIX)}
    dump = os.environ.get("HARDENING_DUMP") == "1"
    if not dump:
        assert site_routes == set(EXPECT), (
            "routes without an expectation: " + repr(sorted(site_routes - set(EXPECT)))
            + "; expectations without a route: " + repr(sorted(set(EXPECT) - site_routes))
        )
    clients = _clients(world, member, office, leader, admin_user)
    cookies = {role: (c.cookies["sessionid"].value if "sessionid" in c.cookies else None) for role, c in clients.items()}
    wrong, errors, csp, observed = [], [], [], {}
    cells = 0
    for route in routes:
        admin = route.route.startswith(ADMIN_PREFIX)
        for method in ("GET",) if admin else ("GET", "POST"):
            expected = None if admin or dump else _cells(EXPECT[route.route][0 if method == "GET" else 1])
            row = []
            for index, role in enumerate(ROLES):
                if expected is not None and expected[index] is None:
                    row.append("-")
                    continue
                path = route.path(_values(route, world, role))
                status, answer = _request(clients[role], method, path, cookies[role])
                cells += 1
                row.append(str(status))
                if status >= 500:
                    errors.append(f"{method} {path} as {role}: {status}\n{answer if isinstance(answer, str) else ''}")
                    continue
                if admin:
                    if role != "admin":
                        # Everyone but the roster admin: the admin's login page, or a redirect (to the
                        # login page; logout sends back to the admin's index, which asks for a login).
                        if status != (200 if route.name == "admin:login" else 302):
                            wrong.append(f"{method} {path} as {role}: {status}")
                    elif status not in {200, 302, 403, 404, 405}:
                        wrong.append(f"{method} {path} as {role}: {status}")
                    target = "/admin/" if route.name == "admin:logout" else "/admin/login/"
                    if role != "admin" and status == 302 and not answer["Location"].startswith(target):
                        wrong.append(f"{method} {path} as {role}: redirected to {answer['Location']}")
                elif expected is not None and status not in expected[index]:
                    wrong.append(f"{method} {path} as {role}: {status}, expected {'|'.join(map(str, sorted(expected[index])))}")
                if not admin and status == 302 and role == "anon" and route.route not in ("login/", "logout/", "i18n/setlang/"):
                    if "/login/" not in answer["Location"]:
                        wrong.append(f"{method} {path} as anon: redirected to {answer['Location']}, not to the login page")
                if not admin and status == 200:
                    csp.extend(f"{method} {path} as {role}: {p}" for p in _csp_clean(answer))
            observed.setdefault(route.route, {})[method] = " ".join(row)
    if dump:
        print(json.dumps(observed, indent=1))
    record_figure("matrix", {"routes": len(routes), "site_routes": len(site_routes), "admin_routes": len(routes) - len(site_routes),
                             "roles": len(ROLES), "cells": cells})
    assert not errors, "server errors:\n" + "\n".join(errors)
    assert not wrong, "unexpected answers:\n" + "\n".join(wrong)
    assert not csp, "pages the CSP would break:\n" + "\n".join(csp)

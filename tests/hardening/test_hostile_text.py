"""Section 12: hostile text in a warning's reason, a unit's name and a task report.

Script tags, strings near the 4,000-character limit (``foundation.text.TEXT_MAX``; longer ones are
refused, tests/test_unitsview.py) and control characters (NUL, ESC, RIGHT-TO-LEFT
OVERRIDE) go in through the services, the API, the forms and the admin. Then every page
and API endpoint of the site is fetched by every role: none answers 500, no HTML or XML
answer carries the script as markup, and the pages that show the text show it escaped.
The CSV export guards formulas, the CAP XML and the Atom feed parse.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from lxml import etree
from lxml import html as lxml_html

from alerts.models import Alert
from alerts.services import alert_create
from responses.models import Response, TaskAssignment
from responses.services import assignment_complete, assignment_progress, assignment_return
from tests.hardening.conftest import record_figure
from tests.hardening.routes import all_routes
from tests.hardening.test_access_matrix import ADMIN_PREFIX, _values
from units.models import Unit

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
CONTROL = "\x00nul\x1besc\u202eRTL"
LONG = "霾" * 3_900
HOSTILE_REASON = f"{SCRIPT}{CONTROL} reason " + LONG
HOSTILE_REPORT = f"{SCRIPT}{CONTROL} report " + "x" * 3_900
# A unit name is at most 100 characters: a formula for the CSV, the script, and control characters.
HOSTILE_UNIT = f"=HYPERLINK(\"http://evil.example\")\x1b\u202e{SCRIPT}"
STRINGS = {"reason": HOSTILE_REASON, "report": HOSTILE_REPORT, "unit name": HOSTILE_UNIT}


def admin_form_data(page) -> dict:
    """The values of the admin change form as a browser would submit them."""
    form = lxml_html.fromstring(page.content.decode()).get_element_by_id("unit_form")
    return dict(form.form_values())


def rename_unit_in_the_admin(admin_client: Client, unit: Unit, name: str):
    url = f"/admin/units/unit/{unit.pk}/change/"
    data = admin_form_data(admin_client.get(url))
    data["name"] = name
    # The English pages show the roster's English name (issue 14 item 9): it carries the same text.
    data["name_en"] = name
    return admin_client.post(url, data)


@pytest.fixture
def hostile(office, leader, member, other_member, admin_user):
    """The roster admin renames the member's unit; warnings and reports carry the hostile strings."""
    admin = Client()
    admin.force_login(admin_user)
    unit = member.unit
    # What the admin form refuses, it refuses with the form, not a 500.
    too_long = rename_unit_in_the_admin(admin, unit, "名" * 10_000)
    assert too_long.status_code == 200 and "errorlist" in too_long.content.decode()
    with_nul = rename_unit_in_the_admin(admin, unit, "教育\x00委员会")
    assert with_nul.status_code == 200 and "errorlist" in with_nul.content.decode()
    renamed = rename_unit_in_the_admin(admin, unit, HOSTILE_UNIT)
    assert renamed.status_code == 302, renamed.content.decode()[:3000]
    unit.refresh_from_db()
    assert unit.name == HOSTILE_UNIT

    yellow = alert_create(actor=office, level="yellow", reason=HOSTILE_REASON, basis=HOSTILE_REASON)
    pending = alert_create(actor=office, level="red", reason=HOSTILE_REASON, basis=SCRIPT)
    response = Response.objects.get(alert=yellow)
    tasks = list(TaskAssignment.objects.filter(response=response, unit=unit).order_by("id"))
    assignment_complete(assignment=tasks[0], actor=member, report=HOSTILE_REPORT)
    assignment_progress(assignment=tasks[1], actor=member, text=HOSTILE_REPORT)
    assignment_return(assignment=tasks[1], actor=office, reason=HOSTILE_REPORT)
    return {"yellow": yellow, "pending": pending, "response": response, "unit": unit, "task": tasks[0]}


def test_services_store_control_characters_but_never_a_nul(hostile):
    yellow = Alert.objects.get(pk=hostile["yellow"].pk)
    assert "\x00" not in yellow.reason and "\x1b" in yellow.reason and "\u202e" in yellow.reason
    assert yellow.reason.startswith(SCRIPT) and len(yellow.reason) > 3_900
    task = TaskAssignment.objects.get(pk=hostile["task"].pk)
    assert "\x00" not in task.report and task.report.startswith(SCRIPT)


def test_a_nul_through_the_api_or_a_form_is_a_400_or_a_form_error_never_a_500(hostile, office, member, api_as):
    answer = api_as(office).post("/api/alerts/", {"level": "orange", "reason": "a\x00b"}, format="json")
    assert answer.status_code == 400 and "reason" in answer.json()
    task = TaskAssignment.objects.filter(unit=member.unit).exclude(status="completed").first()
    answer = api_as(member).post(f"/api/assignments/{task.pk}/progress/", {"text": "a\x00b"}, format="json")
    assert answer.status_code == 400
    answer = api_as(member).post(f"/api/assignments/{task.pk}/complete/", {"report": "a\x00b"}, format="json")
    assert answer.status_code == 400
    client = Client()
    client.force_login(office)
    page = client.post("/alerts/new/", {"level": "orange", "reason": "a\x00b", "confirm": "on"})
    assert page.status_code == 200 and "has-error" in page.content.decode()
    assert not Alert.objects.filter(reason__contains="a").exclude(pk__in=[hostile["yellow"].pk, hostile["pending"].pk]).exists()


class _Missing_ok(dict):
    """The access matrix's world, where an object this test does not build (a bulletin, a routine, …) is a
    missing one: its pages answer 404, and what is checked here is that nothing answers 500 or carries markup."""

    def __missing__(self, key):
        return type("Missing", (), {"pk": 999999})


def _no_markup(body: str) -> list[str]:
    """Where the hostile script would run: as a raw tag, or as a parsed <script> element with its text."""
    problems = []
    if SCRIPT in body:
        problems.append("raw <script>alert(1)</script>")
    return problems


def _hostile_reduction_list(unit) -> dict:
    """An emission-reduction list whose title, enterprise, site and measure carry the script, supervised by ``unit``."""
    from django.utils import timezone

    from reductions.models import EmissionInventory, Enterprise, ListVersion, Measure, Site

    version = ListVersion.objects.create(year=timezone.localdate().year, title=SCRIPT)
    town = Unit.objects.get(code="park-lingang")
    enterprise = Enterprise.objects.create(version=version, credit_code="91350100M000100Y43", name=SCRIPT + "企业",
                                           industry=SCRIPT, address=SCRIPT, town=town, supervisor=unit)
    site = Site.objects.create(version=version, ref=SCRIPT, project=SCRIPT, builder=SCRIPT, town=town, supervisor=unit,
                               kind="building")
    Measure.objects.create(enterprise=enterprise, level="yellow", text=SCRIPT, pm=1)
    Measure.objects.create(site=site, level="yellow", text=SCRIPT, pm=1)
    EmissionInventory.objects.create(version=version, pm=10, so2=10, nox=10, vocs=10, source=SCRIPT)
    return {"enterprise_own": enterprise, "enterprise_theirs": enterprise, "site_own": site, "site_theirs": site}


def test_every_page_and_endpoint_escapes_the_hostile_text_and_none_fails(hostile, member, other_member, office, leader, admin_user):
    world = _Missing_ok({
        "yellow": hostile["yellow"], "pending": hostile["pending"], "response": hostile["response"],
        "own": hostile["task"], "theirs": TaskAssignment.objects.exclude(unit=member.unit).first(),
        "own_file": type("Missing", (), {"pk": 999999}), "theirs_file": type("Missing", (), {"pk": 999999}),
        "proposal": type("Missing", (), {"pk": 999999}),
    })
    world |= _hostile_reduction_list(member.unit)
    people = {"anon": None, "member": member, "office": office, "leader": leader, "admin": admin_user}
    failures, checked = [], 0
    for role, user in people.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for route in all_routes():
            if route.route.startswith(ADMIN_PREFIX) or route.route in ("logout/",):
                continue
            for suffix in ("", "?fragment=1") if route.route.startswith("dashboard/") else ("",):
                path = route.path(_values(route, world, role)) + suffix
                answer = client.get(path)
                checked += 1
                if answer.status_code >= 500:
                    failures.append(f"GET {path} as {role}: {answer.status_code}")
                    continue
                kind = answer.get("Content-Type", "")
                # XML and HTML answers are parsed; a workbook (…spreadsheetml.sheet) is not markup.
                if answer.status_code == 200 and ("html" in kind or kind.split(";")[0].strip().endswith("xml")):
                    failures.extend(f"GET {path} as {role}: {p}" for p in _no_markup(answer.content.decode()))
    # The admin's own pages show the unit name escaped too.
    admin = Client()
    admin.force_login(admin_user)
    for path in ("/admin/units/unit/", f"/admin/units/unit/{hostile['unit'].pk}/change/", f"/admin/units/unit/{hostile['unit'].pk}/history/"):
        answer = admin.get(path)
        checked += 1
        assert answer.status_code == 200, path
        failures.extend(f"GET {path} as admin: {p}" for p in _no_markup(answer.content.decode()))
    record_figure("hostile_page_fetches", checked)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("who", "path", "shows"),
    [
        ("office", "/dashboard/office/", ["unit name"]),
        ("office", "/dashboard/office/?fragment=1", ["unit name"]),
        ("leader", "/dashboard/leader/", ["reason"]),
        ("office", "/dashboard/wall/", ["unit name"]),
        ("member", "/dashboard/unit/", ["report"]),
        ("member", "/dashboard/unit/?fragment=1", ["report"]),
        ("office", "/alerts/", ["reason"]),
        ("office", "/alerts/{yellow}/", ["reason"]),
        ("leader", "/alerts/approvals/", ["reason"]),
        ("office", "/responses/{response}/summary/", ["reason", "unit name", "report"]),
        ("anon", "/public/", ["reason"]),
    ],
)
def test_each_page_that_shows_the_text_shows_it_escaped(hostile, request, who, path, shows):
    client = Client()
    if who != "anon":
        client.force_login(request.getfixturevalue(who))
    path = path.format(yellow=hostile["yellow"].pk, response=hostile["response"].pk)
    answer = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200
    body = answer.content.decode()
    assert SCRIPT not in body and ESCAPED in body
    tree = lxml_html.fromstring(body)
    assert all(s.get("src") for s in tree.iter("script")), "every script is a file (the CSP allows no inline script)"
    assert not any("alert(1)" in (s.text or "") for s in tree.iter("script"))
    text = tree.text_content()
    for what in shows:
        marker = {"reason": "reason", "report": "report", "unit name": "HYPERLINK"}[what]
        assert re.search(re.escape(SCRIPT) + r".{0,12}" + marker, text, re.S) or (
            what == "unit name" and "HYPERLINK" in text and SCRIPT in text
        ), f"{what} not shown on {path}"
    record_figure(f"hostile_shown:{path}", len(shows))


def test_the_summary_csv_makes_the_formula_inert(hostile, office):
    client = Client()
    client.force_login(office)
    answer = client.get(f"/responses/{hostile['response'].pk}/summary.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8").lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + HOSTILE_UNIT in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_cap_xml_and_the_atom_feed_parse_and_carry_the_text_as_text(hostile, client):
    cap = client.get(f"/public/alerts/{hostile['yellow'].pk}/cap.xml")
    assert cap.status_code == 200
    root = etree.fromstring(cap.content)  # raises if control characters or markup broke it
    assert not any(etree.QName(el).localname == "script" for el in root.iter() if isinstance(el.tag, str))
    text = "".join(root.itertext())
    assert SCRIPT in text  # as text, escaped in the bytes
    assert "\x1b" not in text and "\x00" not in text
    assert b"<script>" not in cap.content
    feed = client.get("/public/feed.atom")
    assert feed.status_code == 200
    atom = etree.fromstring(feed.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    summaries = [s.text or "" for s in atom.iterfind(".//a:entry/a:summary", ns)]
    assert summaries, "the feed lists the hostile warning"
    for summary in summaries:
        # type="html": a reader parses the summary as HTML; the script must come out as text.
        fragment = lxml_html.fragment_fromstring(summary, create_parent="div")
        assert not list(fragment.iter("script"))
    assert any(SCRIPT in lxml_html.fragment_fromstring(s, create_parent="div").text_content() for s in summaries)
    assert b"<script>" not in feed.content
    record_figure("hostile_strings", len(STRINGS))

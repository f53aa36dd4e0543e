"""Inspections (督查) and the compliance view during a response (issue 16 items 5 and 6)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from alerts.services import alert_lift
from events.models import AuditEntry, Event
from foundation.errors import ActionRefused
from foundation.uploads import uploads_sweep
from reductions.choices import CheckState, InspectionStatus
from reductions.inspections import INSPECTION_RECORDED, inspection_record
from reductions.models import ChecklistItem, Enterprise, Inspection, InspectionPhoto, Inspector
from reductions.selectors import compliance
from responses.models import Response
from tests.factories import alert_issue
from tests.test_reductions_checklists import sample  # noqa: F401
from units.services import user_create

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _photo(name="p.png", data=PNG):
    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.fixture
def episode(sample, leader):  # noqa: F811
    alert = alert_issue(actor=leader, level="orange", reason="AQI 260")
    return Response.objects.get(alert=alert)


@pytest.fixture
def enterprise(sample):  # noqa: F811
    return Enterprise.objects.filter(version=sample).select_related("supervisor", "town").first()


@pytest.fixture
def inspector(enterprise):
    user = user_create(username="insp1", role="unit", password="x-pass-2026-long", unit=enterprise.supervisor)
    Inspector.objects.create(user=user)
    return user


def _non_compliant(actor, response, enterprise, **extra):
    now = timezone.now()
    return inspection_record(
        actor=actor, response=response, enterprise=enterprise, place="厂区东门", result="non_compliant",
        findings="未停产", rectification="立即停产", rectify_by=now + datetime.timedelta(hours=4), **extra,
    )


def test_an_inspector_records_a_non_compliant_check_with_a_photo_and_a_follow_up_closes_it(
    episode, enterprise, inspector, tmp_path
):
    with override_settings(MEDIA_ROOT=tmp_path):
        first = _non_compliant(inspector, episode, enterprise, photos=[_photo()])
        assert first.status == InspectionStatus.OPEN and first.unit_id == enterprise.supervisor_id
        photo = InspectionPhoto.objects.get(inspection=first)
        assert photo.file.name.startswith("inspections/") and (tmp_path / photo.file.name).exists()
        items = ChecklistItem.objects.filter(response=episode, enterprise=enterprise, status="pending")
        assert set(items.values_list("check_state", flat=True)) == {CheckState.NON_COMPLIANT}
        data = compliance(episode)
        assert [i.pk for i in data["non_compliant"]] == [first.pk]
        assert data["totals"]["non_compliant"] == items.count()
        told = Event.objects.filter(type=INSPECTION_RECORDED)
        assert {(e.audience, e.unit_id) for e in told} == {("command", None), ("unit", enterprise.supervisor_id),
                                                            ("unit", enterprise.town_id)}
        follow = inspection_record(actor=inspector, response=episode, enterprise=enterprise, place="厂区东门",
                                   result="compliant", follow_up_of=first)
        first.refresh_from_db()
        assert first.status == InspectionStatus.RECTIFIED and first.closed_at is not None
        assert follow.status == InspectionStatus.COMPLIANT
        assert set(items.values_list("check_state", flat=True)) == {CheckState.COMPLIANT}
        assert compliance(episode)["non_compliant"] == []
        assert AuditEntry.objects.filter(action="inspection_follow_up", target_id=first.pk, to_state="rectified").exists()
        with pytest.raises(ActionRefused):  # already closed
            inspection_record(actor=inspector, response=episode, enterprise=enterprise, place="x", result="compliant",
                              follow_up_of=first)
        # The linked photo survives the sweep; an unlinked file in the folder does not.
        (tmp_path / "inspections" / "orphan.png").write_bytes(PNG)
        swept = uploads_sweep(older_than=datetime.timedelta(0), now=timezone.now() + datetime.timedelta(seconds=5))
        assert swept == ["inspections/orphan.png"]


def test_a_non_compliant_check_needs_findings_rectification_and_a_later_deadline(episode, enterprise, inspector):
    with pytest.raises(ValidationError) as error:
        inspection_record(actor=inspector, response=episode, enterprise=enterprise, place="门口", result="non_compliant")
    assert set(error.value.message_dict) == {"findings", "rectification", "rectify_by"}
    with pytest.raises(ValidationError) as error:
        _non_compliant(inspector, episode, enterprise, photos=[_photo("a.pdf", b"%PDF-1.4 x")])
    assert set(error.value.message_dict) == {"photos"}
    assert not Inspection.objects.exists()


def test_who_may_inspect(episode, enterprise, inspector, member, office):
    plain = user_create(username="plain1", role="unit", password="x-pass-2026-long", unit=enterprise.supervisor)
    with pytest.raises(PermissionDenied):  # a unit member not named inspector
        _non_compliant(plain, episode, enterprise)
    Inspector.objects.create(user=member)  # an inspector of another unit (education) outside its scope
    if enterprise.supervisor_id != member.unit_id and enterprise.town_id != member.unit_id:
        with pytest.raises(PermissionDenied):
            _non_compliant(member, episode, enterprise)
    assert _non_compliant(office, episode, enterprise).inspector == office  # the office inspects anywhere


def test_no_inspection_after_the_lift_and_the_lift_ends_the_items(episode, enterprise, inspector, leader):
    alert_lift(alert=episode.alert, actor=leader, reason="clean")
    with pytest.raises(ActionRefused):
        _non_compliant(inspector, episode, enterprise)


def test_an_upgrade_keeps_the_open_finding_on_the_higher_levels_items(episode, enterprise, inspector, leader):
    _non_compliant(inspector, episode, enterprise)
    alert_issue(actor=leader, level="red", reason="AQI 320")
    red = ChecklistItem.objects.filter(response=episode, enterprise=enterprise, level="red")
    assert red.exists() and set(red.values_list("check_state", flat=True)) == {CheckState.NON_COMPLIANT}


def test_the_api_records_an_inspection_and_answers_bad_input_with_400(episode, enterprise, inspector, api_as, tmp_path):
    api = api_as(inspector)
    with override_settings(MEDIA_ROOT=tmp_path):
        answer = api.post("/api/inspections/", {
            "response": episode.pk, "enterprise": enterprise.pk, "place": "东门", "result": "non_compliant",
            "findings": "未停产", "rectification": "停产", "rectify_by": (timezone.now() + datetime.timedelta(hours=2)).isoformat(),
            "photos": [_photo()],
        }, format="multipart")
        assert answer.status_code == 201, answer.content
        assert answer.json()["status"] == "open" and len(answer.json()["photos"]) == 1
        photo_url = answer.json()["photos"][0]["url"]
    for body, field in (
        ({"response": episode.pk, "enterprise": enterprise.pk, "place": "x", "result": "non_compliant"}, "findings"),
        ({"response": 999999, "enterprise": enterprise.pk, "place": "x", "result": "compliant"}, "response"),
        ({"response": episode.pk, "enterprise": 999999, "place": "x", "result": "compliant"}, "enterprise"),
        ({"response": episode.pk, "place": "x", "result": "compliant"}, "enterprise"),
        ({"response": episode.pk, "enterprise": enterprise.pk, "place": "x", "result": "maybe"}, "result"),
    ):
        answer = api.post("/api/inspections/", body, format="json")
        assert answer.status_code == 400 and field in answer.json(), (body, answer.content)
    listed = api.get(f"/api/inspections/?response={episode.pk}&status=open").json()
    assert listed["count"] == 1
    from django.test import Client
    client = Client()
    client.force_login(inspector)
    with override_settings(MEDIA_ROOT=tmp_path):
        assert client.get(photo_url).status_code == 200


def test_a_unit_member_confirms_through_the_api_and_sees_only_its_scope(episode, enterprise, inspector, api_as, other_member):
    item = ChecklistItem.objects.filter(response=episode, enterprise=enterprise).first()
    answer = api_as(inspector).post(f"/api/checklist-items/{item.pk}/confirm/")
    assert answer.status_code == 200 and answer.json()["status"] == "confirmed"
    outsider = api_as(other_member)
    visible = outsider.get(f"/api/checklist-items/?response={episode.pk}").json()
    ours = ChecklistItem.objects.filter(response=episode, unit=other_member.unit).count() + ChecklistItem.objects.filter(
        response=episode, town=other_member.unit).exclude(unit=other_member.unit).count()
    assert visible["count"] == ours
    assert outsider.post("/api/inspections/", {"response": episode.pk, "enterprise": enterprise.pk, "place": "x",
                                                "result": "compliant"}, format="json").status_code == 403


def test_the_pages_the_phone_form_and_the_office_view(episode, enterprise, inspector, office, client, tmp_path):
    client.force_login(inspector)
    page = client.get("/reductions/inspect/")
    assert page.status_code == 200 and f'data-owner="enterprise-{enterprise.pk}"'.encode() in page.content
    bad = client.post("/reductions/inspect/", {"response": episode.pk, "owner": f"enterprise-{enterprise.pk}",
                                               "result": "non_compliant", "place": "东门"})
    assert bad.status_code == 400
    with override_settings(MEDIA_ROOT=tmp_path):
        done = client.post("/reductions/inspect/", {
            "response": episode.pk, "owner": f"enterprise-{enterprise.pk}", "result": "non_compliant", "place": "东门",
            "findings": "未停产", "rectification": "停产",
            "rectify_by": timezone.localtime(timezone.now() + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "photos": _photo(),
        })
    assert done.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.photos.count() == 1
    client.force_login(office)
    assert client.get("/reductions/compliance/").status_code == 302
    view = client.get(f"/reductions/responses/{episode.pk}/compliance/?fragment=1")
    assert view.status_code == 200 and f'data-inspection="{inspection.pk}"'.encode() in view.content
    assert b"/reductions/compliance/" in client.get("/dashboard/office/").content
    client.force_login(inspector)
    assert client.get(f"/reductions/responses/{episode.pk}/compliance/").status_code == 403


def test_the_new_pages_and_lists_take_the_same_queries_with_more_inspections(episode, sample, office, client, tmp_path):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = ["/api/inspections/", "/api/checklist-items/", "/reductions/inspect/",
            f"/reductions/responses/{episode.pk}/compliance/?fragment=1", f"/reductions/responses/{episode.pk}/compliance/"]
    client.force_login(office)

    def counts():
        out = {}
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            out[url] = len(queries)
        return out

    enterprises = list(Enterprise.objects.filter(version=sample).order_by("id")[:6])
    with override_settings(MEDIA_ROOT=tmp_path):
        _non_compliant(office, episode, enterprises[0], photos=[_photo()])
        before = counts()
        for enterprise in enterprises[1:]:
            _non_compliant(office, episode, enterprise, photos=[_photo(), _photo("b.png")])
        assert counts() == before


def test_the_inspectors_page_comes_a_page_at_a_time_non_compliant_first_and_deadlines_nearest_first(
    episode, sample, office, client, tmp_path  # noqa: F811
):
    """Issue 16: the phone page is paginated. The orange of the sample holds 180 enterprises and sites (8 pages of
    25); twelve open rectifications come ten to a page, the nearest deadline first, across the pages."""
    from reductions.views import DUE_PAGE_SIZE, INSPECT_PAGE_SIZE

    enterprises = list(Enterprise.objects.filter(version=sample).order_by("id")[:12])
    now = timezone.now()
    with override_settings(MEDIA_ROOT=tmp_path):
        for hours, enterprise in zip(range(12, 0, -1), enterprises, strict=True):  # the last one is due first
            inspection_record(actor=office, response=episode, enterprise=enterprise, place="门口", result="non_compliant",
                              findings="未限产", rectification="限产", rectify_by=now + datetime.timedelta(hours=hours))
    client.force_login(office)
    first = client.get(f"/reductions/inspect/?response={episode.pk}")
    assert first.status_code == 200
    context = first.context
    owners_total = len({(i.enterprise_id, i.site_id) for i in ChecklistItem.objects.filter(response=episode, status="pending")})
    assert context["page"].paginator.count == owners_total > 2 * INSPECT_PAGE_SIZE
    assert {o.state for o in context["owners"][:12]} == {CheckState.NON_COMPLIANT}  # non-compliant first
    assert len(context["owners"]) == INSPECT_PAGE_SIZE and all(o.items for o in context["owners"])
    deadlines = [i.rectify_by for i in context["due"]]
    assert len(deadlines) == DUE_PAGE_SIZE and deadlines == sorted(deadlines)
    assert deadlines[0] == Inspection.objects.order_by("rectify_by").first().rectify_by
    later = client.get(f"/reductions/inspect/?response={episode.pk}&due=2").context["due"]
    assert [i.rectify_by for i in later] == sorted(i.rectify_by for i in Inspection.objects.all())[DUE_PAGE_SIZE:]
    # Every owner is on exactly one page, in the same order as the first page's list.
    seen = []
    for number in range(1, context["page"].paginator.num_pages + 1):
        page = client.get(f"/reductions/inspect/?response={episode.pk}&page={number}")
        assert f'data-owner="{page.context["owners"][0].key}"'.encode() in page.content
        seen += [o.key for o in page.context["owners"]]
    assert len(seen) == len(set(seen)) == owners_total
    assert client.get("/reductions/inspect/?page=abc").status_code == 400


def test_an_inspector_records_an_enterprise_that_is_not_on_the_page_shown(episode, sample, office, client, tmp_path):  # noqa: F811
    client.force_login(office)
    last = client.get(f"/reductions/inspect/?response={episode.pk}&page=999").context["owners"][-1]
    first_page = client.get(f"/reductions/inspect/?response={episode.pk}&owner={last.key}")
    assert last.key not in [o.key for o in first_page.context["owners"]]
    assert f'<option value="{last.key}" selected>'.encode() in first_page.content  # the link named it
    with override_settings(MEDIA_ROOT=tmp_path):
        done = client.post(f"/reductions/inspect/?response={episode.pk}",
                           {"response": episode.pk, "owner": last.key, "result": "compliant", "place": "东门"})
    assert done.status_code == 302
    inspection = Inspection.objects.get()
    assert (inspection.enterprise_id or inspection.site_id) == last.pk


def test_the_wall_counts_enterprises_and_sites_by_inspection_and_lists_the_nearest_deadlines(
    episode, enterprise, inspector, office, client  # noqa: F811
):
    from reductions.selectors import compliance_summary

    client.force_login(office)
    owners = ChecklistItem.objects.filter(response=episode, status="pending")
    total = len({(i.enterprise_id, i.site_id) for i in owners})
    before = compliance_summary(episode)
    assert (before["total"], before["checked"], before["unchecked"], before["open"]) == (total, 0, total, 0)
    first = _non_compliant(inspector, episode, enterprise)
    other = Enterprise.objects.filter(version=enterprise.version, supervisor=enterprise.supervisor).exclude(pk=enterprise.pk).first()
    inspection_record(actor=inspector, response=episode, enterprise=other, place="门口", result="compliant")
    after = compliance_summary(episode)
    assert {k: after[k] for k in ("total", "checked", "compliant", "non_compliant", "unchecked", "open")} == {
        "total": total, "checked": 2, "compliant": 1, "non_compliant": 1, "unchecked": total - 2, "open": 1}
    assert after["non_compliant_list"] == [first]
    wall = client.get("/dashboard/wall/?fragment=1").content.decode()
    assert f'data-inspection="{first.pk}"' in wall
    assert f'<span data-count="owners-non-compliant">1</span>' in wall
    assert f'<span data-count="owners-unchecked">{total - 2}</span>' in wall

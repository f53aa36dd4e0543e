"""Decisions on a basis (issue 15 items 1 and 3): consultation records (会商), municipal directives (市级指令),
the basis rule for orange and red, and the leader's cause at approval."""

import datetime
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from alerts.basis import basis_of
from alerts.cap import CAP_NS, CapMessage, cap_bytes
from alerts.choices import BasisKind, Cause, Status
from alerts.models import Alert
from alerts.services import alert_approve, alert_create, alert_lift, alert_payload
from consultations.models import Consultation, Directive
from consultations.services import consultation_attach, consultation_create, directive_record
from events.models import AuditEntry, Event
from feeds import services as feeds
from feeds.choices import ProposalKind, ProposalSource, ProposalStatus
from feeds.models import Proposal
from foundation.display import local_time
from responses.models import Response, TaskAssignment
from units.services import user_create

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def ecology(roster):
    """A member of the ecology and environment bureau (区生态环境局), who consults."""
    return user_create(username="eco1", role="unit", password="pw-eco-2026-x", unit=roster["ecology-env"])


def consult(actor, roster, *, conclusion="orange", cause=Cause.PM2_5, **extra) -> Consultation:
    data = dict(
        held_at=timezone.now() - datetime.timedelta(hours=1), units=[roster["ecology-env"], roster["meteorology"]],
        experts="张工（市环境监测中心）\n李工（江津气象局）", pollutant="pm2_5", aqi_min=210, aqi_max=260,
        duration_hours=72, meteorology="静稳，偏东风小于2 m/s，逆温，无降水", conclusion=conclusion, cause=cause,
    )
    data.update(extra)
    return consultation_create(actor=actor, **data)


# --- Consultation records ------------------------------------------------------------------------------


def test_the_ecology_bureau_records_a_consultation_with_its_minutes_audited(ecology, roster):
    record = consult(ecology, roster)
    attachment = consultation_attach(
        actor=ecology, consultation=record, upload=SimpleUploadedFile("纪要.pdf", PDF, content_type="application/pdf")
    )

    assert set(record.units.values_list("code", flat=True)) == {"ecology-env", "meteorology"}
    assert attachment.content_type == "application/pdf"
    actions = list(AuditEntry.objects.filter(target_type="consultation", target_id=record.pk).values_list("action", flat=True))
    assert actions == ["consultation_create", "consultation_attach"]
    assert list(Event.objects.filter(type="consultation.recorded").values_list("payload__id", "audience")) == [
        (record.pk, "command")
    ]


def test_minutes_that_are_not_an_image_or_pdf_are_refused(ecology, roster):
    record = consult(ecology, roster)
    with pytest.raises(ValidationError) as exc:
        consultation_attach(actor=ecology, consultation=record, upload=SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf"))
    assert "files" in exc.value.message_dict


def test_a_member_of_another_unit_may_not_record_a_consultation(member, roster):
    with pytest.raises(PermissionDenied):
        consult(member, roster)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"units": []}, "units"),
        ({"aqi_min": 300, "aqi_max": 200}, "aqi_max"),
        ({"meteorology": "  "}, "meteorology"),
        ({"conclusion": "red", "cause": ""}, "cause"),
        ({"duration_hours": 0}, "duration_hours"),
    ],
)
def test_a_consultation_missing_a_part_is_refused_naming_it(office, roster, change, field):
    with pytest.raises(ValidationError) as exc:
        consult(office, roster, **change)
    assert field in exc.value.message_dict


def test_api_records_and_lists_consultations_and_a_unit_member_gets_403(api_as, office, member, roster):
    payload = {
        "held_at": timezone.now().isoformat(), "units": ["ecology-env", "meteorology"], "pollutant": "pm2_5",
        "aqi_min": 220, "aqi_max": 280, "duration_hours": 48, "meteorology": "静稳", "conclusion": "orange",
        "cause": "pm2_5",
    }
    created = api_as(office).post("/api/consultations/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["units"] == ["ecology-env", "meteorology"]
    assert [r["id"] for r in api_as(office).get("/api/consultations/").json()["results"]] == [created.json()["id"]]
    assert api_as(member).get("/api/consultations/").status_code == 403
    bad = api_as(office).post("/api/consultations/", {**payload, "aqi_min": 300, "aqi_max": 100}, format="json")
    assert bad.status_code == 400 and "aqi_max" in bad.json()


# --- The basis rule ---------------------------------------------------------------------------------------


def test_proposing_orange_without_a_basis_is_a_400_naming_it(office):
    with pytest.raises(ValidationError) as exc:
        alert_create(actor=office, level="orange", reason="预报重度污染")
    assert "basis_ref" in exc.value.message_dict
    assert not Alert.objects.exists()


def test_api_answers_400_for_red_without_a_basis(api_as, leader):
    answer = api_as(leader).post("/api/alerts/", {"level": "red", "reason": "x"}, format="json")
    assert answer.status_code == 400
    assert "会商" in answer.json()["basis_ref"][0]


def test_yellow_needs_no_basis_but_may_cite_one(office, roster):
    plain = alert_create(actor=office, level="yellow", reason="轻中度污染")
    assert plain.status == Status.ISSUED and basis_of(plain) is None


def test_a_consultation_concluding_no_warning_cannot_be_the_basis(office, roster):
    record = consult(office, roster, conclusion="none", cause="")
    with pytest.raises(ValidationError) as exc:
        alert_create(actor=office, level="orange", reason="x", basis_kind=BasisKind.CONSULTATION, basis_ref=record.pk)
    assert "basis_ref" in exc.value.message_dict


def test_citing_a_record_that_does_not_exist_is_a_400(office):
    with pytest.raises(ValidationError) as exc:
        alert_create(actor=office, level="orange", reason="x", basis_kind=BasisKind.CONSULTATION, basis_ref=999999)
    assert "basis_ref" in exc.value.message_dict


def test_lowering_an_orange_to_yellow_needs_a_basis(office, leader, roster):
    record = consult(office, roster)
    alert_create(actor=leader, level="orange", reason="x", basis_kind=BasisKind.CONSULTATION, basis_ref=record.pk)
    with pytest.raises(ValidationError):
        alert_create(actor=leader, level="yellow", reason="好转", confirm_downgrade=True)
    lower = consult(office, roster, conclusion="yellow")
    yellow = alert_create(actor=leader, level="yellow", reason="好转", confirm_downgrade=True,
                          basis_kind=BasisKind.CONSULTATION, basis_ref=lower.pk)
    assert yellow.status == Status.ISSUED


def test_an_orange_on_a_consultation_shows_its_basis_in_payload_api_and_audit(api_as, office, leader, roster):
    record = consult(office, roster)
    alert = alert_create(actor=office, level="orange", reason="会商建议橙色", basis_kind=BasisKind.CONSULTATION,
                         basis_ref=record.pk)
    assert alert.status == Status.PENDING_APPROVAL

    detail = api_as(leader).get(f"/api/alerts/{alert.pk}/").json()
    assert (detail["basis_kind"], detail["basis_ref"]) == ("consultation", record.pk)
    assert detail["basis_record"]["level"] == "orange"
    assert "AQI 210–260" in detail["basis_record"]["summary"]
    propose = AuditEntry.objects.get(target_type="alert", target_id=alert.pk, action="propose")
    assert propose.data["basis"] == {"kind": "consultation", "id": record.pk}
    assert alert_payload(alert)["basis_record"]["id"] == record.pk


# --- Approval: basis and cause ----------------------------------------------------------------------------


def test_approving_a_proposal_without_a_basis_needs_the_leader_to_cite_one(office, leader, roster, settings):
    settings.ALERT_BASIS_REQUIRED = False  # a proposal made before the rule, or while it was off
    pending = alert_create(actor=office, level="orange", reason="x")
    settings.ALERT_BASIS_REQUIRED = True

    with pytest.raises(ValidationError) as exc:
        alert_approve(alert=pending, actor=leader)
    assert "basis_ref" in exc.value.message_dict
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_APPROVAL

    record = consult(office, roster)
    approved = alert_approve(alert=pending, actor=leader, basis_kind=BasisKind.CONSULTATION, basis_ref=record.pk)
    approved.refresh_from_db()
    assert approved.status == Status.ISSUED and approved.basis_ref == record.pk
    assert AuditEntry.objects.filter(target_type="alert", target_id=pending.pk, action="set_basis").count() == 1


def test_a_leader_overrides_the_cause_at_approval_and_the_tasks_follow_it(office, leader, roster):
    record = consult(office, roster)
    pending = alert_create(actor=office, level="orange", reason="x", cause=Cause.PM2_5,
                           basis_kind=BasisKind.CONSULTATION, basis_ref=record.pk)

    alert_approve(alert=pending, actor=leader, comment="臭氧为主", cause=Cause.OZONE)

    pending.refresh_from_db()
    assert pending.cause == Cause.OZONE
    override = AuditEntry.objects.get(target_type="alert", target_id=pending.pk, action="override_cause")
    assert override.data == {"from": "pm2_5", "to": "ozone"} and override.comment == "臭氧为主"
    issued = Event.objects.filter(type="alert.issued").latest("id")
    assert issued.payload["cause"] == "ozone"
    keys = set(TaskAssignment.objects.filter(response=Response.objects.get(alert=pending)).values_list("key", flat=True))
    assert "industry-orange-measures" not in keys  # an ozone episode gets no production cuts


def test_api_approve_with_an_unknown_cause_is_a_400(api_as, office, leader, roster):
    record = consult(office, roster)
    pending = alert_create(actor=office, level="orange", reason="x", basis_kind=BasisKind.CONSULTATION, basis_ref=record.pk)
    answer = api_as(leader).post(f"/api/alerts/{pending.pk}/approve/", {"cause": "volcano"}, format="json")
    assert answer.status_code == 400 and "cause" in answer.json()


def test_cap_carries_the_cause_in_each_info_block(client, leader, office, roster):
    record = consult(office, roster, cause=Cause.DUST)
    alert = alert_create(actor=leader, level="orange", reason="沙尘", cause=Cause.DUST,
                         basis_kind=BasisKind.CONSULTATION, basis_ref=record.pk)
    doc = etree.parse(io.BytesIO(cap_bytes(CapMessage(alert, 1))))
    ns = {"cap": CAP_NS}
    names = {}
    for info in doc.findall("cap:info", ns):
        params = {p.findtext("cap:valueName", namespaces=ns): p.findtext("cap:value", namespaces=ns)
                  for p in info.findall("cap:parameter", ns)}
        assert params["episodeCause"] == "dust"
        names[info.findtext("cap:language", namespaces=ns)] = params["episodeCauseName"]
        # CAP 1.2: parameters come before area
        tags = [etree.QName(child).localname for child in info]
        assert tags.index("parameter") < tags.index("area")
    assert names == {"zh-CN": "沙尘（PM10为主）", "en": "Dust (PM10-led)"}


# --- Municipal directives -----------------------------------------------------------------------------------


def test_a_city_warning_notice_becomes_a_proposal_at_the_citys_level_and_start(office):
    start = timezone.now() + datetime.timedelta(hours=20)
    directive = directive_record(
        actor=office, kind="warning", document_number="渝污防办发〔2026〕12号", issued_at=timezone.now(),
        level="orange", starts_at=start, region="主城都市区", cause=Cause.PM2_5,
    )

    proposal = directive.proposal
    assert (proposal.source, proposal.kind, proposal.level, proposal.status) == (
        ProposalSource.MUNICIPAL, ProposalKind.ISSUE, "orange", ProposalStatus.OPEN
    )
    assert proposal.forecast is None and proposal.issue_by == start
    assert [e.payload["document_number"] for e in Event.objects.filter(type="directive.recorded")] == ["渝污防办发〔2026〕12号"]
    assert Event.objects.filter(type="proposal.created", payload__source="municipal").count() == 1
    assert feeds.proposal_start(proposal) == start


def test_acting_on_the_citys_proposal_proposes_orange_resting_on_the_directive(office, leader):
    start = timezone.now() + datetime.timedelta(hours=20)
    directive = directive_record(actor=office, kind="warning", document_number="渝污防办发〔2026〕13号",
                                 issued_at=timezone.now(), level="orange", starts_at=start)

    alert = feeds.proposal_act(proposal=directive.proposal, actor=office)

    assert alert.status == Status.PENDING_APPROVAL and alert.starts_at == start
    assert (alert.basis_kind, alert.basis_ref) == (BasisKind.DIRECTIVE, directive.pk)
    approved = alert_approve(alert=alert, actor=leader)
    assert approved.status == Status.ISSUED
    directive.proposal.refresh_from_db()
    assert directive.proposal.status == ProposalStatus.ACCEPTED


def test_a_notice_at_or_below_the_districts_level_proposes_nothing(office, leader, roster):
    record = consult(office, roster, conclusion="red")
    alert_create(actor=leader, level="red", reason="x", basis_kind=BasisKind.CONSULTATION, basis_ref=record.pk)
    directive = directive_record(actor=office, kind="warning", document_number="渝〔2026〕14号",
                                 issued_at=timezone.now(), level="orange", starts_at=timezone.now())
    assert directive.proposal is None


def test_a_city_lift_advice_becomes_a_lift_proposal_of_the_warning_in_force(office, leader, roster):
    record = consult(office, roster)
    orange = alert_create(actor=leader, level="orange", reason="x", basis_kind=BasisKind.CONSULTATION, basis_ref=record.pk)
    directive = directive_record(actor=office, kind="lift", document_number="解除建议函〔2026〕3号", issued_at=timezone.now())

    proposal = directive.proposal
    assert (proposal.kind, proposal.level, proposal.basis["current_alert"]) == (ProposalKind.LIFT, "orange", orange.pk)
    lifted = feeds.proposal_act(proposal=proposal, actor=office)
    assert lifted.status == Status.LIFT_PENDING  # the office asks; the leaders lift orange


def test_a_lift_advice_with_nothing_in_force_proposes_nothing(office):
    directive = directive_record(actor=office, kind="lift", document_number="解除建议函〔2026〕4号", issued_at=timezone.now())
    assert directive.proposal is None and Proposal.objects.count() == 0


def test_only_a_leader_sets_the_citys_proposal_aside_and_must_say_why(office, leader):
    directive = directive_record(actor=office, kind="warning", document_number="渝〔2026〕15号",
                                 issued_at=timezone.now(), level="yellow", starts_at=timezone.now())
    with pytest.raises(PermissionDenied):
        feeds.proposal_dismiss(proposal=directive.proposal, actor=office, reason="不需要")
    with pytest.raises(ValidationError):
        feeds.proposal_dismiss(proposal=directive.proposal, actor=leader, reason=" ")
    dismissed = feeds.proposal_dismiss(proposal=directive.proposal, actor=leader, reason="本区已先行发布更高等级")
    assert dismissed.status == ProposalStatus.DISMISSED


@pytest.mark.parametrize(
    ("change", "field"),
    [({"level": ""}, "level"), ({"starts_at": None}, "starts_at"), ({"document_number": " "}, "document_number")],
)
def test_a_notice_missing_its_level_start_or_number_is_refused(office, change, field):
    data = dict(kind="warning", document_number="渝〔2026〕16号", issued_at=timezone.now(), level="orange",
                starts_at=timezone.now())
    data.update(change)
    with pytest.raises(ValidationError) as exc:
        directive_record(actor=office, **data)
    assert field in exc.value.message_dict


def test_a_repeated_document_number_is_a_400_and_only_the_office_records(api_as, office, leader):
    payload = {"kind": "warning", "document_number": "渝〔2026〕17号", "issued_at": timezone.now().isoformat(),
               "level": "orange", "starts_at": (timezone.now() + datetime.timedelta(hours=6)).isoformat()}
    assert api_as(office).post("/api/directives/", payload, format="json").status_code == 201
    again = api_as(office).post("/api/directives/", payload, format="json")
    assert again.status_code == 400 and "document_number" in again.json()
    assert api_as(leader).post("/api/directives/", {**payload, "document_number": "x"}, format="json").status_code == 403
    assert Directive.objects.count() == 1


# --- Pages -------------------------------------------------------------------------------------------------------


def test_pages_list_new_and_detail(client, office, roster):
    client.force_login(office)
    page = client.post(reverse("consultations:new"), {
        "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "units": [roster["ecology-env"].pk, roster["meteorology"].pk],
        "pollutant": "pm2_5", "aqi_min": 205, "aqi_max": 250, "duration_hours": 48, "meteorology": "静稳",
        "conclusion": "orange", "cause": "pm2_5", "minutes": SimpleUploadedFile("纪要.pdf", PDF),
    })
    record = Consultation.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse("consultations:detail", args=[record.pk])
    assert record.attachments.count() == 1
    assert "纪要.pdf" in client.get(page["Location"]).content.decode()
    assert f'data-consultation="{record.pk}"' in client.get(reverse("consultations:list")).content.decode()


def test_a_bad_range_on_the_page_is_a_form_message(client, office, roster):
    client.force_login(office)
    page = client.post(reverse("consultations:new"), {
        "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "units": [roster["ecology-env"].pk],
        "pollutant": "pm2_5", "aqi_min": 300, "aqi_max": 200, "duration_hours": 48, "meteorology": "静稳",
        "conclusion": "orange", "cause": "pm2_5",
    })
    assert page.status_code == 200 and "has-error" in page.content.decode()
    assert not Consultation.objects.exists()


def test_the_leader_dashboard_shows_the_basis_beside_the_request(client, office, leader, roster):
    record = consult(office, roster)
    alert_create(actor=office, level="orange", reason="x", basis_kind=BasisKind.CONSULTATION, basis_ref=record.pk)
    client.force_login(leader)
    page = client.get(reverse("dashboard-leader")).content.decode()
    assert f'href="/consultations/{record.pk}/"' in page and "AQI 210–260" in page


def test_a_leader_sets_the_citys_proposal_aside_on_the_proposals_page(client, office, leader):
    directive = directive_record(actor=office, kind="warning", document_number="渝〔2026〕18号",
                                 issued_at=timezone.now(), level="orange", starts_at=timezone.now())
    client.force_login(office)
    assert f'action="/feeds/proposals/{directive.proposal.pk}/dismiss/"' not in client.get(reverse("feeds:proposals")).content.decode()
    client.force_login(leader)
    page = client.get(reverse("feeds:proposals")).content.decode()
    assert "渝〔2026〕18号" in page
    client.post(reverse("feeds:proposal-dismiss", args=[directive.proposal.pk]), {"reason": "本区已发布红色预警"})
    directive.proposal.refresh_from_db()
    assert directive.proposal.status == ProposalStatus.DISMISSED


def test_the_new_warning_form_is_filled_from_the_consultation_it_rests_on(client, office, roster):
    start = timezone.now() + datetime.timedelta(hours=30)
    record = consult(office, roster, conclusion="red", cause=Cause.TRANSPORT, starts_at=start)
    client.force_login(office)
    detail = client.get(reverse("consultations:detail", args=[record.pk])).content.decode()
    link = f"/alerts/new/?basis=consultation:{record.pk}"
    assert link in detail
    form = client.get(link).context["form"]
    assert form.initial["level"] == "red" and form.initial["cause"] == Cause.TRANSPORT
    assert form.initial["basis_ref"] == f"consultation:{record.pk}" and form.initial["starts_at"] == start
    assert (f"consultation:{record.pk}", f"会商记录 #{record.pk}（{local_time(record.held_at)}） · 红色") in form.fields["basis_ref"].choices


def test_the_page_links_the_proposals_the_consultation_looked_at(client, office, roster):
    directive = directive_record(actor=office, kind="warning", document_number="渝〔2026〕19号",
                                 issued_at=timezone.now(), level="orange", starts_at=timezone.now())
    client.force_login(office)
    client.post(reverse("consultations:new"), {
        "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "units": [roster["ecology-env"].pk],
        "proposals": [directive.proposal.pk], "pollutant": "pm2_5", "aqi_min": 205, "aqi_max": 250,
        "duration_hours": 48, "meteorology": "静稳", "conclusion": "orange", "cause": "pm2_5",
    })
    record = Consultation.objects.get()
    assert list(record.proposals.all()) == [directive.proposal]
    assert f"#proposal-{directive.proposal.pk}" in client.get(reverse("consultations:detail", args=[record.pk])).content.decode()


# --- The district follows the city's level (issue 15 item 3) --------------------------------------------------


def city_orange(office, number="渝〔2026〕30号", **extra):
    data = dict(kind="warning", document_number=number, issued_at=timezone.now() - datetime.timedelta(hours=2),
                level="orange", starts_at=timezone.now() - datetime.timedelta(hours=1))
    data.update(extra)
    return directive_record(actor=office, **data)


def test_the_office_may_not_issue_yellow_below_the_citys_orange(office):
    city_orange(office)
    with pytest.raises(ValidationError) as exc:
        alert_create(actor=office, level="yellow", reason="本区轻度污染")
    assert "below_city_reason" in exc.value.message_dict
    assert "渝〔2026〕30号" in exc.value.message_dict["below_city_reason"][0]


def test_a_leader_goes_below_the_city_only_with_a_recorded_reason(office, leader):
    directive = city_orange(office)
    with pytest.raises(ValidationError):
        alert_create(actor=leader, level="yellow", reason="x")
    yellow = alert_create(actor=leader, level="yellow", reason="x", below_city_reason="本区监测未达橙色条件")
    entry = AuditEntry.objects.get(target_type="alert", target_id=yellow.pk, action="below_city")
    assert entry.comment == "本区监测未达橙色条件"
    assert entry.data["directive"] == directive.pk and entry.data["city_level"] == "orange"


def test_following_the_city_needs_no_reason(office, leader):
    directive = city_orange(office)
    orange = alert_create(actor=leader, level="orange", reason="执行市级指令", basis_kind=BasisKind.DIRECTIVE,
                          basis_ref=directive.pk)
    assert orange.status == Status.ISSUED
    assert not AuditEntry.objects.filter(action="below_city").exists()


def test_lifting_during_the_citys_warning_needs_a_leaders_reason_and_a_lift_advice_ends_it(office, leader):
    directive = city_orange(office)
    orange = alert_create(actor=leader, level="orange", reason="x", basis_kind=BasisKind.DIRECTIVE, basis_ref=directive.pk)
    with pytest.raises(ValidationError) as exc:
        alert_lift(alert=orange, actor=leader, reason="好转")
    assert "below_city_reason" in exc.value.message_dict

    directive_record(actor=office, kind="lift", document_number="解除建议函〔2026〕30号", issued_at=timezone.now())
    lifted = alert_lift(alert=orange, actor=leader, reason="市级建议解除")
    assert lifted.status == Status.LIFTED


def test_the_citys_warning_over_by_its_end_no_longer_binds(office):
    city_orange(office, ends_at=timezone.now() - datetime.timedelta(minutes=1),
                starts_at=timezone.now() - datetime.timedelta(hours=5))
    assert alert_create(actor=office, level="yellow", reason="x").status == Status.ISSUED


def test_api_lift_below_the_city_is_a_400_then_200_with_the_reason(api_as, office, leader):
    directive = city_orange(office)
    orange = alert_create(actor=leader, level="orange", reason="x", basis_kind=BasisKind.DIRECTIVE, basis_ref=directive.pk)
    refused = api_as(leader).post(f"/api/alerts/{orange.pk}/lift/", {"reason": "好转"}, format="json")
    assert refused.status_code == 400 and "below_city_reason" in refused.json()
    done = api_as(leader).post(f"/api/alerts/{orange.pk}/lift/", {"reason": "好转", "below_city_reason": "本区已明显好转"},
                               format="json")
    assert done.status_code == 200 and done.json()["status"] == "lifted"


@pytest.mark.parametrize("name", ["consultations:list", "consultations:new", "consultations:directive-new"])
def test_the_pages_in_english_show_no_chinese(client, office, roster, name):
    consult(office, roster)
    client.force_login(office)
    client.cookies["django_language"] = "en"
    html = client.get(reverse(name)).content.decode()
    main = html[html.index("<main"):html.index("</main>")]
    assert not re.findall(r"[\u4e00-\u9fff]+", re.sub(r"<[^>]+>", " ", main).replace("中文", ""))


def city_red(office, **extra):
    return city_orange(office, number="渝〔2026〕31号", level="red", **extra)


def test_the_leader_dashboards_approval_below_the_city_asks_for_the_reason_and_records_it(
    client, api_as, office, leader, roster
):
    city_red(office)
    record = consult(office, roster, conclusion="orange")
    pending = alert_create(actor=office, level="orange", reason="本区橙色", basis_kind=BasisKind.CONSULTATION, basis_ref=record.pk)
    assert pending.status == Status.PENDING_APPROVAL
    client.force_login(leader)
    dashboard = client.get(reverse("dashboard-leader")).content.decode()
    # Said before the click: the field open, required, with the rule's sentence naming the city's notice.
    assert f'name="below_city_reason" id="below-city-reason-{pending.pk}" rows="2" data-limit="4000" required' in dashboard
    assert f'data-below-city="{pending.pk}">市级指令 渝〔2026〕31号要求红色预警：本区预警等级不低于市级，除非区指挥部领导记录理由。' in dashboard

    url, home = reverse("alerts:approve", args=[pending.pk]), reverse("dashboard-leader")
    refused = client.post(url, {"confirm": "on", "next": home}, follow=True)
    page = refused.content.decode()
    assert "渝〔2026〕31号" in page and "除非区指挥部领导记录理由" in page  # the rule's own message, on the dashboard
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_APPROVAL and not AuditEntry.objects.filter(action="below_city").exists()

    api_preview = api_as(leader).get(f"/api/alerts/{pending.pk}/").json()["approval"]
    assert api_preview["below_city"].endswith("除非区指挥部领导记录理由。")

    client.post(url, {"confirm": "on", "next": home, "below_city_reason": "本区监测站点未达红色条件"})
    pending.refresh_from_db()
    assert pending.status == Status.ISSUED
    assert AuditEntry.objects.get(action="below_city", target_id=pending.pk).comment == "本区监测站点未达红色条件"


def test_a_notice_for_another_district_is_no_basis_and_sets_no_floor(office, leader):
    from alerts.basis import basis_choices, city_warning_at

    other = city_orange(office, number="渝〔2026〕40号", region="永川区、璧山区")
    assert other.proposal is None  # recorded, and nothing proposed to this district
    with pytest.raises(ValidationError) as exc:
        alert_create(actor=leader, level="orange", reason="x", basis_kind=BasisKind.DIRECTIVE, basis_ref=other.pk)
    assert exc.value.message_dict["basis_ref"] == ["市级指令 渝〔2026〕40号适用于永川区、璧山区，不适用于本区，不能作为本区预警的依据。"]
    assert city_warning_at(timezone.now()) is None
    assert alert_create(actor=office, level="yellow", reason="本区轻度").status == Status.ISSUED  # no city floor
    assert all(record.pk != other.pk for record in basis_choices())


def test_a_proposal_at_or_above_the_city_asks_for_no_reason(client, office, leader, roster):
    city_orange(office)
    record = consult(office, roster, conclusion="red", cause=Cause.PM2_5)
    pending = alert_create(actor=office, level="red", reason="本区红色", basis_kind=BasisKind.CONSULTATION, basis_ref=record.pk)
    client.force_login(leader)
    dashboard = client.get(reverse("dashboard-leader")).content.decode()
    assert f'id="below-city-reason-{pending.pk}" rows="2" data-limit="4000"></textarea>' in dashboard
    assert f'data-below-city="{pending.pk}"' not in dashboard


@pytest.mark.parametrize(
    "region", ["", "全市", "重庆市", "江津区", "永川区、江津区", "江津、綦江", "主城都市区", "Jiangjin District", "the whole city"]
)
def test_a_notice_for_the_district_or_the_whole_city_is_a_basis(office, leader, region):
    directive = city_orange(office, region=region)
    orange = alert_create(actor=leader, level="orange", reason="执行", basis_kind=BasisKind.DIRECTIVE, basis_ref=directive.pk)
    assert orange.status == Status.ISSUED and basis_of(orange).pk == directive.pk

"""Issue 17 item 7: the register of publicity, trainings and drills (宣传、培训和演练), with attachments,
and a drill run in the platform linked to its record with its acknowledgement times per unit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from events.models import AuditEntry
from responses.models import TaskAssignment
from responses.services import assignment_acknowledge
from tests.factories import alert_issue
from training.models import TrainingRecord
from training.selectors import drill_figures
from training.services import training_record_attach, training_record_create

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _record(actor, roster, **extra):
    fields = {"date": datetime.date(2026, 11, 20), "kind": "training", "title": "重污染天气应急培训",
              "units": [roster["education"], roster["public-security"]], "practised": "预警发布与任务签收流程"}
    return training_record_create(actor=actor, **(fields | extra))


def test_the_office_registers_a_training_with_its_units_audited(office, roster):
    record = _record(office, roster)
    assert set(record.units.values_list("code", flat=True)) == {"education", "public-security"}
    assert AuditEntry.objects.get(target_type="trainingrecord", target_id=record.pk).action == "training_record_create"


@pytest.mark.parametrize("persona", ["leader", "member"])
def test_only_the_office_keeps_the_register(request, persona, roster):
    with pytest.raises(PermissionDenied):
        _record(request.getfixturevalue(persona), roster)
    assert not TrainingRecord.objects.exists()


@pytest.mark.parametrize(("extra", "field"), [
    ({"units": []}, "units"), ({"practised": " "}, "practised"), ({"kind": "party"}, "kind"), ({"title": ""}, "title"),
])
def test_an_incomplete_record_names_its_field(office, roster, extra, field):
    with pytest.raises(ValidationError) as caught:
        _record(office, roster, **extra)
    assert field in caught.value.message_dict and not TrainingRecord.objects.exists()


def test_only_a_drill_warning_can_be_linked(office, roster):
    real = alert_issue(actor=office, level="yellow", reason="真实预警")
    with pytest.raises(ValidationError) as caught:
        _record(office, roster, kind="drill", alert=real)
    assert "alert" in caught.value.message_dict


def test_a_platform_drill_gives_its_record_the_acknowledgement_times_per_unit(office, member, roster):
    drill = alert_issue(actor=office, level="yellow", reason="演练", drill=True)
    record = _record(office, roster, kind="drill", alert=drill)
    tasks = TaskAssignment.objects.filter(response__alert=drill, unit=member.unit).order_by("id")
    first = tasks[0]
    TaskAssignment.objects.filter(pk=first.pk).update(effective_from=timezone.now() - datetime.timedelta(minutes=12))
    assignment_acknowledge(assignment=first, actor=member)
    figures = {row["unit"]: row for row in drill_figures(record)}
    education = figures[member.unit.name]
    assert (education["tasks"], education["acknowledged"], education["late"]) == (tasks.count(), 1, 0)
    assert 12.0 <= education["slowest_minutes"] < 13.0
    police = figures[roster["public-security"].name]
    assert (police["acknowledged"], police["slowest_minutes"]) == (0, None)


def test_an_attachment_is_checked_by_content(office, roster):
    record = _record(office, roster)
    training_record_attach(actor=office, record=record, upload=SimpleUploadedFile("plan.pdf", PDF))
    with pytest.raises(ValidationError):
        training_record_attach(actor=office, record=record, upload=SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf"))
    assert list(record.attachments.values_list("original_name", "content_type")) == [("plan.pdf", "application/pdf")]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_office_adds_a_record_and_a_file_on_the_pages_and_a_leader_reads_them(office, leader, roster):
    client = _client(office)
    answer = client.post("/training/", {"date": "2026-11-20", "kind": "drill", "title": "桌面推演",
                                        "units": [roster["education"].pk], "practised": "橙色预警响应"})
    record = TrainingRecord.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/training/{record.pk}/"
    assert client.post(f"/training/{record.pk}/", {"file": SimpleUploadedFile("sheet.pdf", PDF)}).status_code == 302
    page = _client(leader).get(f"/training/{record.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "桌面推演" in page and "sheet.pdf" in page and roster["education"].name_en in page  # English page, English unit name (issue 14 item 9)
    attachment = record.attachments.get()
    assert _client(leader).get(f"/training/attachments/{attachment.pk}/").status_code == 200


def test_unit_members_see_neither_the_register_nor_its_files(office, member, roster):
    record = _record(office, roster)
    attachment = training_record_attach(actor=office, record=record, upload=SimpleUploadedFile("plan.pdf", PDF))
    client = _client(member)
    assert client.get("/training/").status_code == 403
    assert client.get(f"/training/{record.pk}/").status_code == 403
    assert client.get(f"/training/attachments/{attachment.pk}/").status_code == 404


def test_a_leader_may_not_attach_files_or_add_records(office, leader, roster):
    record = _record(office, roster)
    client = _client(leader)
    assert client.post(f"/training/{record.pk}/", {"file": SimpleUploadedFile("x.pdf", PDF)}).status_code == 403
    assert client.post("/training/", {"title": "x"}).status_code == 403
    assert not record.attachments.exists() and TrainingRecord.objects.count() == 1

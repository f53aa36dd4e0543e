"""No uploaded file outlives its upload (issue 12 item 14): write, then link in the transaction, then sweep.

Uploads cut off by a killed web process left files that no attachment names (2 of 3 kills). Now the
files are written before the transaction, linked in it, deleted when the action is refused or fails,
and what a killed process leaves is deleted by the sweep.
"""

from __future__ import annotations

import datetime
import os
import re
import threading
import time

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections, transaction
from rest_framework.authtoken.models import Token

from alerts.services import alert_create, alert_lift
from events.locks import EVENT_ORDER_LOCK
from foundation.errors import ActionRefused
from responses.models import Attachment, TaskAssignment
from responses.services import assignment_complete, assignment_progress
from foundation.uploads import uploads_sweep
from tests.processes import LiveServer, wait_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _files(media) -> set[str]:
    folder = media / "reports"
    return {f"reports/{p.name}" for p in folder.iterdir()} if folder.exists() else set()


def _png(name="photo.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _task(office, member):
    alert = alert_create(actor=office, level="yellow", reason="uploads")
    return alert, TaskAssignment.objects.filter(response__alert=alert, unit=member.unit).order_by("id").first()


@pytest.mark.django_db
def test_a_linked_upload_is_on_disk_and_named_by_its_row(office, member, media):
    _, task = _task(office, member)
    assignment_progress(assignment=task, actor=member, text="photos", files=[_png(), _png("b.png")])
    assert _files(media) == set(Attachment.objects.values_list("file", flat=True)) and len(_files(media)) == 2


@pytest.mark.django_db
def test_a_refused_upload_leaves_no_file(office, member, media):
    alert, task = _task(office, member)
    alert_lift(alert=alert, actor=office, reason="clean air")  # the task is closed
    with pytest.raises(ActionRefused):
        assignment_progress(assignment=task, actor=member, text="late", files=[_png()])
    assert _files(media) == set() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_repeated_completion_keeps_the_first_reports_files_only(office, member, media):
    _, task = _task(office, member)
    assignment_complete(assignment=task, actor=member, report="done", files=[_png()])
    first = set(Attachment.objects.values_list("file", flat=True))
    assignment_complete(assignment=task, actor=member, report="done again", files=[_png("again.png")])
    assert _files(media) == first and len(first) == 1


@pytest.mark.django_db
def test_an_upload_in_a_transaction_that_rolls_back_leaves_no_file(office, member, media):
    _, task = _task(office, member)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assignment_progress(assignment=task, actor=member, text="photos", files=[_png()])
        1 / 0  # noqa: B018 - anything failing after the service in the caller's transaction
    assert not Attachment.objects.exists()
    orphans = _files(media)
    assert len(orphans) == 1  # linked in a savepoint of the caller's transaction, which then rolled back
    assert uploads_sweep(older_than=datetime.timedelta(0)) == sorted(orphans)
    assert _files(media) == set()


@pytest.mark.django_db(transaction=True)
def test_the_file_is_written_before_the_task_is_locked_and_linked_after(office, member, media):
    """Write, then link: while another transaction holds the task, the file is on disk and no row names it."""
    _, task = _task(office, member)
    outcome = {}

    def upload():
        try:
            outcome["task"] = assignment_progress(assignment=task, actor=member, text="photo", files=[_png()])
        except Exception as exc:  # noqa: BLE001 - the test reports it
            outcome["error"] = exc
        finally:
            connections.close_all()

    with transaction.atomic():
        TaskAssignment.objects.select_for_update(no_key=True).get(pk=task.pk)
        thread = threading.Thread(target=upload)
        thread.start()
        wait_for(lambda: len(_files(media)) == 1, timeout=30, what="the file written before the row lock")
        time.sleep(0.3)
        assert thread.is_alive() and not Attachment.objects.exists()
    thread.join(30)
    assert "error" not in outcome, outcome
    assert set(Attachment.objects.values_list("file", flat=True)) == _files(media)


@pytest.mark.django_db
def test_the_sweep_deletes_old_unlinked_files_only(office, member, media, settings):
    settings.UPLOAD_ORPHAN_MINUTES = 60
    _, task = _task(office, member)
    assignment_progress(assignment=task, actor=member, text="photo", files=[_png()])
    linked = Attachment.objects.get().file.name
    folder = media / "reports"
    old_orphan, young_orphan = folder / "0123456789abcdef0123456789abcdef.png", folder / "fedcba9876543210fedcba9876543210.pdf"
    old_orphan.write_bytes(PNG)
    young_orphan.write_bytes(b"%PDF-1.4")
    two_hours_ago = time.time() - 2 * 3600
    for path in (old_orphan, media / linked):
        os.utime(path, (two_hours_ago, two_hours_ago))
    other = media / "elsewhere.png"  # outside the upload folder: not the sweep's
    other.write_bytes(PNG)
    os.utime(other, (two_hours_ago, two_hours_ago))

    call_command("uploads_sweep", stdout=open(os.devnull, "w"))
    assert _files(media) == {linked, f"reports/{young_orphan.name}"} and other.exists()
    call_command("uploads_sweep", "--minutes", "0", stdout=open(os.devnull, "w"))
    assert _files(media) == {linked}
    assert Attachment.objects.get().file.name == linked


@pytest.mark.django_db(transaction=True)
def test_an_upload_cut_off_by_a_killed_web_process_leaves_no_file_after_the_sweep(office, member, media):
    """The issue's example, for real: uvicorn killed with SIGKILL while an upload's transaction is open."""
    assert connection.vendor == "postgresql"
    _, task = _task(office, member)
    token = Token.objects.create(user=member)
    server = LiveServer(MEDIA_ROOT=str(media), DB_CONN_MAX_AGE="0").start()
    answer = {}

    def upload():
        try:
            answer["response"] = httpx.post(
                f"{server.url}/api/assignments/{task.pk}/progress/",
                data={"text": "photo"}, files={"files": ("photo.png", PNG, "image/png")},
                headers={"Authorization": f"Token {token.key}"}, timeout=60,
            )
        except httpx.HTTPError as exc:
            answer["error"] = exc

    try:
        with connection.cursor() as cursor:
            # Hold the event-order lock: the upload's transaction stops at its first event, mid-way.
            cursor.execute("SELECT pg_advisory_lock(%s)", [EVENT_ORDER_LOCK])
            thread = threading.Thread(target=upload)
            thread.start()

            def waiting_in_its_transaction():
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND NOT granted",
                    [EVENT_ORDER_LOCK],
                )
                return cursor.fetchone()[0] == 1

            wait_for(waiting_in_its_transaction, timeout=60, what="the upload waiting inside its transaction")
            assert len(_files(media)) == 1 and not Attachment.objects.exists()
            server.proc.kill()  # SIGKILL: no cleanup of any kind runs
            server.proc.wait(10)
            cursor.execute("SELECT pg_advisory_unlock(%s)", [EVENT_ORDER_LOCK])
        thread.join(30)
    finally:
        server.stop()
    assert "error" in answer  # the client saw the connection die
    assert not Attachment.objects.exists() and not task.updates.exists()
    orphans = _files(media)
    assert len(orphans) == 1  # the file written before the transaction: no row will ever name it
    assert uploads_sweep(older_than=datetime.timedelta(0)) == sorted(orphans)
    assert _files(media) == set()


# --- The same kind for every upload: training and drill attachments -------------------------------------


def _training_files(media) -> set[str]:
    folder = media / "training"
    return {f"training/{p.name}" for p in folder.iterdir()} if folder.exists() else set()


def _training_record(office, roster):
    from training.services import training_record_create

    return training_record_create(actor=office, date=datetime.date(2026, 11, 20), kind="drill", title="演练",
                                  units=[roster["education"]], practised="签收")


@pytest.mark.django_db
def test_a_training_attachment_is_stored_under_a_random_name_and_linked(office, roster, media):
    from training.models import TrainingAttachment
    from training.services import training_record_attach

    attachment = training_record_attach(actor=office, record=_training_record(office, roster),
                                        upload=_png("../../sign-in sheet.png"))
    assert _training_files(media) == {attachment.file.name}
    assert attachment.file.name.startswith("training/") and "sign-in" not in attachment.file.name
    assert set(TrainingAttachment.objects.values_list("file", flat=True)) == {attachment.file.name}


@pytest.mark.django_db
def test_a_training_attachment_in_a_transaction_that_rolls_back_is_swept(office, roster, media):
    from training.models import TrainingAttachment
    from training.services import training_record_attach

    record = _training_record(office, roster)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        training_record_attach(actor=office, record=record, upload=_png())
        1 / 0  # noqa: B018 - anything failing after the service in the caller's transaction
    assert not TrainingAttachment.objects.exists()
    orphans = _training_files(media)
    assert len(orphans) == 1
    assert uploads_sweep(older_than=datetime.timedelta(0)) == sorted(orphans)
    assert _training_files(media) == set()


@pytest.mark.django_db
def test_a_refused_training_attachment_leaves_no_file(office, roster, media):
    from django.core.exceptions import ValidationError

    from training.services import training_record_attach

    record = _training_record(office, roster)
    with pytest.raises(ValidationError):
        training_record_attach(actor=office, record=record, upload=SimpleUploadedFile("x.png", b"not an image"))
    assert _training_files(media) == set()


@pytest.mark.django_db
def test_the_sweep_keeps_linked_files_of_every_folder(office, member, roster, media):
    from training.services import training_record_attach

    _, task = _task(office, member)
    assignment_progress(assignment=task, actor=member, text="photo", files=[_png()])
    training_record_attach(actor=office, record=_training_record(office, roster), upload=_png())
    assert uploads_sweep(older_than=datetime.timedelta(0)) == []
    assert len(_files(media)) == 1 and len(_training_files(media)) == 1


def test_every_attachment_kind_has_one_shape_and_is_swept():
    """One base (foundation.attachments.AttachmentFields): the sweep finds every kind's folder by itself, and each
    kind names its files by the one rule and keeps the same fields (issue 13 §2: no repeated upload code)."""
    from foundation.attachments import AttachmentFields, attachment_path
    from foundation.uploads import swept_models

    kinds = {m._meta.label: m.UPLOAD_FOLDER for m in swept_models()}
    assert kinds == {
        "consultations.ConsultationAttachment": "consultations", "reductions.InspectionPhoto": "inspections",
        "responses.Attachment": "reports", "training.TrainingAttachment": "training",
    }
    for model in swept_models():
        assert issubclass(model, AttachmentFields)
        assert model._meta.get_field("content_type").max_length == 60
        name = model._meta.get_field("file").generate_filename(model(content_type="image/png"), "../../etc/passwd")
        assert re.fullmatch(rf"{model.UPLOAD_FOLDER}/[0-9a-f]{{32}}\.png", name), name
    assert attachment_path(Attachment(content_type="application/pdf"), "a.exe").endswith(".pdf")


@pytest.mark.django_db
def test_an_inspection_keeps_photos_only_even_through_the_store(media):
    """A PDF passes the shared content check but an inspection keeps photos (InspectionPhoto.ACCEPTED_TYPES)."""
    from django.core.exceptions import ValidationError

    from foundation.uploads import uploads_store
    from reductions.models import InspectionPhoto

    with pytest.raises(ValidationError) as refused:
        uploads_store([SimpleUploadedFile("minutes.pdf", b"%PDF-1.7\n" + b"\x00" * 32)], model=InspectionPhoto)
    assert refused.value.message_dict == {"files": ["minutes.pdf 不是照片（PNG、JPEG 或 WebP）。"]}
    assert not (media / "inspections").exists() or not any((media / "inspections").iterdir())

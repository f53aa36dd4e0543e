"""Section 13: uploads of the wrong type, too large, with a path-traversal name, and another unit's files.

tests/test_assignments.py covers a wrong type and an oversize file on completion; this covers
the progress route too, names that try to leave the upload folder, type by content against
the browser's claim, the forecast CSV upload, and every route that serves or lists a file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from responses.models import AssignmentUpdate, Attachment, TaskAssignment
from tests.hardening.conftest import PDF, PNG, record_figure
from tests.hardening.routes import all_routes
from tests.hardening.test_access_matrix import ADMIN_PREFIX

pytestmark = pytest.mark.django_db

REFUSED = [
    ("script.png", b"<script>alert(1)</script>", "image/png"),  # says PNG, is text
    ("page.html", b"<!doctype html><script>alert(1)</script>", "text/html"),
    ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", "application/octet-stream"),
    ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
    ("report.pdf.png", b"GIF89a\x01\x00\x01\x00", "image/png"),
    ("empty.pdf", b"", "application/pdf"),
]
TRAVERSAL = ["../../../etc/passwd.png", "..\\..\\windows\\win.ini.png", "/etc/cron.d/evil.png", "....//....//x.png",
             "%2e%2e%2fescape.png", "reports/../../escape.png", "nul\x00byte.png"]


def _open_task(member):
    return TaskAssignment.objects.filter(unit=member.unit).exclude(status__in=["completed", "cancelled"]).first()


@pytest.mark.parametrize("route", ["progress", "complete"])
def test_wrong_types_are_refused_on_every_upload_route_and_nothing_is_stored(world, member, api_as, route):
    task = _open_task(member)
    before = (Attachment.objects.count(), AssignmentUpdate.objects.count())
    status = task.status
    field = "text" if route == "progress" else "report"
    for name, content, claimed in REFUSED:
        upload = SimpleUploadedFile(name, content, content_type=claimed)
        answer = api_as(member).post(f"/api/assignments/{task.pk}/{route}/", {field: "r", "files": [upload]}, format="multipart")
        assert answer.status_code == 400, (name, answer.status_code)
        assert "files" in answer.json()
    assert (Attachment.objects.count(), AssignmentUpdate.objects.count()) == before
    task.refresh_from_db()
    assert task.status == status
    record_figure(f"uploads_refused_wrong_type:{route}", len(REFUSED))


def test_an_oversize_file_is_refused_before_anything_is_stored(world, member, api_as, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    task = _open_task(member)
    before = Attachment.objects.count()
    for route, field in (("progress", "text"), ("complete", "report")):
        big = SimpleUploadedFile("big.png", PNG + b"\x00" * 2048, content_type="image/png")
        answer = api_as(member).post(f"/api/assignments/{task.pk}/{route}/", {field: "r", "files": [big]}, format="multipart")
        assert answer.status_code == 400 and "big.png" in str(answer.json()["files"])
    # At the limit it is accepted.
    exact = SimpleUploadedFile("exact.png", PNG + b"\x00" * (1024 - len(PNG)), content_type="image/png")
    answer = api_as(member).post(f"/api/assignments/{task.pk}/progress/", {"text": "r", "files": [exact]}, format="multipart")
    assert answer.status_code == 200
    assert Attachment.objects.count() == before + 1


def test_too_many_files_are_refused(world, member, api_as):
    task = _open_task(member)
    files = [SimpleUploadedFile(f"p{i}.png", PNG, content_type="image/png") for i in range(11)]
    answer = api_as(member).post(f"/api/assignments/{task.pk}/progress/", {"text": "r", "files": files}, format="multipart")
    assert answer.status_code == 400


def test_a_path_traversal_name_never_reaches_the_disk_or_the_download_header(world, member, api_as):
    task = _open_task(member)
    media = Path(settings.MEDIA_ROOT).resolve()
    for name in TRAVERSAL:
        upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
        answer = api_as(member).post(f"/api/assignments/{task.pk}/progress/", {"text": "see file", "files": [upload]}, format="multipart")
        assert answer.status_code == 200, (name, answer.content)
        stored = Attachment.objects.order_by("-id").first()
        path = Path(stored.file.path).resolve()
        assert path.parent == media / "reports", (name, path)
        assert path.suffix == ".pdf" and len(path.stem) == 32  # a random name chosen by the server
        assert "/" not in stored.original_name and "\\" not in stored.original_name and "\x00" not in stored.original_name
        client = Client()
        client.force_login(member)
        download = client.get(f"/responses/attachments/{stored.pk}/")
        assert download.status_code == 200
        disposition = download["Content-Disposition"]
        assert disposition.startswith("attachment;") and "/" not in disposition.split("filename", 1)[1].replace("filename*=utf-8''", "")
        assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Type"] == "application/pdf"
        assert b"".join(download.streaming_content) == PDF
    # Nothing was written outside the upload folder.
    assert all(p.resolve().is_relative_to(media / "reports") for p in media.rglob("*") if p.is_file())
    record_figure("uploads_traversal_names", len(TRAVERSAL))


def test_another_units_file_is_refused_through_every_route(world, member, other_member, api_as):
    """Every URL that takes an attachment id, and every API answer, for a member of another unit."""
    theirs = world["theirs_file"]
    client = Client()
    client.force_login(member)
    attachment_routes = [r for r in all_routes() if "attachment" in r.route and not r.route.startswith(ADMIN_PREFIX)]
    assert attachment_routes, "the attachment download route"
    for route in attachment_routes:
        path = route.path({"pk": theirs.pk})
        for method in ("get", "head", "post"):
            answer = getattr(client, method)(path)
            assert answer.status_code == 404, (method, path, answer.status_code)  # not there for you, whatever the method
            assert PNG not in answer.content
    # The pages and API endpoints that list reports or attachments are not open to a unit member.
    for path in (f"/responses/{world['response'].pk}/summary/", f"/responses/{world['response'].pk}/summary.csv",
                 f"/api/responses/{world['response'].pk}/summary/"):
        assert client.get(path).status_code == 403
    assert api_as(member).get(f"/api/assignments/{world['theirs'].pk}/").status_code == 404
    listing = api_as(member).get("/api/assignments/?limit=500").json()["results"]
    assert {a["unit"] for a in listing} == {member.unit_id}
    # The file is not in the public static or media URLs either.
    name = Path(theirs.file.name).name
    for path in (f"/media/{theirs.file.name}", f"/static/{name}", f"/reports/{name}"):
        assert Client().get(path).status_code == 404
        assert client.get(path).status_code == 404
    # Its own unit and the command still get it.
    own = Client()
    own.force_login(other_member)
    assert own.get(f"/responses/attachments/{theirs.pk}/").status_code == 200


def test_forecast_csv_upload_refuses_binary_oversize_and_junk(world, office, api_as):
    for name, content, why in (
        ("aqi.csv", PNG, "not UTF-8"),
        ("aqi.csv", b"date,aqi\n" + b"2026-12-01,100\n" * 10_000, "larger than 100 KB"),
        ("aqi.csv", b"date,evil\n2026-12-01,=cmd()\n", "Unknown columns"),
        ("../../aqi.csv", b"nodate\n1\n", "date"),
    ):
        upload = SimpleUploadedFile(name, content, content_type="text/csv")
        answer = api_as(office).post("/api/forecasts/csv/", {"file": upload, "source": "t"}, format="multipart")
        assert answer.status_code == 400, (why, answer.status_code)

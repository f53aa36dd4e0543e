"""Shared fixtures of the hardening suite: a small world of real objects, and the figures it reports.

Each test module here checks one way the platform must hold: access, sessions, hostile
text, uploads, the audit trail, schema conformance, transition properties and load.
The figures (cells, cases, examples) go to ``test-artifacts/hardening-figures.json`` so
``docs/reliability.md`` can quote a real run.
"""

from __future__ import annotations

import datetime
import json
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "test-artifacts" / "hardening-figures.json"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def record_figure(key: str, value) -> None:
    """Merge one figure into the run's figures file (read by whoever writes docs/reliability.md)."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    try:
        figures = json.loads(FIGURES.read_text())
    except (OSError, ValueError):
        figures = {}
    figures[key] = value
    FIGURES.write_text(json.dumps(figures, indent=2, sort_keys=True, ensure_ascii=False))


@pytest.fixture(autouse=True)
def _fast_passwords_and_private_media(settings, tmp_path):
    # PBKDF2 at full strength costs ~0.3 s per persona; the hasher is not what is under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _own_event_channel(settings):
    """Publish this run's events on a channel of its own (other test runs share the Redis server)."""
    settings.EVENTS_REDIS_CHANNEL = f"command-center:hardening:{uuid.uuid4().hex[:12]}"


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def world(office, leader, member, other_member, admin_user):
    """One of each object a URL can name: warnings, a response, tasks of two units, attachments, a proposal."""
    from rest_framework.authtoken.models import Token

    from alerts.services import alert_create
    from feeds import services as feeds_services
    from feeds.choices import Provider
    from responses.models import Attachment, Response, TaskAssignment
    from responses.services import assignment_complete

    yellow = alert_create(actor=office, level="yellow", reason="AQI 210 forecast for tomorrow")
    pending = alert_create(actor=office, level="red", reason="proposed red")
    response = Response.objects.get(alert=yellow)
    own = TaskAssignment.objects.filter(response=response, unit=member.unit).order_by("id").first()
    theirs = TaskAssignment.objects.filter(response=response, unit=other_member.unit).order_by("id").first()
    assignment_complete(assignment=own, actor=member, report="done: schools told", files=[png("own.png")])
    assignment_complete(assignment=theirs, actor=other_member, report="done: patrols out", files=[png("theirs.png")])
    own_open = TaskAssignment.objects.filter(response=response, unit=member.unit, status="assigned").first()
    start = timezone.localdate() + datetime.timedelta(days=30)
    days = [{"date": start + datetime.timedelta(days=i), "aqi": a, "primary_pollutants": ["pm2_5"]}
            for i, a in enumerate([160, 170, 180, 175, 90])]
    forecast, proposal, _ = feeds_services.forecast_create(
        source="hardening", provider=Provider.PUSH, issued_at=timezone.now(), days=days, actor=office
    )
    assert proposal is not None, "three days above 150 call for a proposal"
    Token.objects.get_or_create(user=member)
    return {
        "yellow": yellow,
        "pending": pending,
        "response": response,
        "own": own,
        "own_open": own_open,
        "theirs": theirs,
        "own_file": Attachment.objects.get(update__assignment=own),
        "theirs_file": Attachment.objects.get(update__assignment=theirs),
        "forecast": forecast,
        "proposal": proposal,
    }



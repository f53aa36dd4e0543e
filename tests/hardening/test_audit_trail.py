"""Section 14: the audit trail and the event log cannot be changed or deleted, by the app or in the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve

from events.models import AuditEntry, Event
from tests.hardening.routes import all_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(world):
    entry = AuditEntry.objects.filter(target_type="alert", target_id=world["yellow"].pk).first()
    event = Event.objects.order_by("id").first()
    assert entry is not None and event is not None
    return {"entry": entry, "event": event, "world": world}


def _unchanged(trail) -> None:
    entry, event = trail["entry"], trail["event"]
    fresh = AuditEntry.objects.get(pk=entry.pk)
    assert (fresh.action, fresh.comment, fresh.to_state, fresh.actor_id) == (entry.action, entry.comment, entry.to_state, entry.actor_id)
    assert Event.objects.get(pk=event.pk).payload == event.payload


def test_the_model_refuses_to_save_an_existing_entry_or_delete_one(trail):
    entry = trail["entry"]
    entry.comment = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    entry.refresh_from_db()
    _unchanged(trail)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events_auditentry SET comment = 'rewritten' WHERE id = %(entry)s",
        "UPDATE events_auditentry SET actor_id = NULL",
        "DELETE FROM events_auditentry WHERE id = %(entry)s",
        "DELETE FROM events_auditentry",
        "UPDATE events_event SET payload = '{}'::jsonb WHERE id = %(event)s",
        "DELETE FROM events_event WHERE id = %(event)s",
        "DELETE FROM events_event",
    ],
)
def test_the_database_refuses_update_and_delete_in_raw_sql(trail, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, {"entry": trail["entry"].pk, "event": trail["event"].pk})
    _unchanged(trail)


def test_querysets_that_bypass_the_model_are_refused_by_the_database(trail):
    for attempt in (
        lambda: AuditEntry.objects.filter(pk=trail["entry"].pk).update(comment="rewritten"),
        lambda: AuditEntry.objects.all().delete(),
        lambda: Event.objects.filter(pk=trail["event"].pk).update(type="forged"),
        lambda: Event.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic():
                attempt()
    _unchanged(trail)
    # Appending still works: the trigger refuses only UPDATE and DELETE.
    with transaction.atomic():
        AuditEntry.objects.create(action="probe", target_type="alert", target_id=0)


def test_the_admin_shows_the_trail_read_only(trail, admin_user):
    entry = trail["entry"]
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/events/auditentry/").status_code == 200
    view = client.get(f"/admin/events/auditentry/{entry.pk}/change/")
    assert view.status_code == 200 and 'name="comment"' not in view.content.decode()  # shown, not editable
    assert client.post(f"/admin/events/auditentry/{entry.pk}/change/", {"comment": "rewritten"}).status_code == 403
    assert client.get(f"/admin/events/auditentry/{entry.pk}/delete/").status_code == 403
    assert client.post(f"/admin/events/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/events/auditentry/add/").status_code == 403
    bulk = client.post("/admin/events/auditentry/", {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert bulk.status_code == 200  # the list again: the admin offers no delete action, so none runs
    # The event log has no admin at all.
    assert client.get("/admin/events/event/").status_code == 404
    _unchanged(trail)


def test_no_url_of_the_api_writes_the_trail_or_the_event_log(trail, office, leader, admin_user, api_as):
    """The API reads the trail (a warning's history, the event catch-up) and nothing more."""
    alert = trail["world"]["yellow"]
    for route in all_routes():
        if not route.route.startswith("admin/"):  # the admin's read-only views are tested above
            assert "audit" not in route.route.lower(), route.route
    for path in (f"/api/alerts/{alert.pk}/history/", "/api/events/"):
        match = resolve(path)
        assert match is not None
        for user in (office, leader, admin_user):
            client = api_as(user)
            assert client.get(path).status_code == 200
            for method in ("post", "put", "patch", "delete"):
                assert getattr(client, method)(path, {}, format="json").status_code == 405, (method, path)
    for path in ("/api/audit/", "/api/auditentries/", "/api/events/1/", f"/api/alerts/{alert.pk}/history/1/"):
        with pytest.raises(Resolver404):
            resolve(path)
    _unchanged(trail)

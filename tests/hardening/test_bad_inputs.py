"""Regression tests for the bad inputs schemathesis and the hostile-text run found (each was a 500)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from alerts.models import Alert
from alerts.services import alert_create
from feeds.models import Forecast

pytestmark = pytest.mark.django_db

# Python accepts UTC offsets up to ±23:59; PostgreSQL refuses past ±15:59. The instants are two days
# ahead of the clock, so that a warning may end then whatever day the suite runs.
EXTREME_OFFSETS = ["+19:37", "-22:39"]
OUT_OF_RANGE = "0001-01-01T00:00+23:59"  # before the year 1 once in UTC
RANGE_MESSAGE = "Enter a date and time between the years 1 and 9999."


def _in_two_days(offset: str) -> str:
    return (timezone.now() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M") + offset


@pytest.mark.parametrize("offset", EXTREME_OFFSETS)
def test_the_warning_list_filters_take_any_offset(office, api_as, offset):
    alert_create(actor=office, level="yellow", reason="filtered")
    value = _in_two_days(offset)
    after = api_as(office).get("/api/alerts/", {"created_after": value})
    before = api_as(office).get("/api/alerts/", {"created_before": value})
    assert (after.status_code, after.json()["count"]) == (200, 0)
    assert (before.status_code, before.json()["count"]) == (200, 1)


@pytest.mark.parametrize("name", ["created_after", "created_before"])
def test_a_warning_list_filter_before_the_year_1_is_a_400(office, api_as, name):
    answer = api_as(office).get("/api/alerts/", {name: OUT_OF_RANGE})
    assert answer.status_code == 400
    assert answer.json() == {name: [RANGE_MESSAGE]}


@pytest.mark.parametrize("offset", EXTREME_OFFSETS)
def test_the_forms_take_any_offset(office, offset):
    client = Client()
    client.force_login(office)
    value = _in_two_days(offset)
    answer = client.post("/alerts/new/", {"level": "yellow", "reason": "offset", "confirm": "on", "ends_at": value})
    alert = Alert.objects.get(reason="offset")
    assert (answer.status_code, answer["Location"]) == (302, f"/alerts/{alert.pk}/")
    answer = client.post("/feeds/forecasts/new/", {
        "source": "offset", "issued_at": value, "days-TOTAL_FORMS": "1", "days-INITIAL_FORMS": "0",
        "days-0-date": "2026-12-01", "days-0-aqi": "50",
    })
    assert (answer.status_code, answer["Location"]) == (302, "/feeds/proposals/")
    assert Forecast.objects.filter(source="offset").count() == 1


def test_the_forms_refuse_a_time_before_the_year_1_with_a_message(office):
    client = Client()
    client.force_login(office)
    answer = client.post("/alerts/new/", {"level": "yellow", "reason": "offset", "confirm": "on", "ends_at": OUT_OF_RANGE})
    assert answer.status_code == 200
    assert answer.context["form"].errors == {"ends_at": [RANGE_MESSAGE]}
    answer = client.post("/feeds/forecasts/new/", {
        "source": "offset", "issued_at": OUT_OF_RANGE, "days-TOTAL_FORMS": "1", "days-INITIAL_FORMS": "0",
        "days-0-date": "2026-12-01", "days-0-aqi": "50",
    })
    assert answer.status_code == 200
    assert answer.context["form"].errors == {"issued_at": [RANGE_MESSAGE]}
    assert not Alert.objects.filter(reason="offset").exists()
    assert not Forecast.objects.filter(source="offset").exists()


def test_an_extreme_offset_keeps_the_instant(office):
    client = Client()
    client.force_login(office)
    client.post("/alerts/new/", {"level": "yellow", "reason": "offset", "confirm": "on", "ends_at": "2099-01-01T19:37+19:37"})
    alert = Alert.objects.get(reason="offset")
    assert alert.ends_at.isoformat() == "2099-01-01T00:00:00+00:00"


@pytest.mark.parametrize("when", ["0754-11-14T07:14:56Z", "2100-01-01T00:00:00Z", "1999-12-31T23:59:59Z"])
def test_api_warning_times_outside_our_time_are_a_400(office, api_as, when):
    answer = api_as(office).post("/api/alerts/", {"level": "yellow", "reason": "r", "starts_at": when}, format="json")
    assert answer.status_code == 400 and "starts_at" in answer.json()


@pytest.mark.parametrize("pk", ["7%17%C2%8F", "0.5", "-1", "99999999999999999999999"])
def test_malformed_ids_in_api_paths_are_a_json_404(office, api_as, pk):
    for path in (f"/api/responses/{pk}/summary/", f"/api/alerts/{pk}/", f"/api/assignments/{pk}/acknowledge/"):
        client = api_as(office)
        answer = client.post(path) if path.endswith("acknowledge/") else client.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
        assert answer["Content-Type"] == "application/json" and "detail" in answer.json()


def test_pages_keep_their_html_404(office):
    client = Client()
    client.force_login(office)
    answer = client.get("/alerts/no-such-page/")
    assert answer.status_code == 404 and "text/html" in answer["Content-Type"]

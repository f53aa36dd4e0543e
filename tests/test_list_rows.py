"""The lists' rows worked out once per page (issue 13 §4): the same links and labels as the template's own
``{% url %}`` and ``get_*_display`` gave, in both languages."""

import pytest
from django.urls import reverse
from django.utils import translation

from foundation.urls import pk_url

pytestmark = pytest.mark.django_db


def test_a_route_reversed_once_gives_each_row_the_url_reverse_gives():
    for name in ("alerts:detail", "responses:summary", "responses:summary-csv"):
        url = pk_url(name)
        for pk in (1, 42, 2147483646):
            assert url(pk) == reverse(name, args=[pk])


def test_the_lists_rows_carry_the_labels_links_and_times_of_each_row(client, office, leader):
    from alerts.services import alert_create
    from foundation.display import when

    alert = alert_create(actor=leader, level="yellow", reason="rows")
    response = alert.responses.get()
    client.force_login(office)
    seen = set()
    for language in ("zh-hans", "en"):
        alerts_page = client.get("/alerts/", HTTP_ACCEPT_LANGUAGE=language)
        responses_page = client.get("/responses/", HTTP_ACCEPT_LANGUAGE=language)
        with translation.override(alerts_page.wsgi_request.LANGUAGE_CODE):
            row = alerts_page.context["alerts"][0]
            assert (row.level_label, row.url) == (alert.get_level_display(), reverse("alerts:detail", args=[alert.pk]))
            assert (row.status_label, row.issued_text, row.lifted_text) == (
                alert.get_status_display(), when(alert.issued_at), "—")
            row = responses_page.context["responses"][0]
            assert (row.level_label, row.status_label, row.started_text, row.ended_text) == (
                response.get_level_display(), response.get_status_display(), when(response.started_at), "—")
            assert (row.summary_url, row.alert_url) == (
                reverse("responses:summary", args=[response.pk]), reverse("alerts:detail", args=[alert.pk]))
            assert row.alert_label == f"{alert.get_level_display()} #{alert.pk}"
            seen.add(row.level_label)
    assert len(seen) == 2  # one label in each language: both were rendered


def test_an_api_lists_count_is_exact_up_to_the_cap_then_a_floor_and_next_still_leads_to_the_end(
    api_as, office, leader, settings
):
    """``API_EXACT_COUNT`` (issue 13 §4): no page of a list pays a COUNT(*) of years of rows."""
    from django.core.cache import cache

    from alerts.services import alert_create, alert_lift

    for i in range(4):
        alert = alert_create(actor=leader, level="yellow", reason=f"count {i}")
        alert_lift(alert=alert, actor=leader, reason="done")
    settings.API_EXACT_COUNT = 2
    api = api_as(office)
    assert api.get("/api/alerts/?limit=1").json()["count"] == 3  # more than 2 follow: offset 0 + 2 + 1
    assert api.get("/api/alerts/?limit=1&offset=2").json()["count"] == 4  # exactly 2 follow offset 2
    last = api.get("/api/alerts/?limit=1&offset=3").json()
    assert (last["count"], last["next"], len(last["results"])) == (4, None, 1)
    beyond = api.get("/api/alerts/?limit=1&offset=9").json()
    assert (beyond["count"], beyond["results"]) == (4, [])  # past the end: the true count
    seen, url = [], "/api/alerts/?limit=1"
    while url:
        page = api.get(url).json()
        seen += [a["id"] for a in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 4
    settings.API_EXACT_COUNT = 1000
    cache.clear()  # the shared answer of the first request (events.shared) was built with the cap of 2
    assert api.get("/api/alerts/?limit=1").json()["count"] == 4

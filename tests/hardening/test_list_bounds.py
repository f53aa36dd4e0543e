"""Every list is bounded, and a page that cannot be is a 400 (issue 12 item 11).

``GET /api/assignments/?limit=99999999999999999999`` was a 500 (bigint out of range) and
``limit=1000000000`` returned whole tables. The lists are found by walking the URL configuration,
so a new list endpoint is checked without being named here.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import resolve
from django.utils.translation import gettext

from alerts.services import alert_create
from foundation.pagination import MAX_OFFSET
from tests.hardening.routes import all_routes

pytestmark = pytest.mark.django_db

def _message(low, high):
    """The refusal, in the language the API answers in by default (Simplified Chinese)."""
    return gettext("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}


BAD_NUMBERS = ["99999999999999999999", "abc", "-1", "1.5", "1e3", "", " ", "１０", "0x10", "9" * 400]


def _paginated_api_lists() -> list[str]:
    """Paths of every API list without path parameters whose view paginates its GET."""
    paths = []
    for route in all_routes():
        if not route.route.startswith("api/") or route.params:
            continue
        path = route.path({})
        view = resolve(path).func
        cls = getattr(view, "cls", None)
        actions = getattr(view, "actions", None) or {}
        if cls is None or getattr(cls, "pagination_class", None) is None:
            continue
        if actions.get("get") == "list" or (not actions and hasattr(cls, "list")):
            paths.append(path)
    return paths


def test_the_walk_finds_every_list_of_the_api():
    assert set(_paginated_api_lists()) >= {
        "/api/alerts/", "/api/assignments/", "/api/responses/", "/api/events/", "/api/proposals/",
    }


@pytest.fixture
def some_tasks(office):
    alert_create(actor=office, level="yellow", reason="a page of tasks")


@pytest.mark.parametrize("path", _paginated_api_lists())
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_a_limit_that_is_not_a_whole_number_in_range_is_a_400(office, api_as, path, value):
    # The refusal comes before any row is read (the issue's own example, with tasks in the table, is below).
    answer = api_as(office).get(path, {"limit": value})
    maximum = 1000 if path == "/api/events/" else 500
    assert answer.status_code == 400, (path, value, answer.status_code)
    assert answer.json() == {"limit": [_message(1, maximum)]}


@pytest.mark.parametrize("path", _paginated_api_lists())
@pytest.mark.parametrize("value", BAD_NUMBERS + [str(MAX_OFFSET + 1)])
def test_an_offset_that_is_not_a_whole_number_in_range_is_a_400(office, api_as, path, value):
    answer = api_as(office).get(path, {"offset": value})
    assert answer.status_code == 400, (path, value, answer.status_code)
    assert answer.json() == {"offset": [_message(0, MAX_OFFSET)]}


@pytest.mark.parametrize("path", _paginated_api_lists())
def test_a_limit_above_the_maximum_page_is_a_400_and_the_maximum_is_served(office, api_as, settings, path):
    client = api_as(office)
    assert client.get(path, {"limit": "1000000000"}).status_code == 400
    maximum = 1000 if path == "/api/events/" else settings.API_MAX_PAGE_SIZE
    assert client.get(path, {"limit": str(maximum + 1)}).status_code == 400
    assert client.get(path, {"limit": str(maximum)}).status_code == 200
    assert client.get(path, {"limit": "1", "offset": str(MAX_OFFSET)}).json()["results"] == []


def test_the_issue_example_assignments_limit_beyond_bigint_is_a_400(office, api_as, some_tasks):
    answer = api_as(office).get("/api/assignments/", {"limit": "99999999999999999999"})
    assert answer.status_code == 400
    assert answer.json() == {"limit": [_message(1, 500)]}
    assert _message(1, 500) == "请填写 1 到 500 之间的整数。"


def test_no_list_answers_more_than_its_page(office, api_as, some_tasks, settings):
    settings.API_MAX_PAGE_SIZE = 5
    answer = api_as(office).get("/api/assignments/", {"limit": "5"})
    assert answer.status_code == 200 and len(answer.json()["results"]) == 5 and answer.json()["count"] > 5
    assert api_as(office).get("/api/assignments/", {"limit": "6"}).status_code == 400


def test_the_default_page_is_page_size(office, api_as, some_tasks, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 3}
    answer = api_as(office).get("/api/assignments/")
    assert answer.status_code == 200 and len(answer.json()["results"]) == 3


@pytest.mark.parametrize("path", ["/alerts/", "/responses/", "/reductions/"])
@pytest.mark.parametrize("value", ["abc", "0", "-1", "99999999999999999999", "1.5", "１"])
def test_the_html_lists_answer_400_for_a_page_that_cannot_be(office, path, value):
    from reductions.models import ListVersion

    ListVersion.objects.create(year=2026, title="2026年度应急减排清单")
    client = Client()
    client.force_login(office)
    assert client.get(path, {"page": value}).status_code == 400
    assert client.get(path, {"page": "1"}).status_code == 200


@pytest.mark.parametrize("path", ["/alerts/", "/responses/"])
def test_the_html_lists_serve_the_last_page_for_a_page_beyond_it(office, path):
    client = Client()
    client.force_login(office)
    alert_create(actor=office, level="yellow", reason="one")
    answer = client.get(path, {"page": "7"})
    assert answer.status_code == 200 and answer.context["page"].number == 1

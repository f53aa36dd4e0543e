"""JSON nested too deeply is a 400 on every endpoint that reads a body (issue 12 item 12).

About 950 levels in ``POST /api/alerts/`` or ``/api/forecasts/`` was a 500 (RecursionError). The
endpoints are found by walking the URL configuration, so a new one is checked without being named.
"""

from __future__ import annotations

import json

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve
from django.utils.translation import gettext

from feeds.models import Forecast
from feeds.providers import FeedError, decode_json
from foundation.parsers import MAX_JSON_DEPTH, json_depth
from tests.hardening.routes import all_routes

pytestmark = pytest.mark.django_db

DEEP_OBJECT = '{"level": "yellow", "reason": ' + '{"a": ' * 950 + "1" + "}" * 950 + "}"
DEEP_ARRAY = "[" * 950 + "]" * 950
# The endpoints that take a POST without reading its body: they answer as they would to {}.
TOO_DEEP = gettext("The JSON is nested more than %(depth)s levels deep.") % {"depth": MAX_JSON_DEPTH}
BODY_UNREAD = {"api/^assignments/(?P<pk>[^/.]+)/acknowledge/$"}


def _post_routes():
    routes = []
    for route in all_routes():
        if not route.route.startswith("api/"):
            continue
        view = resolve(route.path({"pk": 1})).func
        actions = getattr(view, "actions", None)
        posts = "post" in actions if actions else hasattr(getattr(view, "cls", None), "post")
        if posts:
            routes.append(route)
    return routes


def _actor(route, world, office, leader, member):
    text = route.route
    if "approve" in text or "reject" in text:
        return leader, world["pending"].pk
    if "assignments" in text and "return" not in text:
        return member, world["own_open"].pk
    if "assignments" in text:
        return office, world["own"].pk
    if "proposals" in text:
        return office, world["proposal"].pk
    return office, world["yellow"].pk


def test_the_walk_finds_the_body_endpoints_of_the_issue():
    found = {r.route for r in _post_routes()}
    assert {"api/^alerts/$", "api/forecasts/", "api/^assignments/(?P<pk>[^/.]+)/progress/$"} <= found


@pytest.mark.parametrize("body", [DEEP_OBJECT, DEEP_ARRAY], ids=["object", "array"])
def test_every_json_endpoint_answers_400_to_json_nested_950_deep(world, office, leader, member, api_as, body):
    answers = {}
    for route in _post_routes():
        actor, pk = _actor(route, world, office, leader, member)
        answer = api_as(actor).generic("POST", route.path({"pk": pk}), body, content_type="application/json")
        answers[route.route] = (answer.status_code, answer.content)
    for route, (code, content) in answers.items():
        if route in BODY_UNREAD:
            assert code == 200, (route, code, content)
        elif route == "api/forecasts/csv/":
            assert code == 415, (route, code, content)  # it reads CSV files, never JSON
        else:
            assert code == 400, (route, code, content)
            assert json.loads(content) == {"detail": TOO_DEEP}, (route, content)


def test_the_issue_examples_alerts_and_forecasts(office, api_as):
    client = api_as(office)
    for path in ("/api/alerts/", "/api/forecasts/"):
        answer = client.generic("POST", path, DEEP_OBJECT, content_type="application/json")
        assert answer.status_code == 400
        assert answer.json() == {"detail": TOO_DEEP} == {"detail": "JSON 嵌套超过 32 层。"}
    assert not Forecast.objects.exists()


def test_json_as_deep_as_the_limit_is_read_as_usual(office, api_as):
    reason = "x"
    body = '{"level": "yellow", "reason": "r", "basis": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"
    assert json_depth(body) == MAX_JSON_DEPTH
    answer = api_as(office).generic("POST", "/api/alerts/", body, content_type="application/json")
    assert answer.status_code == 400 and "basis" in answer.json()  # read, then refused by the serializer: not a string
    answer = api_as(office).post("/api/alerts/", {"level": "yellow", "reason": reason}, format="json")
    assert answer.status_code == 201


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"reason": "[" * 5000 + '\\"{{{' + "]" * 10, "n": [1, [2]]})
    assert json_depth(text) == 3  # the object, "n", and the list inside it


def test_a_feed_answer_nested_950_deep_is_a_feed_error():
    request = httpx.Request("GET", "https://feed.example/")
    answer = httpx.Response(200, content=('{"hourly": ' + DEEP_ARRAY + "}").encode(), request=request,
                            headers={"content-type": "application/json"})
    with pytest.raises(FeedError, match="nested more than"):
        decode_json(answer)
    failed = httpx.Response(500, content=DEEP_ARRAY.encode(), request=request)
    with pytest.raises(FeedError, match="HTTP 500$"):
        decode_json(failed)


@pytest.mark.parametrize(
    "content",
    [b"date,aqi\r2026-12-01,160\r2026-12-02\r,170\r", b"date,aqi\n2026-12-01,1\r6\n"],
    ids=["old-mac-newlines", "carriage-return-in-a-field"],
)
def test_a_csv_push_with_stray_carriage_returns_is_never_a_500(office, api_as, content):
    upload = SimpleUploadedFile("f.csv", content, content_type="text/csv")
    answer = api_as(office).post("/api/forecasts/csv/", {"file": upload, "source": "csv"}, format="multipart")
    assert answer.status_code == 400, answer.content
    assert not Forecast.objects.exists()


def test_a_csv_push_with_old_mac_newlines_is_read(office, api_as):
    upload = SimpleUploadedFile("f.csv", b"date,aqi\r2026-12-01,60\r2026-12-02,70\r", content_type="text/csv")
    answer = api_as(office).post("/api/forecasts/csv/", {"file": upload, "source": "csv"}, format="multipart")
    assert answer.status_code == 201, answer.content
    assert [d["aqi"] for d in Forecast.objects.get().days] == [60, 70]

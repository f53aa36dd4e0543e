"""Feeds API: forecasts pushed as JSON or CSV, proposals listed and dismissed, the public AQI calculator."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events.models import AuditEntry
from feeds import services
from feeds.choices import ProposalStatus, Provider
from feeds.models import Forecast, Proposal
from units.models import User

URL = "/api/forecasts/"


def days(aqis, start=datetime.date(2026, 12, 8)):
    return [{"date": (start + datetime.timedelta(days=i)).isoformat(), "aqi": a} for i, a in enumerate(aqis)]


def payload(aqis, **extra):
    return {"source": "市级会商", "issued_at": "2026-12-07T16:00:00+08:00", "days": days(aqis), **extra}


@pytest.fixture
def feed_client(roster):
    """The push account, made as the brief says (`add_user feed --role office`), calling with its token."""
    call_command("add_user", "feed", "--role", "office", stdout=open("/dev/null", "w"))
    token = Token.objects.create(user=User.objects.get(username="feed"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_posting_a_forecast_gives_the_proposal_the_criteria_call_for(feed_client):
    answer = feed_client.post(URL, payload([120, 160, 170, 165, 90]), format="json")

    assert answer.status_code == 201, answer.content
    body = answer.json()
    evaluation = body["evaluation"]
    assert evaluation["level"] == "orange" and evaluation["lift"] is False
    assert evaluation["criteria"] == "环大气〔2024〕6号"
    assert evaluation["days"][1] == {
        "date": "2026-12-09", "aqi": 160, "category": "中度污染", "category_en": "Moderately polluted",
        "colour": "#FF0000", "primary_pollutants": [],
    }
    assert body["proposal"]["level"] == "orange" and body["proposal"]["status"] == "open"
    assert body["proposal_created"] is True
    forecast = Forecast.objects.get(pk=body["id"])
    assert forecast.provider == Provider.PUSH and forecast.created_by.username == "feed"
    assert AuditEntry.objects.filter(target_type="forecast", target_id=forecast.pk, action="enter_forecast").exists()


def test_concentrations_are_turned_into_daily_aqi(feed_client):
    day = {"date": "2026-12-08", "pm2_5": 128, "pm10": 172.8, "o3_8h": 36, "no2": 61, "so2": 11, "co": 1.5}
    answer = feed_client.post(URL, {"source": "model", "issued_at": "2026-12-07T16:00:00+08:00", "days": [day]}, format="json")
    assert answer.status_code == 201, answer.content
    [row] = answer.json()["evaluation"]["days"]
    assert (row["aqi"], row["primary_pollutants"], row["category"]) == (169, ["pm2_5"], "中度污染")
    assert Forecast.objects.get().days[0]["iaqi"]["pm2_5"] == 169


def test_the_2012_standard_can_be_asked_for(feed_client):
    day = {"date": "2026-12-08", "pm2_5": 70, "pm10": 50, "o3_8h": 36, "no2": 20, "so2": 5, "co": 0.5}
    answer = feed_client.post(URL, {**payload([]), "days": [day], "standard": "2012"}, format="json")
    assert answer.json()["evaluation"]["days"][0]["aqi"] == 94  # 2026 would give 110


def test_a_bad_payload_answers_400_with_field_errors_and_stores_nothing(feed_client):
    bad = {
        "issued_at": "yesterday",
        "days": [
            {"date": "2026-12-08", "aqi": 501},
            {"date": "2026-12-09", "aqi": 160, "pm2_5": 120},
            {"date": "2026-12-10", "pm2_5": 120},
            {"date": "not a date", "aqi": 10},
            {"date": "2026-12-12", "pm2_5": -1, "pm10": 1, "o3_8h": 1, "no2": 1, "so2": 1, "co": 1},
            {"date": "2026-12-13", "pm2_5": 2500, "pm10": 1, "o3_8h": 1, "no2": 1, "so2": 1, "co": 1},
        ],
    }
    answer = feed_client.post(URL, bad, format="json")

    assert answer.status_code == 400
    errors = answer.json()
    assert set(errors) >= {"source", "issued_at", "days"}
    d = errors["days"]
    assert "aqi" in d["0"] if isinstance(d, dict) else "aqi" in d[0]
    by_index = d if isinstance(d, dict) else {str(i): e for i, e in enumerate(d)}
    assert "pm2_5" in by_index["1"]
    assert {"pm10", "o3_8h", "no2", "so2", "co"} <= set(by_index["2"])
    assert "date" in by_index["3"]
    assert "pm2_5" in by_index["4"]
    assert "2000" in by_index["5"]["pm2_5"][0]  # the plausible maximum, in any language
    assert not Forecast.objects.exists() and not Proposal.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"source": "x", "issued_at": "2026-12-07T16:00:00+08:00", "days": []}, "days"),
        ({"source": "x", "issued_at": "2026-12-07T16:00:00+08:00", "days": days([100]) * 2}, "days"),
        ({"source": "x", "issued_at": "2026-12-07T16:00:00+08:00", "days": [{"date": "2026-12-08"}]}, "days"),
        ({"source": "x" * 61, "issued_at": "2026-12-07T16:00:00+08:00", "days": days([100])}, "source"),
        ({"source": "x", "issued_at": "2026-12-07T16:00:00+08:00", "days": days([100]), "standard": "2020"}, "standard"),
    ],
    ids=["no days", "a date twice", "neither aqi nor concentrations", "source too long", "unknown standard"],
)
def test_more_bad_payloads_are_refused(feed_client, body, field):
    answer = feed_client.post(URL, body, format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.content
    assert not Forecast.objects.exists()


def test_nan_in_json_is_refused(feed_client):
    text = json.dumps(payload([100])).replace('"aqi": 100', '"aqi": NaN')
    answer = feed_client.post(URL, text, content_type="application/json")
    assert answer.status_code == 400
    assert not Forecast.objects.exists()


def test_a_csv_upload_is_evaluated_like_json(feed_client):
    csv_text = "date,aqi\n2026-12-08,160\n2026-12-09,170\n\n2026-12-10,165\n"
    upload = SimpleUploadedFile("forecast.csv", ("\ufeff" + csv_text).encode(), content_type="text/csv")
    answer = feed_client.post(URL + "csv/", {"file": upload, "source": "市级会商"}, format="multipart")
    assert answer.status_code == 201, answer.content
    assert answer.json()["evaluation"]["level"] == "orange"
    assert [d["aqi"] for d in Forecast.objects.get().days] == [160, 170, 165]


def test_a_csv_of_concentrations_is_accepted(feed_client):
    csv_text = "date,pm2_5,pm10,o3_8h,no2,so2,co\n2026-12-08,128,172.8,36,61,11,1.5\n"
    upload = SimpleUploadedFile("f.csv", csv_text.encode(), content_type="text/csv")
    answer = feed_client.post(URL + "csv/", {"file": upload, "source": "model"}, format="multipart")
    assert answer.status_code == 201, answer.content
    assert answer.json()["evaluation"]["days"][0]["aqi"] == 169


@pytest.mark.parametrize(
    "csv_text, field",
    [
        ("date,aqi\n2026-12-08,abc\n", "days"),
        ("date,aqi\n2026-12-08,nan\n", "days"),
        ("day,aqi\n2026-12-08,100\n", "file"),
        ("date,aqi,pm25\n2026-12-08,100,5\n", "file"),
        ("date,pm2_5\n2026-12-08,inf\n", "days"),
    ],
    ids=["not a number", "nan", "no date column", "unknown column", "infinite"],
)
def test_a_bad_csv_answers_400_and_stores_nothing(feed_client, csv_text, field):
    upload = SimpleUploadedFile("f.csv", csv_text.encode(), content_type="text/csv")
    answer = feed_client.post(URL + "csv/", {"file": upload, "source": "x"}, format="multipart")
    assert answer.status_code == 400 and field in answer.json(), answer.content
    assert not Forecast.objects.exists()


def test_only_the_office_and_feed_accounts_may_post_forecasts(api_as, leader, member, office):
    assert api_as(leader).post(URL, payload([100]), format="json").status_code == 403
    assert api_as(member).post(URL, payload([100]), format="json").status_code == 403
    anonymous = api_as(None).post(URL, payload([100]), format="json")
    assert (anonymous.status_code, anonymous.json()) == (403, {"detail": "身份认证信息未提供。"})
    assert api_as(office).post(URL, payload([100]), format="json").status_code == 201


def _proposal(aqis, start):
    rows = [{"date": start + datetime.timedelta(days=i), "aqi": a} for i, a in enumerate(aqis)]
    return services.forecast_create(source="t", provider=Provider.PUSH, issued_at=timezone.now(), days=rows)[1]


def test_proposals_are_listed_and_filtered_for_office_and_leaders(api_as, office, leader, member):
    orange = _proposal([160, 170, 165], datetime.date(2026, 12, 8))
    yellow = _proposal([210, 90, 90], datetime.date(2027, 1, 8))
    services.proposal_dismiss(proposal=yellow, actor=office)

    answer = api_as(leader).get("/api/proposals/?status=open")
    assert answer.status_code == 200
    [row] = answer.json()["results"]
    assert row["id"] == orange.pk and row["kind"] == "issue" and row["level"] == "orange"
    assert row["criteria"] == "环大气〔2024〕6号" and row["basis"]["trigger_days"][0] == "2026-12-08"
    assert [r["id"] for r in api_as(office).get("/api/proposals/?status=dismissed").json()["results"]] == [yellow.pk]
    assert api_as(office).get("/api/proposals/?kind=lift").json()["count"] == 0
    assert api_as(member).get("/api/proposals/").status_code == 403


def test_listing_proposals_takes_the_same_queries_for_one_or_many(api_as, office):
    client = api_as(office)
    _proposal([160, 170, 165], datetime.date(2026, 12, 8))
    client.get("/api/proposals/")  # warm the user's permission cache
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/proposals/").json()["count"] == 1
    for i in range(4):
        _proposal([210, 90, 90], datetime.date(2027, 1, 1) + datetime.timedelta(days=10 * i))
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/proposals/").json()["count"] == 5
    assert len(many) == len(one)


def test_office_dismisses_a_proposal_and_leaders_cannot(api_as, office, leader):
    proposal = _proposal([160, 170, 165], datetime.date(2026, 12, 8))
    assert api_as(leader).post(f"/api/proposals/{proposal.pk}/dismiss/", {}, format="json").status_code == 403

    answer = api_as(office).post(f"/api/proposals/{proposal.pk}/dismiss/", {"reason": "会商意见不同"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == ProposalStatus.DISMISSED
    assert api_as(office).post(f"/api/proposals/{proposal.pk}/dismiss/", {}, format="json").status_code == 200  # no-op


def test_dismissing_an_accepted_proposal_is_a_conflict(api_as, office):
    proposal = _proposal([210, 90, 90], datetime.date(2026, 12, 8))
    services.proposal_act(proposal=proposal, actor=office)
    answer = api_as(office).post(f"/api/proposals/{proposal.pk}/dismiss/", {}, format="json")
    assert answer.status_code == 409


def test_the_aqi_calculator_is_public_and_follows_hj_633(db):
    client = APIClient()
    answer = client.get("/api/aqi/", {"pm2_5": 128, "pm10": 172.8, "o3_8h": 36, "no2": 61, "so2": 11, "co": 1.5})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["aqi"], body["category"], body["primary_pollutants"]) == (169, "中度污染", ["pm2_5"])
    assert body["iaqi"]["pm2_5"] == 169 and body["standard"] == "2026"
    assert client.get("/api/aqi/", {"pm2_5": 70, "pm10": 50, "o3_8h": 36, "no2": 20, "so2": 5, "co": 0.5, "standard": "2012"}).json()["aqi"] == 94


def test_the_aqi_calculator_answers_na_when_pollutants_are_missing_and_air_is_good(db):
    body = APIClient().get("/api/aqi/", {"pm2_5": 20}).json()
    assert body["aqi"] is None and "pm10" in body["missing"]
    assert APIClient().get("/api/aqi/", {"pm2_5": 200}).json()["aqi"] == 250  # above 100: published


@pytest.mark.parametrize(
    "query",
    [{"pm2_5": "abc"}, {"pm2_5": "-1"}, {"pm2_5": "nan"}, {"pm2_5": "inf"}, {"co": "1e9"}, {}, {"pm2_5": "10", "standard": "1999"}],
    ids=["text", "negative", "nan", "inf", "absurd", "nothing", "standard"],
)
def test_the_aqi_calculator_refuses_bad_numbers(db, query):
    answer = APIClient().get("/api/aqi/", query)
    assert answer.status_code == 400, answer.content


def test_the_schema_documents_the_feeds_endpoints(api_as, office):
    answer = api_as(office).get("/api/schema/", {"format": "json"})
    assert answer.status_code == 200
    schema = json.loads(answer.content)
    paths = schema["paths"]
    assert {"/api/forecasts/", "/api/forecasts/csv/", "/api/proposals/", "/api/proposals/{id}/dismiss/", "/api/aqi/"} <= set(paths)
    aqi_params = {p["name"] for p in paths["/api/aqi/"]["get"]["parameters"]}
    assert {"pm2_5", "pm10", "o3_8h", "no2", "so2", "co", "standard"} <= aqi_params
    assert "201" in paths["/api/forecasts/"]["post"]["responses"]
    assert paths["/api/aqi/"]["get"].get("security") in (None, [], [{}])


# --- Issue 15, items 7-10: NA is never 优, ozone is primary once, spreadsheet CSVs ---------

ISSUE_DAY = {"so2": 5, "no2": 10, "co": 0.4, "o3_8h": 801, "pm10": 20, "pm2_5": 10}


def test_the_calculator_answers_na_for_a_2012_ozone_8h_above_800_without_its_1h_value(db):
    """Issue 15 item 7: the issue's query answered AQI 20 优; it is NA and names the missing 1-h O3."""
    answer = APIClient().get("/api/aqi/", {**ISSUE_DAY, "standard": "2012"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["aqi"], body["category"], body["primary_pollutants"]) == (None, "", [])
    assert body["missing"] == ["o3_1h"]


def test_the_calculator_takes_the_2012_ozone_iaqi_from_the_1h_value(db):
    # O3 1 h 820: 300 + 100/200 × 20 = 310.
    body = APIClient().get("/api/aqi/", {**ISSUE_DAY, "o3_1h": 820, "standard": "2012"}).json()
    assert (body["aqi"], body["category"], body["primary_pollutants"]) == (310, "严重污染", ["o3_1h"])


def test_the_calculator_lists_ozone_once_when_its_8h_and_1h_values_tie(db):
    """Issue 15 item 9: O3-8h 170 and O3-1h 220 both give IAQI 110 under 2012."""
    day = {**ISSUE_DAY, "o3_8h": 170, "o3_1h": 220, "standard": "2012"}
    body = APIClient().get("/api/aqi/", day).json()
    assert body["aqi"] == 110 and body["primary_pollutants"] == ["o3_8h"]


def test_the_calculator_refuses_the_1h_ozone_under_2026(db):
    answer = APIClient().get("/api/aqi/", {**ISSUE_DAY, "o3_1h": 820})
    assert answer.status_code == 400 and "o3_1h" in answer.json()


def _day_2012(date="2026-12-08", **values):
    return {"date": date, "pm2_5": 10, "pm10": 20, "no2": 10, "so2": 5, "co": 0.4, "o3_8h": 900, **values}


def test_a_2012_forecast_day_with_ozone_8h_above_800_needs_its_1h_value(feed_client):
    """Issue 15 item 7: a 2012 day with o3_8h 900 was AQI 30 优 and no proposal; now a 400 naming o3_1h."""
    answer = feed_client.post(URL, {**payload([]), "days": [_day_2012()], "standard": "2012"}, format="json")
    assert answer.status_code == 400
    assert "o3_1h" in answer.json()["days"]["0"]
    assert not Forecast.objects.exists() and not Proposal.objects.exists()


def test_a_2012_forecast_of_severe_ozone_proposes_a_warning_from_the_1h_value(feed_client):
    # O3 1 h 1000: IAQI 400 on each of three days: red (> 200 for 3 days, > 300 on one).
    days = [_day_2012(f"2026-12-{8 + i:02d}", o3_1h=1000) for i in range(3)]
    answer = feed_client.post(URL, {**payload([]), "days": days, "standard": "2012"}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert [d["aqi"] for d in body["evaluation"]["days"]] == [400, 400, 400]
    assert body["evaluation"]["days"][0]["primary_pollutants"] == ["o3_1h"]
    assert body["proposal"]["level"] == "red" and body["proposal"]["advisory_only"] is True


def test_a_2026_forecast_refuses_the_1h_ozone(feed_client):
    answer = feed_client.post(URL, {**payload([]), "days": [_day_2012(o3_8h=100, o3_1h=120)]}, format="json")
    assert answer.status_code == 400 and "o3_1h" in answer.json()["days"]["0"]


def test_a_2012_csv_with_ozone_8h_above_800_needs_its_1h_column(feed_client):
    csv_text = "date,pm2_5,pm10,o3_8h,no2,so2,co\n2026-12-08,10,20,900,10,5,0.4\n"
    upload = SimpleUploadedFile("f.csv", csv_text.encode(), content_type="text/csv")
    answer = feed_client.post(URL + "csv/", {"file": upload, "source": "x", "standard": "2012"}, format="multipart")
    assert answer.status_code == 400 and "o3_1h" in answer.json()["days"]["0"]
    upload = SimpleUploadedFile("f.csv", csv_text.replace("co\n", "co,o3_1h\n").replace("0.4\n", "0.4,1000\n").encode())
    answer = feed_client.post(URL + "csv/", {"file": upload, "source": "x", "standard": "2012"}, format="multipart")
    assert answer.status_code == 201, answer.content
    assert answer.json()["evaluation"]["days"][0]["aqi"] == 400


def _post_csv(client, text):
    upload = SimpleUploadedFile("f.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(URL + "csv/", {"file": upload, "source": "市级会商"}, format="multipart")


def test_excel_trailing_empty_columns_are_ignored(feed_client):
    """Issue 15 item 10: `date,aqi,,` was a 400 "无法识别的列：, 。"."""
    answer = _post_csv(feed_client, "date,aqi,,\r\n2026-12-08,160,,\r\n2026-12-09,170,,\r\n,,,\r\n2026-12-10,165,,\r\n")
    assert answer.status_code == 201, answer.content
    assert [d["aqi"] for d in Forecast.objects.get().days] == [160, 170, 165]


def test_a_csv_line_with_more_cells_than_the_header_is_refused_with_its_line(feed_client):
    answer = _post_csv(feed_client, "date,aqi\n2026-12-08,160\n2026-12-09,170,210\n")
    assert answer.status_code == 400
    [message] = answer.json()["file"]
    assert "3" in message and "210" in message
    assert not Forecast.objects.exists()


def test_a_value_under_a_nameless_trailing_column_is_refused(feed_client):
    answer = _post_csv(feed_client, "date,aqi,,\n2026-12-08,160,,\n2026-12-09,170,,pm2_5\n")
    assert answer.status_code == 400
    [message] = answer.json()["file"]
    assert "3" in message and "pm2_5" in message
    assert not Forecast.objects.exists()


def test_a_repeated_header_line_is_refused_with_its_line(feed_client):
    answer = _post_csv(feed_client, "date,aqi\n2026-12-08,160\ndate,aqi\n2026-12-09,170\n")
    assert answer.status_code == 400
    [message] = answer.json()["file"]
    assert "3" in message
    assert not Forecast.objects.exists()


def test_a_column_named_twice_is_refused_not_overridden(feed_client):
    answer = _post_csv(feed_client, "date,aqi,aqi\n2026-12-08,160,90\n")
    assert answer.status_code == 400
    [message] = answer.json()["file"]
    assert "aqi" in message
    assert not Forecast.objects.exists()


def test_a_nameless_column_in_the_middle_is_refused(feed_client):
    answer = _post_csv(feed_client, "date,,aqi\n2026-12-08,x,160\n")
    assert answer.status_code == 400
    [message] = answer.json()["file"]
    assert "2" in message
    assert not Forecast.objects.exists()

"""Feeds pages: who may see them, what the proposals page shows, and the actions on it."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from alerts.models import Alert
from alerts.origins import origin_of
from feeds import services
from feeds.choices import FetchStatus, ProposalStatus, Provider
from feeds.models import Forecast, Proposal

PAGES = ["/feeds/proposals/", "/feeds/forecasts/new/", "/feeds/health/"]


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def propose(aqis, start=datetime.date(2026, 12, 8), weather=None):
    rows = [{"date": start + datetime.timedelta(days=i), "aqi": a, "primary_pollutants": ["pm2_5"]} for i, a in enumerate(aqis)]
    forecast, proposal, _ = services.forecast_create(
        source="市级会商", provider=Provider.PUSH, issued_at=timezone.now(), days=rows, weather=weather
    )
    return forecast, proposal


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_login(db, url):
    answer = Client().get(url)
    assert answer.status_code == 302 and "/login/" in answer["Location"]


@pytest.mark.parametrize("url", PAGES)
def test_unit_members_are_refused(member, url):
    assert login(member).get(url).status_code == 403


def test_leaders_see_proposals_and_health_but_do_not_enter_forecasts(leader):
    client = login(leader)
    assert client.get("/feeds/proposals/").status_code == 200
    assert client.get("/feeds/health/").status_code == 200
    assert client.get("/feeds/forecasts/new/").status_code == 403


def test_the_proposals_page_shows_the_forecast_chart_and_weather_signals(office):
    weather = {
        "2026-12-09": {"wind_ms": 1.1, "rh": 88, "blh_m": 380, "rain_mm": 0.0,
                       "signals": {"static_wind": True, "humid": True, "low_boundary_layer": True, "no_rain": True}},
    }
    _, proposal = propose([120, 160, 170, 165, 90], weather=weather)

    answer = login(office).get("/feeds/proposals/")
    html = answer.content.decode()

    assert answer.status_code == 200
    assert f'id="proposal-{proposal.pk}"' in html
    assert "2026-12-09, 2026-12-10, 2026-12-11" in html  # trigger days
    assert "环大气〔2024〕6号" in html
    # The forecast table: AQI cells coloured by category (classes, no inline style: CSP).
    assert re.search(r'class="aqi aqi-4">\s*160<', html)
    assert re.search(r'class="aqi aqi-3">\s*120<', html)
    assert "style=" not in html.split("<main", 1)[1]
    # The inline SVG bar chart, rendered server-side in the category colours.
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<rect") == 5
    assert 'fill="#FF0000"' in svg and 'fill="#FF7E00"' in svg
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    assert "cdn" not in html.lower()
    # Weather signals of the trigger day.
    assert "signal-static_wind" in html and "signal-low_boundary_layer" in html
    # Office staff propose orange to the leaders, or dismiss.
    assert 'data-action="request-approval"' in html
    assert "/feeds/proposals/%d/dismiss/" % proposal.pk in html


def test_office_issues_a_yellow_warning_from_the_proposals_page(office):
    _, proposal = propose([210, 120, 90])
    client = login(office)
    html = client.get("/feeds/proposals/").content.decode()
    assert f"/feeds/proposals/{proposal.pk}/act/" in html and 'data-action="issue"' in html

    answer = client.post(f"/feeds/proposals/{proposal.pk}/act/", {"comment": "会商一致"})

    assert answer.status_code == 302
    alert = Alert.objects.get()
    assert (alert.level, alert.status, origin_of(alert).proposal) == ("yellow", "issued", proposal.pk)
    assert "会商一致" in alert.reason
    assert Proposal.objects.get().status == ProposalStatus.ACCEPTED


def test_office_requests_orange_approval_from_the_proposals_page(office):
    _, proposal = propose([160, 170, 165])
    login(office).post(f"/feeds/proposals/{proposal.pk}/act/")
    assert Alert.objects.get().status == "pending_approval"


def test_office_dismisses_a_proposal_from_the_page(office):
    _, proposal = propose([160, 170, 165])
    client = login(office)
    answer = client.post(f"/feeds/proposals/{proposal.pk}/dismiss/", {"reason": "会商不同意"})
    assert answer.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DISMISSED
    # Acting on it afterwards is refused with a message, not an error page.
    answer = client.post(f"/feeds/proposals/{proposal.pk}/act/", follow=True)
    assert answer.status_code == 200 and not Alert.objects.exists()


def test_leaders_cannot_act_on_or_dismiss_proposals(leader):
    _, proposal = propose([160, 170, 165])
    client = login(leader)
    assert client.post(f"/feeds/proposals/{proposal.pk}/act/").status_code == 403
    assert client.post(f"/feeds/proposals/{proposal.pk}/dismiss/").status_code == 403


def _entry(rows, **extra):
    data = {
        "source": "区级会商", "issued_at": "2026-12-07T16:00",
        "days-TOTAL_FORMS": "7", "days-INITIAL_FORMS": "0", "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "7",
    }
    for i, (date, aqi, primary) in enumerate(rows):
        data[f"days-{i}-date"] = date
        data[f"days-{i}-aqi"] = aqi
        if primary:
            data[f"days-{i}-primary"] = primary
    data.update(extra)
    return data


def test_office_enters_a_consultation_forecast_by_hand(office):
    client = login(office)
    assert client.get("/feeds/forecasts/new/").status_code == 200

    answer = client.post(
        "/feeds/forecasts/new/",
        _entry([("2026-12-08", "160", "pm2_5"), ("2026-12-09", "170", "pm2_5"), ("2026-12-10", "165", "")]),
    )

    assert answer.status_code == 302, answer.content.decode()[:2000]
    forecast = Forecast.objects.get()
    assert forecast.provider == Provider.MANUAL and forecast.created_by == office
    assert [d["aqi"] for d in forecast.days] == [160, 170, 165]
    assert Proposal.objects.get().level == "orange"


def test_an_incomplete_row_is_shown_back_and_nothing_is_stored(office):
    answer = login(office).post("/feeds/forecasts/new/", _entry([("2026-12-08", "", ""), ("2026-12-09", "600", "")]))
    assert answer.status_code == 200
    assert not Forecast.objects.exists()
    assert answer.context["days"].errors[0] and answer.context["days"].errors[1]


def test_the_health_page_shows_each_source(office):
    services.fetch_record(source="Open-Meteo AQ · 几江街道", station=None, status=FetchStatus.OK, points=120, data_time=timezone.now())
    services.fetch_record(source="Open-Meteo AQ · 几江街道", station=None, status=FetchStatus.ERROR, error="HTTP 500")
    html = login(office).get("/feeds/health/").content.decode()
    assert "Open-Meteo AQ · 几江街道" in html and "HTTP 500" in html
    row = html[html.index('data-source="Open-Meteo AQ · 几江街道"') :]
    assert re.search(r'class="num">1<', row)

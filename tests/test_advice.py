"""Health advice by AQI band and primary pollutant (issue 15, item 6): HJ 633 table 2's words
on the public page, in the CAP instruction and on the unit and wall screens."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts import advice
from feeds import aqi, services
from feeds.choices import Provider
from tests.factories import alert_issue

pytestmark = pytest.mark.basis_rule

# HJ 633(-2012) table 2, 对健康影响情况 and 建议采取的措施, band by band (see alerts/advice.py for the source).
TABLE_2 = {
    1: ("空气质量令人满意，基本无空气污染", "各类人群可正常活动"),
    2: ("空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响", "极少数异常敏感人群应减少户外活动"),
    3: ("易感人群症状有轻度加剧，健康人群出现刺激症状", "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼"),
    4: (
        "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响",
        "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动",
    ),
    5: (
        "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
        "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动",
    ),
    6: (
        "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
        "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
    ),
}
START = datetime.date(2026, 12, 8)


@pytest.mark.parametrize(
    "aqi_value, band",
    [(0, 1), (50, 1), (51, 2), (100, 2), (101, 3), (150, 3), (151, 4), (200, 4), (201, 5), (300, 5), (301, 6), (500, 6)],
)
def test_each_aqi_band_gives_the_words_of_hj_633_table_2(aqi_value, band):
    zh = advice.band_texts(aqi_value, "zh-hans")
    assert (zh["band"], zh["effect"], zh["measures"]) == (band, *TABLE_2[band])
    assert zh["category"] == aqi.category_for(aqi_value)[0]
    en = advice.band_texts(aqi_value, "en")
    assert en["band"] == band and en["effect"] and en["measures"] and en["effect"] != zh["effect"]


def test_the_advice_bands_have_the_bounds_of_the_aqi_categories():
    assert [upper for upper, _e, _m in advice.AQI_BANDS] == [c[0] for c in aqi.CATEGORIES]
    assert [zh for zh, _en in advice.BAND_NAMES] == [c[1] for c in aqi.CATEGORIES]


def test_band_201_to_300_in_english_says_stay_indoors_and_stop_outdoor_exercise():
    assert advice.band_texts(250, "en")["measures"] == (
        "Children, the elderly and people with heart or lung disease should stay indoors and stop outdoor "
        "exercise; everyone else should reduce outdoor exercise."
    )


def test_a_yellow_warning_without_a_forecast_gives_the_201_to_300_advice_not_reduce(office):
    """The issue's example: yellow asked the sensitive only to reduce outdoor activity; AQI 201–300 says stay indoors."""
    alert = alert_issue(actor=office, level="yellow", reason="静稳天气。")
    assert advice.episode(alert) == (201, ())
    health = advice.alert_advice(alert, "zh-hans")["health"]
    assert health[0] == f"健康影响（HJ 633，AQI 201–300 重度污染）：{TABLE_2[5][0]}。"
    assert health[1] == f"建议措施：{TABLE_2[5][1]}。"
    assert "中小学校、幼儿园停止户外体育课、课间操等户外活动。" in health
    assert "儿童、老年人和心脏病、肺病等慢性疾病患者减少户外活动。" not in health  # the old, too weak text


def _alert_from_forecast(office, aqis, primaries):
    days = [
        {"date": START + datetime.timedelta(days=i), "aqi": a, "primary_pollutants": list(primaries)}
        for i, a in enumerate(aqis)
    ]
    _, proposal, _ = services.forecast_create(source="t", provider=Provider.PUSH, issued_at=timezone.now(), days=days)
    return services.proposal_act(proposal=proposal, actor=office)


def test_a_yellow_warning_over_two_days_of_160_to_180_gets_the_151_to_200_advice_and_names_pm2_5(office):
    alert = _alert_from_forecast(office, [160, 180, 90], ("pm2_5",))
    assert alert.level == "yellow"
    assert advice.episode(alert) == (180, ("pm2_5",))
    health = advice.alert_advice(alert, "zh-hans")["health"]
    assert health[:3] == [
        f"健康影响（HJ 633，AQI 151–200 中度污染）：{TABLE_2[4][0]}。",
        f"建议措施：{TABLE_2[4][1]}。",
        "首要污染物：细颗粒物（PM2.5）。",
    ]
    assert any("防护口罩" in line for line in health)
    assert "中小学校、幼儿园减少户外活动。" in health


def test_an_ozone_episode_gets_the_ozone_advice_and_no_dust_mask_advice(office, leader):
    alert = _alert_from_forecast(office, [190, 230, 90], ("o3_8h",))
    assert advice.episode(alert) == (230, ("o3",))
    zh = advice.alert_advice(alert, "zh-hans")["health"]
    assert zh[2] == "首要污染物：臭氧（O₃）。"
    assert any("午后" in line for line in zh) and any("活性炭" in line for line in zh)
    assert not any("外出时佩戴防护口罩" in line for line in zh)
    en = advice.alert_advice(alert, "en")["health"]
    assert en[2] == "Primary pollutant: ozone (O₃)."
    assert any("Ordinary dust masks do not stop ozone" in line for line in en)


def test_the_advice_never_falls_below_what_the_level_implies(office, leader):
    """A red issued above a forecast peaking at 230 still gives the AQI > 300 advice."""
    alert = _alert_from_forecast(office, [190, 230, 90], ("pm2_5",))
    alert.level = "red"
    assert advice.episode(alert) == (301, ("pm2_5",))
    assert advice.alert_advice(alert, "zh-hans")["health"][1] == f"建议措施：{TABLE_2[6][1]}。"


def test_the_cap_instruction_carries_the_band_and_pollutant_advice_in_both_languages(client, office):
    alert = _alert_from_forecast(office, [190, 230, 90], ("o3_8h",))
    body = client.get(reverse("public-cap", args=[alert.pk])).content.decode()
    assert TABLE_2[5][1] in body
    assert "首要污染物：臭氧（O₃）。" in body
    assert "Primary pollutant: ozone (O₃)." in body


def test_the_public_page_gives_the_band_advice_of_the_warning_in_force(client, office):
    _alert_from_forecast(office, [160, 180, 90], ("pm2_5",))
    html = client.get(reverse("public-home")).content.decode()
    assert TABLE_2[4][1] in html and "首要污染物：细颗粒物（PM2.5）。" in html


def test_the_unit_and_wall_screens_show_the_health_advice(client, office, member):
    _alert_from_forecast(office, [190, 230, 90], ("o3_8h",))
    client.force_login(member)
    html = client.get(reverse("dashboard-unit")).content.decode()
    assert TABLE_2[5][1] in html and "首要污染物：臭氧（O₃）。" in html
    client.force_login(office)
    html = client.get(reverse("wall")).content.decode()
    assert TABLE_2[5][1] in html


def test_no_warning_in_force_keeps_the_all_clear_advice():
    assert advice.advice_for(None, "zh-hans")["health"][0] == "目前无空气重污染预警，可正常开展户外活动。"

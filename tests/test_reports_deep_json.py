"""A body nested too deeply is a 400 on the reporting endpoints, before any lookup (issue 12 item 12)."""

import pytest

pytestmark = pytest.mark.django_db
DEEP = "[" * 950 + "]" * 950


@pytest.mark.parametrize("path", ["/api/report-days/999999/close/", "/api/bulletins/999999/issue/",
                                  "/api/bulletins/999999/edit/", "/api/daily-reports/999999/submit/",
                                  "/api/unit-summaries/999999/submit/", "/api/routine-rounds/999999/complete/",
                                  "/api/bulletins/", "/api/city-reports/"])
def test_a_too_deep_body_is_a_400(office, api_as, path):
    assert api_as(office).post(path, DEEP, content_type="application/json").status_code == 400

"""Error pages (issue 14 item 12): each status in the site's layout, in the reader's language, with a next step.

A refused request is one log line without a traceback; DEBUG is off unless asked for, embedded default included.
"""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.utils.translation import gettext_lazy

from foundation import errorpages
from foundation.errors import ActionRefused
from tests.factories import alert_issue

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]


def _page(answer) -> str:
    return answer.content.decode()


def test_a_unit_opening_a_warning_it_may_not_see_gets_the_403_page_in_chinese(client, office, member):
    alert = alert_issue(actor=office, level="orange", reason="待批准")  # a proposal: not the units' to see
    client.force_login(member)
    answer = client.get(f"/alerts/{alert.pk}/")
    assert answer.status_code in (403, 404)
    page = _page(answer)
    assert '<header class="topbar">' in page and "Forbidden" not in page
    assert ("无权访问此页面" in page) or ("页面不存在" in page)
    assert "返回首页" in page


def test_the_403_page_speaks_english_to_an_english_reader(client, member):
    client.force_login(member)
    client.cookies["django_language"] = "en"
    answer = client.get("/dashboard/office/")
    assert answer.status_code == 403
    page = _page(answer)
    assert "You may not open this page" in page and "Go to the start page" in page
    assert '<html lang="en">' in page


def test_an_unknown_address_is_the_404_page_without_the_url_patterns(client, member):
    client.force_login(member)
    answer = client.get("/no-such-page/")
    assert answer.status_code == 404
    page = _page(answer)
    assert "页面不存在" in page and "检查地址" in page and "admin/" not in page.split("</header>")[1]


def test_another_units_attachment_is_a_404_page(client, member):
    client.force_login(member)
    answer = client.get("/responses/attachments/999999/")
    assert answer.status_code == 404 and "页面不存在" in _page(answer)


def test_api_errors_are_json_in_the_readers_language(client, member):
    client.force_login(member)
    assert client.get("/api/no-such-thing/").json() == {"detail": "未找到。"}
    assert client.get("/api/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en").json() == {"detail": "Not found."}


def test_five_wrong_passwords_give_the_429_page_with_when_and_how_to_unlock(member):
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": member.username, "password": "wrong"})
    answer = client.post("/login/", {"username": member.username, "password": "wrong"})
    assert answer.status_code == 429
    page = _page(answer)
    assert "登录已暂时锁定" in page and "解锁登录" in page and "分钟" in page
    assert '<header class="topbar">' in page and int(answer["Retry-After"]) >= 60


def test_the_500_page_is_in_the_layout_and_needs_no_database(roster):
    request = RequestFactory().get("/dashboard/office/", HTTP_ACCEPT_LANGUAGE="en")
    answer = errorpages.server_error(request)
    assert answer.status_code == 500
    page = _page(answer)
    assert "Something went wrong on our side" in page and "duty phone" in page and '<header class="topbar">' in page


def test_a_lost_database_is_the_503_page_with_retry_after(roster):
    from foundation.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/dashboard/office/")
    answer = middleware.process_exception(request, OperationalError("server closed the connection unexpectedly"))
    assert answer.status_code == 503 and answer["Retry-After"] == "5"
    assert "服务暂时不可用" in _page(answer) and '<header class="topbar">' in _page(answer)
    api = middleware.process_exception(RequestFactory().get("/api/alerts/"), OperationalError("gone"))
    assert api.status_code == 503 and "数据库暂时不可用" in json.loads(api.content)["detail"]


def test_a_503_speaks_the_requests_language_not_the_one_a_previous_request_left_active(roster):
    """The leak: a web thread's previous request activated English; the database drops while a Chinese
    reader's request is answered, before LocaleMiddleware ran (or after). Each 503 must be Chinese."""
    from django.utils import translation
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from foundation.api import exception_handler
    from foundation.middleware import DatabaseUnavailableMiddleware

    lost = OperationalError("server closed the connection unexpectedly")
    translation.activate("en")  # what LocaleMiddleware left on this thread for the previous, English request
    api_request = Request(APIRequestFactory().post("/api/alerts/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    answer = exception_handler(lost, {"request": api_request, "view": None})
    assert answer.status_code == 503 and answer["Retry-After"] == "5"
    assert answer.data == {"detail": "数据库暂时不可用，没有任何内容被修改，请重试。"}

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    json_503 = middleware.process_exception(RequestFactory().get("/api/alerts/"), lost)  # no header: the default
    assert json.loads(json_503.content) == {"detail": "数据库暂时不可用，没有任何内容被修改，请重试。"}
    page = _page(middleware.process_exception(RequestFactory().get("/dashboard/office/"), lost))
    assert '<html lang="zh-hans">' in page and "服务暂时不可用" in page and "Service temporarily" not in page
    assert translation.get_language() == "en"  # the answer did not change the thread's language either

    # And the other way round: LocaleMiddleware's choice for this request wins over the thread's.
    translation.activate("zh-hans")
    chosen = RequestFactory().get("/api/alerts/")
    chosen.LANGUAGE_CODE = "en"
    english = Request(chosen)
    assert exception_handler(lost, {"request": english, "view": None}).data == {
        "detail": "Database temporarily unavailable; nothing was changed. Try again."
    }
    refused = exception_handler(ActionRefused(gettext_lazy("Only a warning in force can be lifted.")), {"request": english})
    assert refused.status_code == 409 and refused.data == {"detail": "Only a warning in force can be lifted."}


def test_the_400_page(roster):
    answer = errorpages.bad_request(RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert answer.status_code == 400 and "请求无法处理" in _page(answer)


def test_an_expired_form_is_a_403_page_that_says_to_reload(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    answer = client.post("/logout/")
    assert answer.status_code == 403
    page = _page(answer)
    assert "重新加载页面" in page and "表单已过期" in page


def test_a_refused_admin_autocomplete_is_one_log_line_without_a_traceback(client, admin_user, caplog):
    client.force_login(admin_user)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        answer = client.get("/admin/autocomplete/", {"app_label": "units", "model_name": "nothing", "field_name": "x"})
    assert answer.status_code in (403, 404)
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and all(r.exc_info is None for r in records)


def _settings_of(**env) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    code = "from django.conf import settings; print(settings.DEBUG, settings.HTTPS)"
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "command_center.settings", **env}, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_debug_is_off_on_the_embedded_default_unless_asked_for(tmp_path):
    assert _settings_of(VAR_DIR=str(tmp_path)) == "False False"
    assert (tmp_path / "secret_key").stat().st_size > 40
    assert _settings_of(VAR_DIR=str(tmp_path), DEBUG="true") == "True False"

"""What each role may and may not do in the admin and the API (403 or a redirect to login, never a 500)."""

import pytest

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/admin/", "/admin/units/unit/", "/admin/units/duty/", "/admin/units/user/", "/admin/responses/tasktemplate/"]


def test_admin_edits_the_roster(admin_user, client):
    client.force_login(admin_user)
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["office", "leader", "member"])
def test_other_roles_get_no_admin_access(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in ADMIN_PAGES:
        answer = client.get(url)
        assert answer.status_code == 302 and "/admin/login/" in answer["Location"], url


def test_anonymous_is_sent_to_login(client, roster):
    for url in ["/", "/dashboard/unit/", "/dashboard/office/", "/dashboard/leader/", "/dashboard/wall/"]:
        answer = client.get(url)
        assert answer.status_code == 302 and "/login/" in answer["Location"], url
    # SessionAuthentication comes first, and it sends no WWW-Authenticate challenge: DRF answers 403, not 401.
    answer = client.get("/api/assignments/")
    assert (answer.status_code, answer.json()) == (403, {"detail": "身份认证信息未提供。"})


def test_login_page_renders_in_chinese(client, roster):
    page = client.get("/login/").content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page


@pytest.mark.parametrize(
    ("persona", "allowed", "denied"),
    [
        ("office", ["/dashboard/office/", "/dashboard/unit/", "/dashboard/wall/"], ["/dashboard/leader/"]),
        ("leader", ["/dashboard/leader/", "/dashboard/office/", "/dashboard/wall/"], []),
        ("member", ["/dashboard/unit/"], ["/dashboard/office/", "/dashboard/leader/", "/dashboard/wall/"]),
        ("admin_user", [], ["/dashboard/office/", "/dashboard/leader/", "/dashboard/unit/"]),
    ],
)
def test_dashboards_by_role(request, client, persona, allowed, denied):
    client.force_login(request.getfixturevalue(persona))
    for url in allowed:
        assert client.get(url).status_code == 200, url
    for url in denied:
        assert client.get(url).status_code == 403, url


def test_token_authentication_works(member, client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=member)
    assert client.get("/api/assignments/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    answer = client.get("/api/assignments/", HTTP_AUTHORIZATION="Token wrong")
    assert (answer.status_code, answer.json()) == (403, {"detail": "认证令牌无效。"})

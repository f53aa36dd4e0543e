"""Issue 12 item 3: roster admins edit the roster and accounts, not their own power.

No one gets superuser, groups or per-user permissions from the web; nobody changes their own role;
every role change goes through ``units.services.user_role_set``: audited and shown to the leaders.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from alerts.models import Alert
from events.choices import Audience, EventType
from events.models import AuditEntry, Event
from tests.factories import alert_issue
from units.models import User
from units.roles import role_of
from units.services import user_role_set

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]

FORBIDDEN_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


def admin_client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def change_form_data(user, **changes):
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name, "email": user.email,
        "is_active": "on" if user.is_active else "", "unit": user.unit_id or "", "role": role_of(user) or "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def fresh(user):
    user = User.objects.get(pk=user.pk)
    return user


def test_admin_cannot_make_itself_superuser_and_then_approve_a_red(admin_user, office, api_as):
    """The issue's example: is_superuser=on posted to one's own change form is ignored."""
    client = admin_client(admin_user)
    data = change_form_data(admin_user, is_superuser="on", is_staff="on", role="leader")
    answer = client.post(f"/admin/units/user/{admin_user.pk}/change/", data)
    assert answer.status_code == 302
    me = fresh(admin_user)
    assert (me.is_superuser, role_of(me), me.user_permissions.count()) == (False, "admin", 0)
    red = alert_issue(actor=office, level="red", reason="three days above 200")
    assert api_as(me).post(f"/api/alerts/{red.pk}/approve/", {}, format="json").status_code == 404
    assert Alert.objects.get(pk=red.pk).status == "pending_approval"


def test_admin_cannot_give_itself_groups_or_permissions(admin_user):
    from django.contrib.auth.models import Group, Permission

    leader_group = Group.objects.get(name="leader")
    approve = Permission.objects.get(codename="approve_alert")
    client = admin_client(admin_user)
    client.post(
        f"/admin/units/user/{admin_user.pk}/change/",
        change_form_data(admin_user, groups=[leader_group.pk], user_permissions=[approve.pk]),
    )
    me = fresh(admin_user)
    assert list(me.groups.values_list("name", flat=True)) == ["admin"]
    assert me.user_permissions.count() == 0


@pytest.mark.parametrize("whose", ["own", "other"])
def test_account_forms_carry_no_superuser_staff_group_or_permission_field(admin_user, office, whose):
    target = admin_user if whose == "own" else office
    html = admin_client(admin_user).get(f"/admin/units/user/{target.pk}/change/").content.decode()
    assert 'name="role"' in html
    for field in FORBIDDEN_FIELDS:
        assert f'name="{field}"' not in html, field


def test_the_add_form_carries_a_role_and_no_superuser_field(admin_user):
    html = admin_client(admin_user).get("/admin/units/user/add/").content.decode()
    assert 'name="role"' in html
    for field in FORBIDDEN_FIELDS:
        assert f'name="{field}"' not in html, field


def test_admin_cannot_change_its_own_role(admin_user):
    client = admin_client(admin_user)
    html = client.get(f"/admin/units/user/{admin_user.pk}/change/").content.decode()
    assert "Nobody changes their own role" in html
    client.post(f"/admin/units/user/{admin_user.pk}/change/", change_form_data(admin_user, role="leader"))
    assert role_of(fresh(admin_user)) == "admin"
    assert not AuditEntry.objects.filter(action="set_role").exists()


def test_admin_changes_another_accounts_role_audited_and_shown_to_the_leaders(admin_user, office, leader):
    client = admin_client(admin_user)
    answer = client.post(f"/admin/units/user/{office.pk}/change/", change_form_data(office, role="leader"))
    assert answer.status_code == 302
    changed = fresh(office)
    assert role_of(changed) == "leader" and not changed.is_staff and not changed.is_superuser
    entry = AuditEntry.objects.get(action="set_role", target_type="user", target_id=office.pk)
    assert (entry.actor_id, entry.from_state, entry.to_state) == (admin_user.pk, "office", "leader")
    event = Event.objects.get(type=EventType.USER_ROLE_CHANGED)
    assert event.audience == Audience.COMMAND
    assert (event.payload["username"], event.payload["from"], event.payload["to"], event.payload["by"]) == (
        office.username, "office", "leader", admin_user.username
    )
    dashboard = admin_client(leader).get("/dashboard/leader/?fragment=1").content.decode()
    assert f'data-role-change="{office.username}"' in dashboard


def test_admin_creates_an_account_with_one_role(admin_user, roster):
    client = admin_client(admin_user)
    answer = client.post(
        "/admin/units/user/add/",
        {"username": "newedu", "usable_password": "true", "password1": "a-long-pass-2026!", "password2": "a-long-pass-2026!",
         "role": "unit", "unit": roster["education"].pk},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    user = User.objects.get(username="newedu")
    assert (role_of(user), user.unit.code, user.is_superuser, user.is_staff) == ("unit", "education", False, False)
    assert AuditEntry.objects.filter(action="set_role", target_id=user.pk, to_state="unit").count() == 1


def test_a_unit_account_needs_its_unit_in_the_form(admin_user, office):
    answer = admin_client(admin_user).post(
        f"/admin/units/user/{office.pk}/change/", change_form_data(office, role="unit", unit="")
    )
    assert answer.status_code == 200 and "needs its unit" in answer.content.decode()
    assert role_of(fresh(office)) == "office"


def test_reverting_an_account_to_an_old_version_is_refused(admin_user, office):
    version = office.history.first()
    answer = admin_client(admin_user).post(
        f"/admin/units/user/{office.pk}/history/{version.history_id}/", change_form_data(office)
    )
    assert answer.status_code == 403


def test_role_set_refuses_ones_own_account_and_non_admins(admin_user, office, leader):
    with pytest.raises(PermissionDenied):
        user_role_set(user=admin_user, role="leader", actor=admin_user)
    with pytest.raises(PermissionDenied):
        user_role_set(user=office, role="leader", actor=leader)
    assert (role_of(fresh(admin_user)), role_of(fresh(office))) == ("admin", "office")


def test_role_set_clears_superuser_and_per_user_permissions(admin_user, office):
    from django.contrib.auth.models import Permission

    User.objects.filter(pk=office.pk).update(is_superuser=True)
    office.user_permissions.add(Permission.objects.get(codename="approve_alert"))
    user = user_role_set(user=fresh(office), role="office", actor=admin_user)
    assert (user.is_superuser, user.user_permissions.count(), role_of(user)) == (False, 0, "office")


def test_role_set_refuses_an_unknown_role(admin_user, office):
    with pytest.raises(ValidationError):
        user_role_set(user=office, role="root", actor=admin_user)


def test_setting_the_same_role_records_nothing(admin_user, office):
    user_role_set(user=office, role="office", actor=admin_user)
    assert not AuditEntry.objects.filter(action="set_role").exists()
    assert not Event.objects.filter(type=EventType.USER_ROLE_CHANGED).exists()


def test_admin_setting_a_leaders_password_is_shown_to_the_leaders(admin_user, leader, leader2):
    """Whoever sets another's password can sign in as them: the leaders see it, as they see a role change."""
    client = admin_client(admin_user)
    answer = client.post(f"/admin/units/user/{leader.pk}/password/",
                         {"password1": "another-long-pass-2026!", "password2": "another-long-pass-2026!"})
    assert answer.status_code == 302
    event = Event.objects.get(type=EventType.USER_PASSWORD_RESET)
    assert event.audience == Audience.COMMAND
    assert (event.payload["username"], event.payload["role"], event.payload["by"]) == (
        leader.username, "leader", admin_user.username
    )
    dashboard = admin_client(leader2).get("/dashboard/leader/?fragment=1").content.decode()
    assert f'data-password-reset="{leader.username}"' in dashboard
    assert f"{leader.username}: password set by {admin_user.username}" in dashboard


def test_changing_ones_own_password_is_not_an_account_change_for_the_leaders(leader):
    from units.services import user_password_set

    user_password_set(user=leader, actor=leader, password="my-own-new-pass-2026!")
    assert not Event.objects.filter(type=EventType.USER_PASSWORD_RESET).exists()

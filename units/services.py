"""Writes of the roster: loading the plan, and accounts."""

import json
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.db import transaction

from units.choices import Role
from units.models import Duty, Unit, User
from units.roles import assign_role

ROSTER_FILE = Path(settings.BASE_DIR) / "units" / "data" / "roster.json"
TEMPLATES_FILE = Path(settings.BASE_DIR) / "responses" / "data" / "task_templates.json"


def roster_load(*, roster_path: Path = ROSTER_FILE, templates_path: Path = TEMPLATES_FILE) -> dict:
    """Create or update every unit, its duties and its task templates from the plan's data files.

    Idempotent: a second run finds everything equal and writes nothing (no history rows either).
    Units are matched by code, duties by (unit, order), templates by (unit, stage, level, key).
    """
    from responses.models import TaskTemplate

    roster = json.loads(roster_path.read_text(encoding="utf-8"))
    tasks = json.loads(templates_path.read_text(encoding="utf-8"))
    counts = {"units": 0, "duties": 0, "templates": 0}
    with transaction.atomic():
        units = {u.code: u for u in Unit.objects.all()}
        for entry in roster["units"]:
            fields = {k: entry[k] for k in ("kind", "name", "name_en", "order", "duty_phone")}
            unit = units.get(entry["code"])
            if unit is None:
                unit = units[entry["code"]] = Unit.objects.create(code=entry["code"], **fields)
                counts["units"] += 1
            elif any(getattr(unit, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(unit, k, v)
                unit.save()
                counts["units"] += 1
            existing = {d.order: d for d in unit.duties.all()}
            for order, text in enumerate(entry["duties"]):
                duty = existing.get(order)
                if duty is None:
                    Duty.objects.create(unit=unit, order=order, text=text)
                    counts["duties"] += 1
                elif duty.text != text:
                    duty.text = text
                    duty.save()
                    counts["duties"] += 1
        duties = {(d.unit_id, d.order): d for d in Duty.objects.all()}
        templates = {(t.unit_id, t.stage, t.level, t.key): t for t in TaskTemplate.objects.all()}
        for order, task in enumerate(tasks["tasks"]):
            if "unit" in task:
                targets = [units[task["unit"]]]
            else:
                targets = [u for u in units.values() if u.kind == task["kind"]]
            stage = task.get("stage", "response")
            levels = task["levels"] if stage == "response" else [""]
            for unit in targets:
                duty = duties.get((unit.pk, task["duty"])) if task.get("duty") is not None else None
                for level in levels:
                    fields = {
                        "title": task["title"],
                        "title_en": task.get("title_en", ""),
                        "instructions": task.get("instructions", ""),
                        "report_required": task.get("report_required", False),
                        "ack_minutes": task.get("ack_minutes"),
                        "duty": duty,
                        "order": order,
                    }
                    template = templates.get((unit.pk, stage, level, task["key"]))
                    if template is None:
                        TaskTemplate.objects.create(unit=unit, stage=stage, level=level, key=task["key"], **fields)
                        counts["templates"] += 1
                    elif any(getattr(template, k) != v for k, v in fields.items()):
                        for k, v in fields.items():
                            setattr(template, k, v)
                        template.save()
                        counts["templates"] += 1
    return counts


def user_create(*, username: str, role: str, password: str | None = None, unit: Unit | None = None, email: str = "") -> User:
    """Create (or update) an account with exactly one role. Unit members must name their unit."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(Role.values)}")
    if role == Role.UNIT and unit is None:
        raise ValueError("a unit member needs --unit CODE")
    with transaction.atomic():
        user, _ = User.objects.get_or_create(username=username)
        user.unit = unit
        user.email = email or user.email
        user.is_staff = role == Role.ADMIN  # the admin site is for roster admins only
        if password:
            user.set_password(password)
        elif not user.has_usable_password():
            user.set_unusable_password()
        user.save()
        assign_role(user, role)
    return user


def _sessions_end(user: User) -> int:
    """Delete every stored session of ``user``; answer how many there were.

    Sessions are stored without an index by user, so each row is decoded: a district
    platform has hundreds of sessions, not millions, and deactivation is rare.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):  # a session engine without rows (signed cookies, cache)
        return 0
    model = store.get_model_class()
    decoder = store()
    mine = [
        row.pk
        for row in model.objects.only("session_key", "session_data").iterator()
        if str(decoder.decode(row.session_data).get("_auth_user_id")) == str(user.pk)
    ]
    model.objects.filter(pk__in=mine).delete()
    return len(mine)


def user_deactivated(*, user: User, actor=None) -> int:
    """The post-deactivation hook: end the user's sessions and close their open dashboard sockets.

    Call it in the transaction that set ``is_active`` to False. The SESSION_REVOKED
    event makes every web process's hub (``events.hub``) close that user's sockets
    (code 4403) once the transaction commits. Answers the number of sessions ended.
    """
    from events.choices import Audience, EventType
    from events.services import audit_record, event_record

    ended = _sessions_end(user)
    audit_record(actor=actor, action="deactivate", target=user, from_state="active", to_state="inactive",
                 data={"sessions_ended": ended})
    event_record(type=EventType.SESSION_REVOKED, payload={"user": user.pk}, audience=Audience.COMMAND)
    return ended


def user_deactivate(*, user: User, actor=None) -> User:
    """Deactivate an account: it can no longer sign in, its sessions end and its open sockets close.

    Repeating it on an inactive account ends any session left and changes nothing else.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            user_deactivated(user=user, actor=actor)
        else:
            _sessions_end(user)
    return user

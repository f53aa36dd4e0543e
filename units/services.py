"""Writes of the roster: loading the plan, and accounts."""

import json
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from events.auth import session_digest
from events.choices import Audience, EventType
from events.services import audit_record, event_record
from units.choices import Role
from units.models import Contact, Duty, Unit, User
from units.permissions import may_edit_contacts, may_set_role
from units.phones import normalize_cn_phone
from units.roles import assign_role, role_of

ROSTER_FILE = Path(settings.BASE_DIR) / "units" / "data" / "roster.json"


def roster_load(*, roster_path: Path = ROSTER_FILE) -> dict:
    """Create or update every unit and its duties from the plan's roster (``units/data/roster.json``).

    Args: ``roster_path``, the JSON file (``{"units": [{code, kind, name, name_en, order, duty_phone,
    duties: [text, ...], duties_en: [English text, ...]}]}``; ``duties_en`` is each duty's English, item for
    item; the roster admin and English pages show it). Returns ``{"units": n, "duties": n}``, how many rows were created or changed.
    Idempotent: a second run finds everything equal and writes nothing (no history rows either).
    Units are matched by code, duties by (unit, order). The units' task templates are the responses'
    data and are loaded after this (``responses.services.task_templates_load``).
    Raises KeyError for a unit entry missing a field, ValueError for ``duties_en`` not matching ``duties`` item
    for item (a broken data file: a command-line failure, no HTTP).
    Plan: 附件1 三 (the command's member units, 成员单位, and each one's duties).
    """
    roster = json.loads(roster_path.read_text(encoding="utf-8"))
    counts = {"units": 0, "duties": 0}
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
            english = entry["duties_en"]
            if len(english) != len(entry["duties"]) or not all(text.strip() for text in english):
                raise ValueError(f"{entry['code']}: duties_en must give the English of each duty, item for item")
            for order, (text, text_en) in enumerate(zip(entry["duties"], english, strict=True)):
                duty = existing.get(order)
                if duty is None:
                    Duty.objects.create(unit=unit, order=order, text=text, text_en=text_en)
                    counts["duties"] += 1
                elif duty.text != text or duty.text_en != text_en:
                    duty.text, duty.text_en = text, text_en
                    duty.save()
                    counts["duties"] += 1
    return counts


def user_create(*, username: str, role: str, password: str | None = None, unit: Unit | None = None, email: str = "") -> User:
    """Create (or update) the account ``username`` with exactly one ``role`` (``units.choices.Role``).

    Args: ``password`` (None: keep the one set, or an unusable one for a new account); ``unit``, which a
    unit member must name; ``email``. Returns the user. Re-running it on an account whose password,
    unit or role changes revokes its sessions, sockets and token (``user_access_changed``). For the
    command line (``add_user``, ``load_demo``) and tests; the admin site changes roles through
    ``user_role_set``. Raises ValueError for an unknown role or a unit member without a unit (a
    command-line error, no HTTP answer).
    """
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(Role.values)}")
    if role == Role.UNIT and unit is None:
        raise ValueError("a unit member needs --unit CODE")
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        before = None if created else user_access(user)
        user.unit = unit
        user.email = email or user.email
        user.is_staff = role == Role.ADMIN  # the admin site is for roster admins only
        if password:
            user.set_password(password)
        elif not user.password:  # a new account without a password (an unusable one is kept as it is)
            user.set_unusable_password()
        user.save()
        assign_role(user, role)
        if before is not None:  # re-running add_user on an account: a new password, unit or role revokes
            user_access_changed(user=user, before=before)
    return user


def _sessions_end(user: User, *, keep: str | None = None) -> int:
    """Delete every stored session of ``user`` (but the one keyed ``keep``); answer how many there were.

    Sessions are stored without an index by user, so each row is decoded: a district
    platform has hundreds of sessions, not millions, and these changes are rare.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):  # a session engine without rows (signed cookies, cache)
        return 0
    model = store.get_model_class()
    decoder = store()
    mine = [
        row.pk
        for row in model.objects.only("session_key", "session_data").iterator()
        if str(decoder.decode(row.session_data).get("_auth_user_id")) == str(user.pk) and row.pk != keep
    ]
    model.objects.filter(pk__in=mine).delete()
    return len(mine)


def _token_revoke(user: User) -> bool:
    """Delete the user's API token, if any (an admin issues a new one); answer whether there was one."""
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).delete()[0] > 0


def _announce_revoked(user: User, *, reason: str, session: str | None = None) -> None:

    payload = {"user": user.pk, "reason": reason}
    if session is not None:
        payload["session"] = session
    event_record(type=EventType.SESSION_REVOKED, payload=payload, audience=Audience.COMMAND)


def user_access(user: User) -> dict:
    """What a person's sessions, sockets and token were granted on: password, unit and role, read from the database.

    ``user_access_changed`` compares two of these; any difference revokes.
    """
    row = User.objects.prefetch_related("groups").get(pk=user.pk)
    return {"password": row.password, "unit": row.unit_id, "role": role_of(row)}


def user_access_changed(*, user: User, before: dict, actor=None, keep_session: str | None = None) -> list[str]:
    """Revoke what ``user`` was signed in with if their password, unit or role differs from ``before``.

    Args:
        user: the account just changed (in this transaction).
        before: ``user_access(user)`` taken before the change.
        actor: who made the change (None for the platform or a management command).
        keep_session: the session key of the request that changed the user's own password (it
            stays signed in, as Django's ``update_session_auth_hash`` intends); every other session ends.

    Answers the names of what changed (``password``, ``unit``, ``role``); empty when nothing did,
    and then nothing is revoked. Every path that changes these calls it: the services here, the
    roster admin's change and password forms (``units.admin``), ``add_user``.
    """
    after = user_access(user)
    changed = [name for name in ("password", "unit", "role") if before.get(name) != after[name]]
    if changed:
        user_sessions_revoke(user=user, actor=actor, reason="+".join(changed), keep_session=keep_session)
    if "password" in changed and actor is not None and actor.pk != user.pk:
        # Whoever sets another person's password can sign in as them: like a role change (issue 12
        # item 3), it is shown to the leaders, so no account admin gains a leader's power unseen.
        
        event_record(
            type=EventType.USER_PASSWORD_RESET,
            payload={"user": user.pk, "username": user.username, "role": after["role"] or "", "by": actor.username},
            audience=Audience.COMMAND,
        )
    return changed


def user_sessions_revoke(*, user: User, actor=None, reason: str, keep_session: str | None = None) -> dict:
    """End every session of ``user``, close their open dashboard sockets and revoke their API token.

    The one revocation of the platform (issue 12 item 5): a password, unit or role change and a
    deactivation all end here. Call it inside the transaction that made the change: the audit row
    and the ``session.revoked`` event commit with it, and once they do every web process's hub
    (``events.hub``) closes the user's sockets with 4403, so no socket keeps an audience the person
    no longer has. Answers ``{"sessions_ended": n, "token_revoked": bool}``.
    """

    done = {"sessions_ended": _sessions_end(user, keep=keep_session), "token_revoked": _token_revoke(user)}
    audit_record(actor=actor, action="revoke_sessions", target=user, comment=reason, data=done)
    _announce_revoked(user, reason=reason)
    return done


def session_logged_out(*, user: User | None, session_key: str | None) -> None:
    """A logout: close the dashboard sockets opened with that session (the session itself is flushed
    by Django's ``logout``). The person's other devices stay signed in; their token stays too, since
    a logout in one browser says nothing about a script's token.

    Connected to Django's ``user_logged_out`` signal (``units.apps``), the one hook every logout
    passes through: the logout page, and the absolute session lifetime
    (``foundation.middleware``).
    """
    if user is None or not user.pk:
        return
    with transaction.atomic():
        _announce_revoked(user, reason="logout", session=session_digest(session_key))


def user_password_set(*, user: User, actor=None, password: str, keep_session: str | None = None) -> User:
    """Set ``user``'s new ``password``; every session but ``keep_session`` (a session key: the one the
    person is using) ends, their sockets close and their API token is revoked (``user_access_changed``).

    ``actor``: who set it (None: the person themself), for the audit entry. The row is locked while it
    changes. Returns the user, fresh. Raises nothing: the password rules are the form's (400 there).
    """
    with transaction.atomic():
        user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        before = user_access(user)
        user.set_password(password)
        user.save(update_fields=["password"])
        user_access_changed(user=user, before=before, actor=actor, keep_session=keep_session)
    return user


def user_deactivated(*, user: User, actor=None) -> int:
    """The post-deactivation hook: end the user's sessions, revoke their token and close their open sockets.

    Call it in the transaction that set ``is_active`` to False. The SESSION_REVOKED
    event makes every web process's hub (``events.hub``) close that user's sockets
    (code 4403) once the transaction commits. Answers the number of sessions ended.
    """

    ended = _sessions_end(user)
    token = _token_revoke(user)
    audit_record(actor=actor, action="deactivate", target=user, from_state="active", to_state="inactive",
                 data={"sessions_ended": ended, "token_revoked": token})
    _announce_revoked(user, reason="deactivate")
    return ended


def user_deactivate(*, user: User, actor=None) -> User:
    """Deactivate an account: it can no longer sign in, its sessions end and its open sockets close.

    Repeating it on an inactive account ends any session left and changes nothing else.
    """
    with transaction.atomic():
        user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            user_deactivated(user=user, actor=actor)
        else:
            _sessions_end(user)
    return user


def user_role_set(*, user: User, role: str, actor, revoke: bool = True) -> User:
    """Give ``user`` the role ``role`` (office, leader, unit or admin): the one way a role changes from the web.

    Arguments: ``user`` the account to change; ``role`` a ``units.choices.Role`` value; ``actor`` the
    person changing it (a roster admin, ``units.permissions.may_set_role``: never their own account);
    ``revoke`` False when the caller compares the person's access itself afterwards (the admin's change
    form, which may change the unit in the same save: ``user_access_changed`` once for both).
    What it does, in one transaction with the account's row locked: sets the role's group (and
    nothing else: per-user permissions are cleared, ``is_superuser`` is never set, ``is_staff`` follows
    the admin role), writes an audit entry (``set_role``, from → to), records a ``user.role_changed``
    event for the command (the leaders' dashboard shows it) and ends the person's sessions, sockets and
    token (``user_access_changed``). Setting the role an account already has changes nothing.

    Raises PermissionDenied (403) when ``actor`` may not change ``user``'s role (not a roster admin,
    or their own account); ValidationError (400) for an unknown role, or the unit role for an
    account with no unit. Returns the account.
    """

    if not may_set_role(actor, user):
        raise PermissionDenied(_("You may not change this account's role (nobody changes their own)."))
    if role not in Role.values:
        raise ValidationError({"role": _("Choose one of the roles.")})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before_access = user_access(user)
        before = before_access["role"]
        if role == Role.UNIT and user.unit_id is None:
            raise ValidationError({"unit": _("A member unit's account needs its unit.")})
        if before == role and not user.is_superuser and not user.user_permissions.exists():
            return user
        assign_role(user, role)
        user.user_permissions.clear()
        user.is_superuser = False
        user.is_staff = role == Role.ADMIN  # the admin site is for roster admins only
        user.save(update_fields=["is_superuser", "is_staff"])
        audit_record(actor=actor, action="set_role", target=user, from_state=before or "", to_state=role)
        event_record(
            type=EventType.USER_ROLE_CHANGED,
            payload={
                "user": user.pk, "username": user.username, "from": before or "", "to": role,
                "by": actor.username if actor is not None else "",
            },
            audience=Audience.COMMAND,
        )
        if revoke:
            user_access_changed(user=user, before=before_access, actor=actor)
    return user


def user_login_unlock(*, user: User, actor=None) -> int:
    """Forget the failed sign-ins of ``user`` from every address, so a locked account can sign in at once.

    For a roster admin (the "Unlock sign-in" action of the user admin) when a leader locked themselves
    out during an episode (issue 12 item 13; the lock itself: ``foundation.lockout``). Audited as
    ``unlock_login`` with the number of account-and-address records cleared; answers that number.
    """
    from axes.utils import reset


    with transaction.atomic():
        cleared = reset(username=user.get_username())
        audit_record(actor=actor, action="unlock_login", target=user, data={"cleared": cleared})
    return cleared


# --- Contacts: duty phones and contact people (issue 17 item 5) ---
# Locks: the unit's row first, then its contacts; nothing else is locked, and no event is written,
# so these never wait on the event-order lock.

_CONTACT_FIELDS = ("name", "position", "phone", "note", "order")


def _check_contacts_editor(actor) -> None:


    if not may_edit_contacts(actor):
        raise PermissionDenied(_("Only the office and the roster admin edit contacts."))


def unit_duty_phone_set(*, actor, unit: Unit, phone: str) -> Unit:
    """Set a unit's duty phone (值班电话); an empty string clears it.

    Args: actor, office staff or the roster admin; unit; phone as typed (normalised to
    ``023-4567-8901`` / ``139-0000-0101``, see ``units.phones``).
    Returns the unit. Does nothing (and audits nothing) when the number is unchanged.
    Raises PermissionDenied (403) for anyone else; ValidationError (400, form message) for a
    number that is not a Chinese mobile or landline with area code.
    """

    _check_contacts_editor(actor)
    phone = normalize_cn_phone(phone.strip())
    with transaction.atomic():
        unit = Unit.objects.select_for_update(no_key=True).get(pk=unit.pk)
        if unit.duty_phone == phone:
            return unit
        before = unit.duty_phone
        unit.duty_phone = phone
        unit.save(update_fields=["duty_phone"])
        audit_record(actor=actor, action="duty_phone_set", target=unit, data={"from": before, "to": phone})
    return unit


def contact_save(*, actor, unit: Unit, contact=None, name: str, phone: str, position: str = "", note: str = "",
                 order: int = 0):
    """Add a contact person to ``unit``, or change ``contact`` (which must belong to ``unit``).

    Returns the saved Contact. Raises PermissionDenied (403) unless the actor is office staff or
    the roster admin; ValidationError (400) for an empty name, an invalid phone or a contact of
    another unit. An unchanged contact is not saved again and leaves no audit entry.
    """


    _check_contacts_editor(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter the contact's name.")})
    if not phone.strip():
        raise ValidationError({"phone": _("Enter the contact's phone number.")})
    try:
        phone = normalize_cn_phone(phone.strip())
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    fields = {"name": name, "position": position.strip(), "phone": phone, "note": note.strip(), "order": order}
    with transaction.atomic():
        unit = Unit.objects.select_for_update(no_key=True).get(pk=unit.pk)
        if contact is None or contact.pk is None:
            contact = Contact.objects.create(unit=unit, **fields)
            audit_record(actor=actor, action="contact_add", target=contact, data={"unit": unit.code, **fields})
            return contact
        contact = Contact.objects.select_for_update(no_key=True).get(pk=contact.pk)
        if contact.unit_id != unit.pk:
            raise ValidationError(_("This contact belongs to another unit."))
        before = {k: getattr(contact, k) for k in _CONTACT_FIELDS}
        if before == fields:
            return contact
        for key, value in fields.items():
            setattr(contact, key, value)
        contact.save(update_fields=list(_CONTACT_FIELDS))
        audit_record(actor=actor, action="contact_change", target=contact,
                     data={"unit": unit.code, "from": before, "to": fields})
    return contact


def contact_delete(*, actor, contact) -> None:
    """Remove a contact person. Raises PermissionDenied (403) unless office staff or the roster admin.
    Removing one already gone does nothing."""

    _check_contacts_editor(actor)
    with transaction.atomic():
        Unit.objects.select_for_update(no_key=True).filter(pk=contact.unit_id).first()
        contact = Contact.objects.filter(pk=contact.pk).first()
        if contact is None:
            return
        audit_record(actor=actor, action="contact_delete", target=contact,
                     data={"unit_id": contact.unit_id, **{k: getattr(contact, k) for k in _CONTACT_FIELDS}})
        contact.delete()

"""The bench's database: created and migrated on first use, the roster loaded, accounts and sessions made.

Runs Django in the orchestrating process (``django_init``); the servers are separate processes.
"""

from __future__ import annotations

import datetime
import json
import subprocess
from urllib.parse import urlparse

from bench.common import OUT, PY, ROOT, bench_env, log

UNIT_USER = "bench-unit-{:04d}"
LEADER = "bench-leader"
OFFICE = "bench-office"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def ensure_database() -> None:
    """Create the bench database if it is missing, migrate it and load the plan's roster."""
    import psycopg2

    url = urlparse(bench_env()["DATABASE_URL"])
    name = url.path.lstrip("/")
    conn = psycopg2.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password or None,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            log(f"creating database {name}")
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    for argv in ([PY, "manage.py", "migrate", "--noinput"], [PY, "manage.py", "load_roster"],
                 [PY, "manage.py", "load_task_templates"]):
        done = subprocess.run(argv, cwd=ROOT, env=bench_env(), capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv[1:])} failed:\n{done.stdout}\n{done.stderr}")


_ready = False


def django_init() -> None:
    global _ready
    if _ready:
        return
    import os

    os.environ.update(bench_env())
    import django

    django.setup()
    _ready = True


def lift_all(actor=None) -> int:
    """Lift whatever a previous (interrupted) run left in force, in every area, drills included."""
    from alerts.models import Alert
    from alerts.services import alert_lift

    actor = actor or leader()
    count = 0
    for alert in Alert.objects.in_force():
        alert_lift(alert=alert, actor=actor, reason="bench: clean start")
        count += 1
    return count


def leader():
    from units.models import Unit, User
    from units.services import user_create

    user = User.objects.filter(username=LEADER).first()
    if user is None:
        user = user_create(username=LEADER, role="leader", unit=Unit.objects.get(code="hq"))
    return user


def office():
    from units.models import Unit, User
    from units.services import user_create

    user = User.objects.filter(username=OFFICE).first()
    if user is None:
        user = user_create(username=OFFICE, role="office", unit=Unit.objects.get(code="office"))
    return user


def token_for(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def unit_users(n: int) -> list:
    """``n`` unit-member accounts, dealt round-robin over every unit of the roster (54), made once."""
    from units.models import Unit, User
    from units.services import user_create

    units = list(Unit.objects.filter(active=True).order_by("order", "code"))
    existing = {u.username: u for u in User.objects.filter(username__startswith="bench-unit-").select_related("unit")}
    users = []
    made = 0
    for i in range(n):
        name = UNIT_USER.format(i)
        unit = units[i % len(units)]
        user = existing.get(name)
        if user is None or user.unit_id != unit.pk:
            user = user_create(username=name, role="unit", unit=unit)
            made += 1
        users.append(user)
    if made:
        log(f"created {made} unit-member accounts")
    return users


def sessions_for(users) -> list[str]:
    """A logged-in session per user, made directly in the session store (no login round trip).

    Kept in bench/out/sessions.json and reused while the rows are still there.
    """
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    path = OUT / "sessions.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    alive = set(
        Session.objects.filter(session_key__in=list(known.values()), expire_date__gt=timezone.now()).values_list(
            "session_key", flat=True
        )
    )
    new_rows = []
    now = int(timezone.now().timestamp())
    expire = timezone.now() + datetime.timedelta(hours=8)
    store = SessionStore()
    keys = []
    for user in users:
        key = known.get(user.username)
        if key not in alive:
            key = store._get_new_session_key()
            data = {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": BACKEND,
                "_auth_user_hash": user.get_session_auth_hash(),
                "_session_started": now,
            }
            new_rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
            known[user.username] = key
        keys.append(key)
    if new_rows:
        Session.objects.bulk_create(new_rows, batch_size=1000)
    OUT.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known))
    return keys


def latest_event_id() -> int:
    from events.selectors import latest_event_id as latest

    return latest()


def close_db() -> None:
    from django.db import connections

    connections.close_all()

"""Fixtures of the fault tests: a private PostgreSQL cluster, private Redis servers, people and their sessions.

Every fault test runs on its own database, cloned in a few milliseconds from a template
that was migrated and given the plan's roster once per run, in a PostgreSQL cluster
that only these tests use (so a test may stop and restart it). The test process points
Django at that database for the duration of the test, so the servers it starts and the
assertions it makes see the same rows. The machine's shared PostgreSQL and Redis are
never used here.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections

from tests.faults.support import ROOT, LoopThread, PgCluster, RedisServer, session_cookie

ARTIFACTS = ROOT / "test-artifacts" / "faults"
TEMPLATE = "cc_faults_template"
_numbers = itertools.count(1)


@contextlib.contextmanager
def django_points_at(cluster: PgCluster, dbname: str):
    """Point the default database connection (every thread's) at ``dbname`` in ``cluster``, then back."""
    settings_dict = connections.settings["default"]
    keys = ("NAME", "HOST", "PORT", "USER", "PASSWORD")
    saved = {k: settings_dict.get(k) for k in keys}
    connections.close_all()
    settings_dict.update(NAME=dbname, HOST="127.0.0.1", PORT=str(cluster.port), USER="postgres", PASSWORD="")
    try:
        yield
    finally:
        connections.close_all()
        settings_dict.update(saved)


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = PgCluster().init()
    cluster.start()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def db_template(pg_cluster, django_db_blocker):
    """Migrate once and load the roster (54 units, their task templates, the role groups)."""
    from django.core.management import call_command

    from responses.services import task_templates_load
    from units.services import roster_load

    pg_cluster.sql(f"CREATE DATABASE {TEMPLATE}")
    with django_db_blocker.unblock(), django_points_at(pg_cluster, TEMPLATE):
        call_command("migrate", verbosity=0, interactive=False)
        roster_load()
        task_templates_load()
    return TEMPLATE


@dataclass
class FaultDatabase:
    cluster: PgCluster
    name: str

    @property
    def url(self) -> str:
        return self.cluster.url(self.name)


@pytest.fixture
def fault_db(pg_cluster, db_template, django_db_blocker):
    """A fresh database for this test (a clone of the template), used by the test process and its servers."""
    name = f"cc_fault_{next(_numbers)}"
    pg_cluster.sql(f"CREATE DATABASE {name} TEMPLATE {db_template}")
    with django_db_blocker.unblock(), django_points_at(pg_cluster, name):
        yield FaultDatabase(pg_cluster, name)
    try:
        pg_cluster.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except Exception:  # the test left the cluster stopped
        pg_cluster.start()
        pg_cluster.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def logdir(request) -> Path:
    """Logs of this test's processes, kept after the run under test-artifacts/faults/<test>/."""
    path = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture
def redis_server(logdir, settings):
    """A private redis-server; the test process publishes its events there too."""
    from events import push

    server = RedisServer(logdir)
    server.start()
    settings.REDIS_URL = server.url
    push._client.cache_clear()
    yield server
    server.kill()
    push._client.cache_clear()


@pytest.fixture
def ws_loop():
    loop = LoopThread()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def fault_report():
    """Counts from this run, written to test-artifacts/faults/report.json for docs/reliability.md ("Faults survived")."""
    report: dict = {}
    yield report
    if report:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / "report.json"
        previous = json.loads(path.read_text()) if path.exists() else {}
        previous.update(report)
        path.write_text(json.dumps(previous, indent=2, ensure_ascii=False, default=str))


class People:
    """Accounts in the test's database: one per role and one member for each unit asked for."""

    def __init__(self, unit_codes=("education", "public-security", "street-jijiang")):
        from units.models import Unit
        from units.services import user_create

        self.units = {u.code: u for u in Unit.objects.all()}
        self.office = user_create(username="f-office", role="office", unit=self.units["office"], email="office@x.test")
        self.leader = user_create(username="f-leader", role="leader", unit=self.units["hq"], email="leader@x.test")
        self.members = {
            code: user_create(username=f"f-{code}", role="unit", unit=self.units[code], email=f"{code}@x.test")
            for code in unit_codes
        }
        self._tokens: dict[int, str] = {}
        self._cookies: dict[int, str] = {}

    def token(self, user) -> str:
        from rest_framework.authtoken.models import Token

        if user.pk not in self._tokens:
            self._tokens[user.pk] = Token.objects.get_or_create(user=user)[0].key
        return self._tokens[user.pk]

    def cookie(self, user) -> str:
        if user.pk not in self._cookies:
            self._cookies[user.pk] = session_cookie(user)
        return self._cookies[user.pk]


@pytest.fixture
def people(fault_db):
    return People()


def secret_key() -> str:
    return django_settings.SECRET_KEY


@pytest.fixture
def start_web(fault_db, redis_server, logdir):
    """Start uvicorn on this test's database and Redis, with extra environment; stopped at the end."""
    from tests.faults.support import Uvicorn, stack_env

    servers = []

    def start(name: str = "uvicorn", **extra) -> Uvicorn:
        env = stack_env(database_url=fault_db.url, redis_url=redis_server.url, secret_key=secret_key(), **extra)
        server = Uvicorn(env, logdir, name=name)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


def visible_ids(user, after: int) -> list[int]:
    """Ids of the events ``user`` may see after ``after``, from the database, in order."""
    from events.selectors import events_visible_to

    return list(events_visible_to(user).filter(id__gt=after).values_list("id", flat=True))


def latest_id() -> int:
    from events.selectors import latest_event_id

    return latest_event_id()

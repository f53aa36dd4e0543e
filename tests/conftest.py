"""Shared fixtures: the plan's roster and one persona per role (STYLE.md §11).

Tests run on the database ``DATABASE_URL`` names (PostgreSQL in CI, via `make test`).
"""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.test import TransactionTestCase
from rest_framework.test import APIClient

from events.locks import install_lock_order_check
from responses.services import task_templates_load
from units.models import Unit
from units.services import roster_load, user_create

PASSWORD = "persona-pass-2026"
FAULTS_DIR = Path(__file__).parent / "faults"

# pytest-xdist (``make test-fast`` runs ``-n 2 -o timeout_func_only=true``; ``make test``, as CI, one process):
# each worker has its own test database (pytest-django suffixes its name: test_<name>_gw0, …), and so its own
# events channel in Redis (named after the database, events.push.events_channel; a channel named outright in
# EVENTS_REDIS_CHANNEL gets the worker's id appended). Its Celery queues get their own key prefix in the shared
# Redis db as well, here and in the Celery workers its tests start (tests/processes.py passes the environment
# on), so one worker's ``--purge`` or consumer never touches the other's tasks.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if XDIST_WORKER and settings.EVENTS_REDIS_CHANNEL:
    settings.EVENTS_REDIS_CHANNEL = os.environ["EVENTS_REDIS_CHANNEL"] = f"{settings.EVENTS_REDIS_CHANNEL}:{XDIST_WORKER}"
if XDIST_WORKER and settings.REDIS_URL:
    from command_center.celery import app as celery_app

    os.environ["CELERY_KEY_PREFIX"] = f"{XDIST_WORKER}:"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                                                "global_keyprefix": os.environ["CELERY_KEY_PREFIX"]}
    celery_app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS

# Django's test client builds the middleware for every Client(): WhiteNoise then listed every static folder and
# stat'ed each file (WHITENOISE_USE_FINDERS) once per client, 10% of the fast lane's samples (py-spy over
# `make test-fast`). With autorefresh it finds a static file when one is asked for, as in development; what it
# serves is the same, and the servers the browser tests start keep the production settings.
settings.WHITENOISE_AUTOREFRESH = True

# Every connection of every test refuses a lock taken after the event-order lock (events/locks.py),
# so a transaction that breaks the one lock order fails its test instead of deadlocking one day.
connection_created.connect(install_lock_order_check)


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/faults as ``fault``, so that ``make test-fast`` can leave them out."""
    for item in items:
        if FAULTS_DIR in Path(item.fspath).parents:
            item.add_marker(pytest.mark.fault)


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """PBKDF2 costs ~0.3 s per persona; tests that log in to a live server in another process keep it."""
    if request.node.get_closest_marker("browser") is None and request.node.get_closest_marker("slow") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def basis_rule_off_by_default():
    """Issue 15 item 1: orange and red rest on a consultation record or a municipal directive
    (``alerts.basis``, ``ALERT_BASIS_REQUIRED``, on in production). The tests written before the rule,
    which issue orange and red to test other things (module-scoped worlds included), run with it off
    until they cite a basis; tests marked ``basis_rule`` run with it on (``basis_rule``). A module that
    issues through ``tests.factories.alert_issue`` cites a consultation record for orange and red by
    default and is marked ``basis_rule``; those still off post orange or red through the API or pages,
    or lower a warning, without a basis."""
    from django.conf import settings as django_settings

    previous = django_settings.ALERT_BASIS_REQUIRED
    django_settings.ALERT_BASIS_REQUIRED = False
    yield
    django_settings.ALERT_BASIS_REQUIRED = previous


@pytest.fixture(autouse=True)
def basis_rule(request, settings):
    """The basis rule on, as in production, for tests marked ``basis_rule``."""
    if request.node.get_closest_marker("basis_rule") is not None:
        settings.ALERT_BASIS_REQUIRED = True


@pytest.fixture(autouse=True)
def empty_cache():
    """Shared answers (events.shared) are keyed by the latest event id, which is 0 in every test
    whose event table is empty: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def default_language_after():
    """A page fetched in English activates English in this thread (LocaleMiddleware), and nothing
    switches it back: every test ends in the site's default language, so the next one starts there."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


# The rows the test database holds after its setup (content types, permissions, groups, the roster), as
# PostgreSQL COPY text per table: what a transactional test's teardown puts back (``_restore_teardown``).
_SETUP_ROWS: dict[str, str] = {}
_TABLES: list[str] = []  # every table of the test database, read once with the snapshot


def _snapshot_setup_rows() -> None:
    _TABLES[:] = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        for table in _TABLES:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')
            if cursor.fetchone()[0]:
                buffer = io.StringIO()
                cursor.cursor.copy_expert(f'COPY "{table}" TO STDOUT', buffer)
                _SETUP_ROWS[table] = buffer.getvalue()


_django_teardown = TransactionTestCase._fixture_teardown


def _restore_teardown(self):
    """A transactional test's teardown: every table emptied (sequences kept), then the setup's rows back with
    one COPY per table, instead of the post_migrate handlers and ``roster_load`` after every such test
    (about 1,600 queries, 2-3 s each on this machine). The database ends exactly as the other tests see it,
    with the same ids. A DELETE per table with the foreign-key triggers off, not Django's flush: TRUNCATE of
    ~100 tables in one statement took 250 ms a test here, these DELETEs and COPYs 25 ms. Django's own
    teardown where it differs (available_apps, serialized rollback, another vendor)."""
    if not _SETUP_ROWS or connection.vendor != "postgresql" or self.available_apps is not None or self.serialized_rollback:
        return _django_teardown(self)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # rows as they were: no FK order, no triggers
        cursor.execute("; ".join(f'DELETE FROM "{table}"' for table in _TABLES))
        for table, rows in _SETUP_ROWS.items():
            cursor.cursor.copy_expert(f'COPY "{table}" FROM STDIN', io.StringIO(rows))


# --- The test database, cloned from a template built once per set of migrations ---------------------------
#
# Building the test database runs every migration (most of a minute of PostgreSQL work on the loaded 2-core
# machine, once per pytest-xdist worker). The first run builds it once as a template, test_<name>_template_<hash>,
# the hash over every installed app's migration files and the pinned requirements; every run after clones it
# (CREATE DATABASE … TEMPLATE, a file copy), then Django's migrate runs on the clone as with --reuse-db: nothing
# to apply, and the post_migrate handlers (content types, permissions, the role groups of units.roles) bring
# what code defines up to date. A changed migration changes the hash: a new template, the old ones dropped.
# TEST_DB_TEMPLATE=0 builds the test database from its migrations as Django does.


def _template_hash() -> str:
    import hashlib

    from django.apps import apps

    digest = hashlib.sha256()
    for name in ("requirements.txt", "requirements-dev.txt"):
        digest.update((settings.BASE_DIR / name).read_bytes())
    for app_config in sorted(apps.get_app_configs(), key=lambda a: a.label):
        digest.update(app_config.label.encode())
        for path in sorted(Path(app_config.path, "migrations").glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _clone_from_template() -> bool:
    """Create this process's test database from the migrated template (built first if missing); False if
    templates are off or the database is not PostgreSQL."""
    if os.environ.get("TEST_DB_TEMPLATE", "1") == "0" or connection.vendor != "postgresql":
        return False
    creation = connection.creation
    test_name = creation._get_test_db_name()
    base = test_name.removesuffix(f"_{XDIST_WORKER}") if XDIST_WORKER else test_name
    template = f"{base}_template_{_template_hash()}"[:63]
    qn = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [base])  # one builder; clones one at a time
        try:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
            if cursor.fetchone() is None:
                cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{base}_template_%"])
                for (stale,) in cursor.fetchall():
                    cursor.execute(f"DROP DATABASE IF EXISTS {qn(stale)}")
                original_test_name = connection.settings_dict["TEST"].get("NAME")
                original_name = connection.settings_dict["NAME"]
                connection.settings_dict["TEST"]["NAME"] = template
                try:
                    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
                    connection.close()
                finally:
                    connection.settings_dict["TEST"]["NAME"] = original_test_name
                    connection.settings_dict["NAME"] = original_name
                    settings.DATABASES["default"]["NAME"] = original_name
            cursor.execute(f"DROP DATABASE IF EXISTS {qn(test_name)}")
            cursor.execute(f"CREATE DATABASE {qn(test_name)} TEMPLATE {qn(template)}")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [base])
    return True


_CLONED = False


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings, django_db_blocker):
    """The test database is cloned from the template here, then kept by setup_databases (``--reuse-db``'s path)
    and dropped at the end by ``django_db_setup`` below."""
    global _CLONED
    if request.config.getvalue("reuse_db") or request.config.getvalue("create_db"):
        return request.config.getvalue("reuse_db") and not request.config.getvalue("create_db")
    with django_db_blocker.unblock():
        _CLONED = _clone_from_template()
    return _CLONED


def _drop_clone() -> None:
    test_name = connection.settings_dict["NAME"]
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [test_name],
        )
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(test_name)}")


# --- The embedded default's SQLite file, migrated once per set of migrations ------------------------------


@pytest.fixture
def embedded_var(tmp_path) -> Path:
    """A fresh ``var`` directory for the embedded default whose ``db.sqlite3`` is migrated (``tmp_path / "var"``).

    The first use for a set of migrations runs ``manage.py migrate`` on an empty SQLite file, as a new user's
    first ``make run`` does, and keeps a copy (``var/test-templates/embedded-<hash>.sqlite3``, the hash
    ``_template_hash``'s); later uses copy it: migrating SQLite from nothing took 8 s of each such test here.
    A fresh clone (CI) always migrates. ``TEST_DB_TEMPLATE=0`` migrates every time. Fails the test with
    migrate's error output if migrating fails."""
    import shutil
    import subprocess
    import sys

    from tests.processes import embedded_environ

    var = tmp_path / "var"
    var.mkdir()
    cache = settings.BASE_DIR / "var" / "test-templates" / f"embedded-{_template_hash()}.sqlite3"
    if os.environ.get("TEST_DB_TEMPLATE", "1") == "0" or not cache.exists():
        migrate = subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), "migrate", "--noinput"],
                                 cwd=tmp_path, env=embedded_environ(var), capture_output=True, text=True, timeout=300)
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        cache.parent.mkdir(parents=True, exist_ok=True)
        for stale in cache.parent.glob("embedded-*.sqlite3"):
            stale.unlink(missing_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(var / "db.sqlite3", partial)
        os.replace(partial, cache)  # whole or not at all, whichever xdist worker gets there first
    else:
        shutil.copyfile(cache, var / "db.sqlite3")
    return var


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the roster once into the test database; per-test transactions roll back to it, and
    transactional tests' teardowns restore it (``_restore_teardown``)."""
    with django_db_blocker.unblock():
        roster_load()
        task_templates_load()
        if connection.vendor == "postgresql":
            _snapshot_setup_rows()
            TransactionTestCase._fixture_teardown = _restore_teardown
    yield
    TransactionTestCase._fixture_teardown = _django_teardown
    # Threads of this process that served sockets (Channels' database thread) keep their
    # connections (DB_CONN_MAX_AGE); end them so that the test database can be dropped.
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            if _CLONED:
                _drop_clone()


@pytest.fixture
def roster(db):
    """The whole roster and task templates from the plan's data files (loaded once per database state)."""
    if not Unit.objects.filter(code="office").exists():
        roster_load()
        task_templates_load()
    return {u.code: u for u in Unit.objects.all()}


def _persona(username, role, unit=None):
    return user_create(username=username, role=role, password=PASSWORD, unit=unit, email=f"{username}@example.test")


@pytest.fixture
def office(roster):
    return _persona("office1", "office", roster["office"])


@pytest.fixture
def leader(roster):
    return _persona("leader1", "leader", roster["hq"])


@pytest.fixture
def leader2(roster):
    return _persona("leader2", "leader", roster["hq"])


@pytest.fixture
def admin_user(roster):
    return _persona("admin1", "admin")


@pytest.fixture
def member(roster):
    """A member of the education commission."""
    return _persona("edu1", "unit", roster["education"])


@pytest.fixture
def other_member(roster):
    """A member of another unit (the public security bureau)."""
    return _persona("police1", "unit", roster["public-security"])


@pytest.fixture
def api():
    """An API client; call ``api.force_authenticate(user)`` or use ``api_as``."""
    return APIClient()


@pytest.fixture
def api_as():
    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make

"""The floors of the house, read from the code: every import (module-level or inside a function)
points down, never up (issue 13 §2 item 5; docs/architecture.md, "The floors").

The test parses every module of the project's apps with ``ast`` and needs no database.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lower number, lower floor. An app may import its own modules and any app on a lower floor.
FLOORS = {
    "foundation": 0,  # helpers: errors, text, datetimes, the API's exception handler, pagination, ...
    "units": 1,  # the roster's vocabulary: who is who (see UNITS_WRITES_FLOOR for the rest of the app)
    "events": 2,  # the ground-floor log: events, audit, push, hub, consumer
    "duty": 3,  # the on-duty roster, which responses' notifications read
    "alerts": 4,  # warnings: reaches their response only through alerts.responders
    "responses": 5,  # the response to a warning: reads the warning's level and cause, registers its responder
    "feeds": 6,  # forecasts and proposals: hands a proposal to alerts, records the warning it became
    "reductions": 6,  # the emission-reduction list: becomes work on a warning
    "training": 6,  # the training and drill register
    "reports": 7,  # daily reports and bulletins: read feeds' forecasts and reductions' inspections
    "consultations": 7,  # the office's consultations: read feeds and offer a warning
    "routines": 8,  # the office's standing duties: a round done may be a training record or a report
    "dashboards": 9,  # the screens, and the demo data that touches every floor
    "command_center": 10,  # settings, URLs, ASGI, Celery
}

# The roster is two floors. Its vocabulary (models, choices, roles, permissions, phones, selectors)
# is read by every floor, the log included (who may see which event). Its writes audit every change
# in the log (events.services.audit_record), so they, and the pages and API that call them, stand on
# the floor above events.
UNITS_WRITES_FLOOR = 3
UNITS_VOCABULARY = ("units.models", "units.choices", "units.roles", "units.permissions", "units.phones",
                    "units.selectors", "units.migrations")

# Migrations written before a link was turned round (issue 13 §2): alerts' initial migration created
# ``Alert.proposal``, a key up to feeds, which feeds/migrations/0007 moved to the proposal's side. Applied
# migrations are history; no later one may point up.
HISTORICAL_UPWARD_MIGRATIONS = {"alerts/migrations/0002_initial.py"}


def floor_of(module: str) -> int | None:
    app = module.split(".")[0]
    if app not in FLOORS:
        return None
    if app == "units" and module != "units" and not module.startswith(UNITS_VOCABULARY):
        return UNITS_WRITES_FLOOR
    return FLOORS[app]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules():
    for app in FLOORS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imports_of(path: Path):
    """(line, imported module) for every absolute import in the file, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:  # ``from units import services``: the module imported is units.services
                yield node.lineno, f"{node.module}.{alias.name}"


def allowed(importer: str, imported: str) -> bool:
    """May module ``importer`` import module ``imported``? (Modules outside the apps: always.)"""
    mine, theirs = floor_of(importer), floor_of(imported)
    if mine is None or theirs is None:
        return True
    app, other = importer.split(".")[0], imported.split(".")[0]
    if app == other:
        return theirs <= mine  # units' vocabulary never imports units' writes
    return theirs < mine


def upward_imports() -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}: {module_name(path)} (floor {floor_of(module_name(path))}) "
        f"imports {imported} (floor {floor_of(imported)})"
        for path in project_modules()
        for line, imported in imports_of(path)
        if not allowed(module_name(path), imported)
    ]


def test_every_app_of_the_project_has_a_floor():
    """A new app gets a floor here, or its imports would go unchecked."""
    from django.conf import settings

    ours = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
    assert ours - set(FLOORS) == set()
    assert {"foundation", "command_center"} - set(FLOORS) == set()


def test_every_import_points_down():
    """No module imports one on a higher floor, nor a neighbour on its own floor."""
    assert upward_imports() == []


def test_events_depends_on_nothing_above_the_rosters_vocabulary():
    """The log (events) imports only foundation and the roster's vocabulary, never a page or a service above it."""
    above = [
        f"{path.relative_to(ROOT)}:{line}: {imported}"
        for path in project_modules() if module_name(path).startswith("events")
        for line, imported in imports_of(path)
        if (floor_of(imported) or 0) > FLOORS["events"]
    ]
    assert above == []


def _imports_of_app(app: str, target: str) -> list[str]:
    """Where ``app``'s modules import anything of ``target`` (another app), as ``path:line: module``."""
    return [
        f"{path.relative_to(ROOT)}:{line}: {imported}"
        for path in project_modules() if module_name(path).startswith(app)
        for line, imported in imports_of(path) if imported.split(".")[0] == target
    ]


def test_feeds_calls_alerts_and_alerts_never_imports_feeds():
    """The proposal is locked in feeds and handed to alerts (issue 13 §2 item 5)."""
    assert _imports_of_app("alerts", "feeds") == []


def test_alerts_reaches_responses_only_through_its_responder():
    """A warning's response is opened, changed and ended through ``alerts.responders`` (issue 13 §2)."""
    assert _imports_of_app("alerts", "responses") == []


def _migration_references(path: Path) -> set[str]:
    """The apps a migration names: its dependencies and the ``to="app.model"`` of its relations."""
    apps = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Tuple) and len(node.elts) == 2 and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
        ):
            apps.add(node.elts[0].value)  # ("app", "0001_initial") in dependencies or run_before
        elif isinstance(node, ast.keyword) and node.arg == "to" and isinstance(node.value, ast.Constant):
            apps.add(str(node.value.value).split(".")[0])
    return apps


def test_no_migration_points_up_a_floor():
    """A migration depends on, and keys to, its own app and lower floors only (but the history above)."""
    upward = [
        f"{path.relative_to(ROOT)}: {other}"
        for app in FLOORS
        for path in sorted((ROOT / app / "migrations").glob("0*.py"))
        for other in sorted(_migration_references(path))
        if other in FLOORS and other != app and FLOORS[other] >= FLOORS[app]
        and str(path.relative_to(ROOT)) not in HISTORICAL_UPWARD_MIGRATIONS
    ]
    assert upward == []


def test_no_model_of_alerts_keys_to_an_app_above_it():
    """The models as they stand: alerts' tables hold no key to feeds or responses (the arrows are theirs)."""
    from django.apps import apps

    assert [
        f"{model.__name__}.{field.name} -> {field.related_model._meta.label}"
        for model in apps.get_app_config("alerts").get_models()
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model is not None
        and FLOORS.get(field.related_model._meta.app_label, 0) > FLOORS["alerts"]
    ] == []


def test_the_roster_knows_nothing_of_responses():
    """units loads units and duties; the task templates are the responses' data and loader (item 4)."""
    assert [
        f"{path.relative_to(ROOT)}:{line}: {imported}"
        for path in project_modules() if module_name(path).startswith("units")
        for line, imported in imports_of(path) if imported.split(".")[0] in ("responses", "alerts", "duty")
    ] == []


@pytest.mark.parametrize(
    ("importer", "imported", "allowed_"),
    [
        ("events.consumers", "units.permissions", True),
        ("events.consumers", "units.services", False),
        ("units.services", "events.services", True),
        ("units.models", "events.models", False),
        ("alerts.services", "feeds.services", False),
        ("feeds.services", "alerts.services", True),
        ("alerts.services", "responses.services", False),
        ("responses.services", "alerts.choices", True),
        ("feeds.services", "reductions.services", False),
        ("responses.services", "duty.selectors", True),
        ("duty.services", "responses.services", False),
        ("dashboards.views", "alerts.selectors", True),
    ],
)
def test_the_rule_itself(importer, imported, allowed_):
    """The check answers as the floors say (so that a broken rule cannot pass the test above vacuously)."""
    assert allowed(importer, imported) is allowed_

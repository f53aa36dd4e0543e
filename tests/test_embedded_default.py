"""The embedded default (`make run`: SQLite and the file broker, no server) runs the core loop.

Every other test runs on PostgreSQL. This one starts fresh processes without ``DATABASE_URL`` or
``REDIS_URL``, as a new user's first `make run` does, so a query SQLite cannot answer (a JSON
containment lookup: issuing a warning failed there; a column named ``order`` unquoted in the checklists'
INSERT … SELECT) fails here. It loads what `make run` loads, the sample reduction list included.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import embedded_environ

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
from django.utils import timezone

from alerts.services import alert_approve, alert_create
from consultations.services import consultation_create
from reductions.models import ChecklistItem
from responses.models import TaskAssignment
from responses.services import assignment_acknowledge
from units.models import Unit, User

office, leader = User.objects.get(username="office"), User.objects.get(username="leader")
member = User.objects.get(username="education")
ozone = alert_create(actor=office, level="yellow", reason="O3 episode", cause="ozone")
# The ozone episode's checklist: measures for ozone only (a plain boolean column in the INSERT … SELECT).
o3 = set(ChecklistItem.objects.filter(response__alert=ozone).values_list("measure__for_ozone", flat=True))
# Red rests on a consultation record (issue 15 item 1; ALERT_BASIS_REQUIRED is on by default).
consulted = consultation_create(
    actor=office, held_at=timezone.now(), units=Unit.objects.filter(code__in=["ecology-env", "meteorology"]),
    pollutant="pm2_5", aqi_min=260, aqi_max=330, duration_hours=72, meteorology="static", conclusion="red", cause="pm2_5",
)
red = alert_create(actor=office, level="red", reason="PM2.5 episode", cause="pm2_5", basis_kind="consultation",
                   basis_ref=consulted.pk)
alert_approve(alert=red, actor=leader, comment="consulted")
task = TaskAssignment.objects.filter(response__alert=red, unit=member.unit).order_by("id").first()
assignment_acknowledge(assignment=task, actor=member)
ozone.refresh_from_db()
red.refresh_from_db()
print("RESULT", ozone.status, red.status, TaskAssignment.objects.filter(response__alert=red).count() > 0,
      TaskAssignment.objects.get(pk=task.pk).status,
      ChecklistItem.objects.filter(response=task.response, level="red", status="pending").exists(), "ozone", sorted(o3))
"""


@pytest.mark.slow
def test_a_fresh_embedded_default_issues_approves_and_acknowledges(embedded_var):
    environ = embedded_environ(embedded_var)

    def manage(*args, stdin=None):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environ, input=stdin,
                              capture_output=True, text=True, timeout=600)

    for step in (("migrate", "--noinput"), ("load_demo",), ("load_reductions_sample",)):
        done = manage(*step)
        assert done.returncode == 0, done.stderr[-3000:]
    assert (embedded_var / "db.sqlite3").exists()
    done = manage("shell", stdin=SCRIPT)
    assert done.returncode == 0, done.stderr[-3000:]
    result = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    # The yellow is superseded by the red the leader approved; the unit's task is acknowledged.
    assert result == ["RESULT superseded issued True acknowledged True ozone [True]"], done.stdout[-2000:] + done.stderr[-2000:]

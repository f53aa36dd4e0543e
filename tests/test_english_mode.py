"""English mode (issue 14 item 9): unit names, the district, task titles and instructions in the reader's language."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from responses.models import TaskAssignment, TaskTemplate
from tests.factories import alert_issue
from units.models import Unit

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]
ROOT = Path(__file__).resolve().parent.parent


def test_every_task_template_and_unit_of_the_plan_has_its_english_text():
    tasks = json.loads((ROOT / "responses/data/task_templates.json").read_text(encoding="utf-8"))["tasks"]
    assert all(t.get("title_en") and t.get("instructions_en") for t in tasks)
    roster = json.loads((ROOT / "units/data/roster.json").read_text(encoding="utf-8"))["units"]
    assert all(u.get("name_en") for u in roster)


def test_assignments_carry_both_languages_of_their_template(office, roster):
    alert = alert_issue(actor=office, level="yellow", reason="x")
    task = TaskAssignment.objects.filter(response__alert=alert).select_related("template").first()
    assert task.title_en == task.template.title_en != "" and task.instructions_en == task.template.instructions_en != ""
    assert not TaskTemplate.objects.filter(active=True, instructions_en="").exclude(instructions="").exists()


def test_the_unit_dashboard_speaks_the_readers_language_only(client, office, member):
    alert_issue(actor=office, level="yellow", reason="x")
    client.force_login(member)
    task = TaskAssignment.objects.filter(unit=member.unit).first()
    english = client.get(reverse("dashboard-unit"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    unit = Unit.objects.get(pk=member.unit_id)
    assert unit.name_en in english and task.title_en in english and task.instructions_en in english
    assert "Jiangjin District" in english
    assert unit.name not in english and task.title not in english and "江津区" not in english
    chinese = client.get(reverse("dashboard-unit"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert unit.name in chinese and task.title in chinese and "江津区" in chinese
    assert unit.name_en not in chinese and task.title_en not in chinese

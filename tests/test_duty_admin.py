"""Roster admin (issue 14 item 13): a duty's page shows its task templates per level; a new duty takes the next order."""

import pytest
from django.test import Client

from units.models import Duty

pytestmark = pytest.mark.django_db


def _admin(user, language="zh-hans"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _errors(answer) -> str:
    import re

    return " | ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.content.decode(), re.S))


def _unit_form(unit, duties, extra=None):
    data = {
        "code": unit.code, "kind": unit.kind, "name": unit.name, "name_en": unit.name_en, "duty_phone": "",
        "active": "on", "order": unit.order, "duties-TOTAL_FORMS": len(duties) + len(extra or []),
        "duties-INITIAL_FORMS": len(duties), "contacts-TOTAL_FORMS": 0, "contacts-INITIAL_FORMS": 0,
    }
    for i, duty in enumerate(duties):
        data |= {f"duties-{i}-id": duty.pk, f"duties-{i}-unit": unit.pk, f"duties-{i}-order": duty.order, f"duties-{i}-text": duty.text}
    for j, text in enumerate(extra or [], start=len(duties)):
        data |= {f"duties-{j}-unit": unit.pk, f"duties-{j}-order": "", f"duties-{j}-text": text}
    return data


def test_duties_added_on_the_units_page_with_no_order_take_the_next_ones(admin_user, roster):
    unit = roster["education"]
    duties = list(unit.duties.order_by("order"))
    answer = _admin(admin_user).post(f"/admin/units/unit/{unit.pk}/change/", _unit_form(unit, duties, ["新增职责一", "新增职责二"]))
    assert answer.status_code == 302, _errors(answer)
    last = duties[-1].order
    assert list(unit.duties.filter(text__startswith="新增").order_by("order").values_list("order", flat=True)) == [last + 1, last + 2]


def test_a_duty_added_on_its_own_page_takes_the_next_order(admin_user, roster):
    unit = roster["education"]
    last = unit.duties.order_by("-order").first().order
    answer = _admin(admin_user).post("/admin/units/duty/add/", {"unit": unit.pk, "order": "", "text": "另一项职责", "text_en": "Another duty"})
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    assert Duty.objects.get(text="另一项职责").order == last + 1


def test_a_duplicate_order_typed_by_hand_is_explained_without_the_field_code(admin_user, roster):
    unit = roster["education"]
    duties = list(unit.duties.order_by("order"))
    data = _unit_form(unit, duties, ["重复"])
    data[f"duties-{len(duties)}-order"] = duties[0].order
    page = _admin(admin_user).post(f"/admin/units/unit/{unit.pk}/change/", data).content.decode()
    assert "请修改order的重复数据" not in page and "排序" in page


def test_the_duty_page_lists_its_task_templates_per_level_with_links(admin_user, roster):
    duty = roster["education"].duties.filter(task_templates__isnull=False).distinct().first()
    template = duty.task_templates.filter(level="II").first()
    page = _admin(admin_user).get(f"/admin/units/duty/{duty.pk}/change/").content.decode()
    assert f"/admin/responses/tasktemplate/{template.pk}/change/" in page and template.title in page
    assert f"/admin/responses/tasktemplate/add/?unit={duty.unit_id}&amp;duty={duty.pk}&amp;stage=response&amp;level=II" in page
    assert "Ⅱ级" in page or "II级" in page
    english = _admin(admin_user, "en").get(f"/admin/units/duty/{duty.pk}/change/").content.decode()
    assert template.title_en in english and "Add a task template for this level" in english

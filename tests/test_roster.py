"""The plan's roster: every unit named in the attachment, with its duty text; loading twice changes nothing."""

import pytest
from django.core.management import call_command

from responses.models import TaskTemplate
from responses.services import task_templates_load
from units.models import Duty, Unit
from units.services import roster_load

pytestmark = pytest.mark.django_db

# Written out here from the plan's attachment (附件1 三), independently of the data file.
DEPARTMENTS = [
    "区委宣传部", "区委网信办", "区教委", "区经济信息委", "区公安局", "区财政局", "区生态环境局", "区住房城乡建委",
    "区城市管理局", "区交通局", "区农业农村委", "区文化旅游委", "区卫生健康委", "区应急局", "江津区市场监管局",
    "江津气象局", "国网重庆江津供电公司",
]
PARKS = ["科学城江津管委会（双福工业园发展中心）", "临港产业城管委会", "德感工业园发展中心", "白沙工业园发展中心", "滨江新城建设管理中心"]
STREETS = ["几江街道", "德感街道", "鼎山街道", "双福街道", "圣泉街道"]
TOWNS = [
    "油溪镇", "吴滩镇", "石门镇", "朱杨镇", "石蟆镇", "永兴镇", "塘河镇", "白沙镇", "龙华镇", "李市镇", "慈云镇", "蔡家镇", "中山镇",
    "嘉平镇", "柏林镇", "先锋镇", "珞璜镇", "贾嗣镇", "夏坝镇", "西湖镇", "杜市镇", "广兴镇", "四面山镇", "支坪镇", "四屏镇",
]
# A phrase of each department's duty, verbatim from the attachment.
DUTY_PHRASES = {
    "区委宣传部": "组织协调媒体做好重污染天气应急工作的新闻报道",
    "区教委": "指导学校减少、停止户外活动或实施停课",
    "区公安局": "实施高排放机动车应急限行措施",
    "区住房城乡建委": "落实扬尘控制措施或暂停施工作业",
    "江津气象局": "牵头开展人工增雨作业",
    "国网重庆江津供电公司": "保证应急响应期间正常电力供应",
}


def test_every_unit_of_the_attachment_is_a_record_with_its_kind(roster):
    by_name = {u.name: u for u in Unit.objects.all()}
    assert by_name["区指挥部"].kind == "headquarters"
    assert by_name["区指挥部办公室"].kind == "office"
    for name in DEPARTMENTS:
        assert by_name[name].kind == "department", name
    for name in PARKS:
        assert by_name[name].kind == "park", name
    for name in STREETS + TOWNS:
        assert by_name[name].kind == "township", name
    assert Unit.objects.filter(kind="township").count() == 30


def test_each_unit_carries_its_duty_text(roster):
    for name, phrase in DUTY_PHRASES.items():
        text = "".join(Duty.objects.filter(unit__name=name).values_list("text", flat=True))
        assert phrase in text, name
    assert all(Duty.objects.filter(unit=u).exists() for u in Unit.objects.all())


def test_every_unit_has_tasks_at_every_level(roster):
    for unit in Unit.objects.all():
        for level in ("III", "II", "I"):
            assert TaskTemplate.objects.filter(unit=unit, level=level).exists(), (unit.code, level)


def test_loading_twice_changes_nothing(roster):
    counts = (Unit.objects.count(), Duty.objects.count(), TaskTemplate.objects.count(), Unit.history.count())
    assert roster_load() == {"units": 0, "duties": 0}
    assert task_templates_load() == {"templates": 0}
    call_command("load_roster", stdout=open("/dev/null", "w"))
    call_command("load_task_templates", stdout=open("/dev/null", "w"))
    assert (Unit.objects.count(), Duty.objects.count(), TaskTemplate.objects.count(), Unit.history.count()) == counts


def test_add_user_command_gives_one_role_and_a_unit(roster):
    call_command("add_user", "zhang", "--role", "unit", "--unit", "education", "--password", "x-pass-123", stdout=open("/dev/null", "w"))
    from units.models import User
    from units.roles import role_of

    user = User.objects.get(username="zhang")
    assert (role_of(user), user.unit.code, user.check_password("x-pass-123")) == ("unit", "education", True)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("add_user", "li", "--role", "unit")
    with pytest.raises(CommandError):
        call_command("add_user", "li", "--role", "unit", "--unit", "no-such-unit")


def test_roster_edits_are_kept_in_history(admin_user, client, roster):
    client.force_login(admin_user)
    unit = roster["education"]
    answer = client.post(
        f"/admin/units/unit/{unit.pk}/change/",
        {"code": unit.code, "kind": unit.kind, "name": unit.name, "name_en": unit.name_en, "duty_phone": "023-42345678",
         "active": "on", "order": unit.order, "duties-TOTAL_FORMS": 0, "duties-INITIAL_FORMS": 0,
         "contacts-TOTAL_FORMS": 0, "contacts-INITIAL_FORMS": 0},
    )
    assert answer.status_code == 302, answer.content[:500]
    latest = unit.history.latest()
    assert (latest.duty_phone, latest.history_user) == ("023-4234-5678", admin_user)  # normalised (units.phones)


def test_every_duty_of_the_plan_has_its_english_text(roster):
    """The 124 duties load with their English (units/data/roster.json ``duties_en``), none left blank or in Chinese."""
    import re

    from django.utils import translation

    assert Duty.objects.count() == 124
    assert not Duty.objects.filter(text_en="").exists()
    assert not [d.text_en for d in Duty.objects.all() if re.search(r"[\u4e00-\u9fff]", d.text_en)]
    duty = Duty.objects.get(unit__code="meteorology", order=4)
    assert (duty.text, duty.text_en) == ("牵头开展人工增雨作业", "Lead artificial rain enhancement operations")
    with translation.override("en"):
        assert str(duty) == "Lead artificial rain enhancement operations"[:40]
    with translation.override("zh-hans"):
        assert str(duty) == "牵头开展人工增雨作业"


def test_a_roster_file_whose_english_duties_do_not_match_is_refused(tmp_path):
    import json

    from units.services import ROSTER_FILE

    data = json.loads(ROSTER_FILE.read_text(encoding="utf-8"))
    data["units"][0]["duties_en"] = data["units"][0]["duties_en"][:-1]
    broken = tmp_path / "roster.json"
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="duties_en"):
        roster_load(roster_path=broken)

"""The default figures each kind of unit reports (issue 17 item 1); the roster admin edits them afterwards."""

from django.db import migrations

DEFAULTS = {
    "department": [
        ("enterprises_checked", "检查企业（家）", "Enterprises checked"),
        ("sites_stopped", "停工工地（个）", "Construction sites stopped"),
        ("vehicles_checked", "检查车辆（辆）", "Vehicles checked"),
        ("violations_found", "发现问题（个）", "Violations found"),
        ("complaints_handled", "处理投诉（件）", "Complaints handled"),
        ("notices_published", "发布信息（条）", "Notices published"),
    ],
    "township": [
        ("enterprises_checked", "检查企业（家）", "Enterprises checked"),
        ("sites_stopped", "停工工地（个）", "Construction sites stopped"),
        ("burning_stopped", "制止露天焚烧（起）", "Open burning stopped"),
        ("complaints_handled", "处理投诉（件）", "Complaints handled"),
        ("notices_published", "发布信息（条）", "Notices published"),
    ],
    "park": [
        ("enterprises_checked", "检查企业（家）", "Enterprises checked"),
        ("enterprises_limited", "落实限产停产企业（家）", "Enterprises cutting or stopping production"),
        ("violations_found", "发现问题（个）", "Violations found"),
    ],
}


def add(apps, schema_editor):
    FigureField = apps.get_model("reports", "FigureField")
    for kind, fields in DEFAULTS.items():
        for order, (key, label, label_en) in enumerate(fields, start=1):
            FigureField.objects.get_or_create(unit_kind=kind, key=key,
                                              defaults={"label": label, "label_en": label_en, "order": order})


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]

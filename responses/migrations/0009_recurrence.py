"""Recurring duties (issue 17 item 6): a template's repeat interval, a task's occurrence number and the time
a response's level took effect. Existing tasks are numbered: a task re-assigned after it was closed (a
re-upgrade) is the next occurrence of its key, so that 0010's unique constraint holds."""

import django.core.validators
from django.conf import settings
from django.db import migrations, models


def number_and_date(apps, schema_editor):
    TaskAssignment = apps.get_model("responses", "TaskAssignment")
    Response = apps.get_model("responses", "Response")
    seen, renumbered = {}, []
    rows = TaskAssignment.objects.order_by("response_id", "unit_id", "stage", "key", "id").values_list(
        "pk", "response_id", "unit_id", "stage", "key"
    )
    for pk, *task in rows.iterator(chunk_size=5000):
        n = seen[tuple(task)] = seen.get(tuple(task), 0) + 1
        if n > 1:
            renumbered.append(TaskAssignment(pk=pk, occurrence=n))
    TaskAssignment.objects.bulk_update(renumbered, ["occurrence"], batch_size=1000)
    # The warning in force took effect when the current level did (each level change is a new warning).
    updated = []
    for response in Response.objects.select_related("alert").only("pk", "started_at", "alert__starts_at", "alert__issued_at").iterator(chunk_size=2000):
        response.level_since = max(filter(None, (response.alert.starts_at or response.alert.issued_at, response.started_at)))
        updated.append(response)
    Response.objects.bulk_update(updated, ["level_since"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('responses', '0008_history_indexes'),
        ('units', '0003_duty_text_en'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='historicaltasktemplate',
            name='repeat_minutes',
            field=models.PositiveIntegerField(blank=True, help_text='Empty: once. Otherwise a new occurrence of the task every so many minutes while the level is in force.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='repeat every (minutes)'),
        ),
        migrations.AddField(
            model_name='response',
            name='level_since',
            field=models.DateTimeField(blank=True, null=True, verbose_name='level in force since'),
        ),
        migrations.AddField(
            model_name='taskassignment',
            name='occurrence',
            field=models.PositiveIntegerField(default=1, verbose_name='occurrence'),
        ),
        migrations.AddField(
            model_name='tasktemplate',
            name='repeat_minutes',
            field=models.PositiveIntegerField(blank=True, help_text='Empty: once. Otherwise a new occurrence of the task every so many minutes while the level is in force.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='repeat every (minutes)'),
        ),
        migrations.RunPython(number_and_date, migrations.RunPython.noop),
    ]

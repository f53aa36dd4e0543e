from django.db import migrations, models


class Migration(migrations.Migration):
    """Each occurrence of a task once per unit per response (the numbers 0009 gave), instead of one live copy."""

    dependencies = [
        ('responses', '0009_recurrence'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='taskassignment',
            name='assignment_one_live_per_task',
        ),
        migrations.AddConstraint(
            model_name='taskassignment',
            constraint=models.UniqueConstraint(fields=('response', 'unit', 'stage', 'key', 'occurrence'), name='assignment_one_per_occurrence'),
        ),
        migrations.AddConstraint(
            model_name='tasktemplate',
            constraint=models.CheckConstraint(condition=models.Q(('repeat_minutes__isnull', True), ('repeat_minutes__gte', 1), _connector='OR'), name='template_repeat_positive', violation_error_message='Repeat at least every minute, or leave it empty for once.'),
        ),
    ]

"""A warning's proposal is recorded on the proposal's side now (``feeds.Proposal.alert``, issue 13 §2):
``feeds`` copies every link over before this runs (its migration 0007 runs before this one)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0006_basis_record"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="alert",
            name="proposal",
        ),
    ]

"""The link between a proposal and the warning it became moves to the proposal's side (issue 13 §2).

``alerts.Alert.proposal`` pointed up a floor, at feeds; ``feeds.Proposal.alert`` points down. Each existing
link is copied over before ``alerts`` drops its column (``run_before``): a warning made from a proposal
still names it. Only an accepted proposal was ever linked, once (``proposal_act`` locks it and accepts it
in the warning's transaction); were two warnings to name one proposal, the first made keeps the link.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    Alert = apps.get_model("alerts", "Alert")
    Proposal = apps.get_model("feeds", "Proposal")
    linked = set()
    for alert_id, proposal_id in Alert.objects.filter(proposal__isnull=False).order_by("id").values_list("id", "proposal_id"):
        if proposal_id not in linked:
            Proposal.objects.filter(pk=proposal_id).update(alert_id=alert_id)
            linked.add(proposal_id)


def copy_links_back(apps, schema_editor):
    Alert = apps.get_model("alerts", "Alert")
    Proposal = apps.get_model("feeds", "Proposal")
    for proposal_id, alert_id in Proposal.objects.filter(alert__isnull=False).values_list("id", "alert_id"):
        Alert.objects.filter(pk=alert_id).update(proposal_id=proposal_id)


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0006_basis_record"),
        ("feeds", "0006_municipal_proposals"),
    ]
    run_before = [
        ("alerts", "0007_remove_alert_proposal"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="alert",
            field=models.OneToOneField(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="alerts.alert", verbose_name="warning",
            ),
        ),
        migrations.RunPython(copy_links, copy_links_back),
    ]

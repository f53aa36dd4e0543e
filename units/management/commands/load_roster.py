from django.core.management.base import BaseCommand

from units.services import roster_load


class Command(BaseCommand):
    help = (
        "Load the plan's roster (headquarters, office, member units, duties). Idempotent. "
        "The units' task templates are the responses' data: load them next with load_task_templates."
    )

    def handle(self, *args, **options):
        counts = roster_load()
        self.stdout.write(f"roster loaded: {counts['units']} units, {counts['duties']} duties changed")

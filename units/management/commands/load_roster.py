from django.core.management.base import BaseCommand

from units.services import roster_load


class Command(BaseCommand):
    help = "Load the plan's roster (headquarters, office, member units, duties) and the task templates. Idempotent."

    def handle(self, *args, **options):
        counts = roster_load()
        self.stdout.write(
            f"roster loaded: {counts['units']} units, {counts['duties']} duties, {counts['templates']} task templates changed"
        )

from django.core.management.base import BaseCommand

from responses.services import task_templates_load


class Command(BaseCommand):
    help = "Load every unit's task templates from responses/data/task_templates.json (after load_roster). Idempotent."

    def handle(self, *args, **options):
        counts = task_templates_load()
        self.stdout.write(f"task templates loaded: {counts['templates']} changed")

from django.core.management.base import BaseCommand

from units.models import Unit
from units.services import roster_load, user_create

# Demo accounts for the embedded default. Never run this on a production database.
DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    ("office", "office", "office"),
    ("leader", "leader", "hq"),
    ("admin", "admin", None),
    ("education", "unit", "education"),
    ("police", "unit", "public-security"),
    ("jijiang", "unit", "street-jijiang"),
]


class Command(BaseCommand):
    help = "Load the roster and create the demo accounts (embedded default only)."

    def handle(self, *args, **options):
        roster_load()
        units = {u.code: u for u in Unit.objects.all()}
        for username, role, unit_code in DEMO_USERS:
            user_create(username=username, role=role, password=DEMO_PASSWORD, unit=units.get(unit_code))
        self.stdout.write("demo logins (password %s): %s" % (DEMO_PASSWORD, ", ".join(u for u, _, _ in DEMO_USERS)))

from django.core.management.base import BaseCommand, CommandError

from reductions.data.make_sample import SAMPLE, SAMPLE_INVENTORY, SAMPLE_INVENTORY_SOURCE, SAMPLE_TITLE, YEAR
from reductions.selectors import roster_lookups
from reductions.services import inventory_save, list_import
from reductions.xlsx import workbook_read
from units.models import User


class Command(BaseCommand):
    help = "Import the sample emission-reduction list (invented names) and its district totals, as the demo's admin."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", default="admin", help="the account that imports (needs reductions.manage_list)")

    def handle(self, *args, **options):
        actor = User.objects.filter(username=options["username"]).first()
        if actor is None:
            raise CommandError(f"no user {options['username']!r}; run load_demo first")
        places, supervisors = roster_lookups()
        plan = workbook_read(SAMPLE.read_bytes(), places=places, supervisors=supervisors)
        if not plan.valid:
            raise CommandError("\n".join(str(e) for e in plan.errors))
        diff = list_import(actor=actor, year=YEAR, plan=plan, title=SAMPLE_TITLE, sample=True)
        inventory_save(actor=actor, year=YEAR, totals=SAMPLE_INVENTORY, source=SAMPLE_INVENTORY_SOURCE)
        self.stdout.write(f"sample list {YEAR}: " + ", ".join(f"{k} {v}" for k, v in diff.counts().items() if v))

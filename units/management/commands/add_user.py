from django.core.management.base import BaseCommand, CommandError

from units.choices import Role
from units.models import Unit
from units.services import user_create


class Command(BaseCommand):
    help = "Create or update an account with one role: office, leader, unit or admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--unit", help="unit code (required for --role unit)")
        parser.add_argument("--password", help="password (omit for an account that logs in by token only)")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, role, unit, password, email, **options):
        unit_obj = None
        if unit:
            unit_obj = Unit.objects.filter(code=unit).first()
            if unit_obj is None:
                raise CommandError(f"no unit with code {unit!r}; run load_roster first or check the code")
        try:
            user = user_create(username=username, role=role, password=password, unit=unit_obj, email=email)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{user.username}: role {role}" + (f", unit {unit_obj.code}" if unit_obj else ""))

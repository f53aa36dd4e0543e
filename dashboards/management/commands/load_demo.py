"""The embedded default's demo data. It touches every floor (the roster, the task templates, the duty
roster), so it lives in the top floor's app: a lower app's command may not import an upper app."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils import timezone

from duty.services import shift_create
from responses.services import task_templates_load
from units.models import Unit
from units.services import contact_save, roster_load, unit_duty_phone_set, user_create

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

# Demo phone numbers. The plan names no numbers, and China reserves no fictional range (nothing like
# the 555-01xx of North America), so the demo uses one recognisable pattern that a reader takes for a
# placeholder: landlines 023-5550-0NNN, mobiles 199-5550-0NNN (NNN = the unit's place in the roster),
# and every contact's name is marked （示例）. They pass the validator, as a real number must; they are
# not known to be assigned, but nobody should dial them.
DEMO_LANDLINE = "023-5550-{:04d}"
DEMO_MOBILE = "199-5550-{:04d}"


def demo_contacts_load(actor) -> int:
    """Give every unit a fake duty phone and one fake contact person (idempotent); answer the count of units."""
    units = list(Unit.objects.order_by("order", "code"))
    for index, unit in enumerate(units, start=1):
        unit_duty_phone_set(actor=actor, unit=unit, phone=DEMO_LANDLINE.format(index))
        contact = unit.contacts.filter(name="（示例）联络员").first()
        contact_save(actor=actor, unit=unit, contact=contact, name="（示例）联络员", position="应急联络员",
                     phone=DEMO_MOBILE.format(index), note="演示数据，请勿拨打")
    return len(units)


def demo_shifts_load(actor, officer, leader, days: int = 7) -> int:
    """A week of 24-hour shifts from 08:30 today (Asia/Shanghai) on, the demo office account on duty and the
    demo leader on call, with fake phones; shifts already there are left alone. Answers how many were added."""
    today = timezone.localtime().replace(hour=8, minute=30, second=0, microsecond=0)
    start = today if timezone.localtime() >= today else today - datetime.timedelta(days=1)
    added = 0
    for day in range(days):
        begins = start + datetime.timedelta(days=day)
        try:
            shift_create(actor=actor, starts_at=begins, ends_at=begins + datetime.timedelta(days=1), officer=officer,
                         officer_phone=DEMO_MOBILE.format(900 + day), leader=leader,
                         leader_phone=DEMO_MOBILE.format(950 + day), note="演示数据")
        except ValidationError:  # already on the roster (a second run)
            continue
        added += 1
    return added


class Command(BaseCommand):
    help = "Load the roster and the task templates, and create the demo accounts, fake contacts and shifts (embedded default only)."

    def handle(self, *args, **options):
        roster_load()
        task_templates_load()
        units = {u.code: u for u in Unit.objects.all()}
        users = {}
        for username, role, unit_code in DEMO_USERS:
            users[username] = user_create(username=username, role=role, password=DEMO_PASSWORD, unit=units.get(unit_code))
        count = demo_contacts_load(users["admin"])
        shifts = demo_shifts_load(users["office"], users["office"], users["leader"])
        self.stdout.write("demo logins (password %s): %s" % (DEMO_PASSWORD, ", ".join(u for u, _, _ in DEMO_USERS)))
        self.stdout.write("demo contacts for %d units (fake numbers 023-5550-0NNN / 199-5550-0NNN), %d shifts added" % (count, shifts))

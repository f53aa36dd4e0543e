"""manage.py uploads_sweep: delete report files that no attachment names (an upload cut off mid-way)."""

import datetime

from django.core.management.base import BaseCommand

from foundation.uploads import uploads_sweep


class Command(BaseCommand):
    help = "Delete uploaded report files that no attachment names and that are older than --minutes (default UPLOAD_ORPHAN_MINUTES)."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=None, help="only files older than this (default: the setting)")

    def handle(self, *args, minutes=None, **options):
        older_than = datetime.timedelta(minutes=minutes) if minutes is not None else None
        deleted = uploads_sweep(older_than=older_than)
        for name in deleted:
            self.stdout.write(name)
        self.stdout.write(f"{len(deleted)} unlinked file(s) deleted.")

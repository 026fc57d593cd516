"""Re-resolve every sign-up's districts against the current boundary sets.

Run after loading new boundaries (redistricting)::

    python manage.py load_districts --census 2026 --make-current
    python manage.py reassign_districts
"""

from django.core.management.base import BaseCommand

from signups.services import signups_reassign_districts


class Command(BaseCommand):
    help = "Re-resolve the districts of every located sign-up against the current maps (set-based)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, batch_size, **options):
        done = signups_reassign_districts(batch_size=batch_size)
        self.stdout.write(self.style.SUCCESS(f"Re-assigned districts for {done} sign-ups."))

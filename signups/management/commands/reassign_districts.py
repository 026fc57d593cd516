"""Re-resolve every sign-up's districts against the current boundary sets.

Run after loading new boundaries (redistricting)::

    python manage.py load_districts --census 2026 --make-current
    python manage.py reassign_districts
"""

from django.core.management.base import BaseCommand

from signups.services.locating import signups_reassign_districts


class Command(BaseCommand):
    help = "Re-resolve the districts of every located sign-up against the current maps (one set-based UPDATE)."

    def handle(self, *args, **options):
        result = signups_reassign_districts()
        self.stdout.write(
            self.style.SUCCESS(f"Checked the districts of {result.checked} sign-ups; {result.changed} changed.")
        )

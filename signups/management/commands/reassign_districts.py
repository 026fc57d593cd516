"""Re-resolve every sign-up's districts against the current boundary sets.

Run after loading new boundaries (redistricting)::

    python manage.py load_districts --census 2026 --make-current
    python manage.py reassign_districts
"""

from django.core.management.base import BaseCommand

from signups.services.redistricting import signups_reassign_districts


class Command(BaseCommand):
    help = (
        "Re-resolve the districts of every located sign-up against the current maps "
        "(set-based; in bulk, indexes rebuilt, when many rows change)."
    )

    def handle(self, *args, **options):
        result = signups_reassign_districts()
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked the districts of {result.checked} sign-ups; {result.changed} changed."
                + (" Written in bulk (indexes and keys rebuilt)." if result.bulk else "")
            )
        )

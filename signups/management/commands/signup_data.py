"""A supporter's data request: export or delete everything stored about them.

    python manage.py signup_data ana@example.org --export > ana.json
    python manage.py signup_data ana@example.org --delete            # asks first
    python manage.py signup_data ana@example.org --delete --no-input

``--export`` prints JSON: the sign-up, every row in any app that refers to it, and
the rows that name the person by email (``signups.personal_data``: nominations they
made or received). ``--delete`` removes all of those and the cached geocoder answer
for the address, then says what was removed. Someone nominated who never signed up
has no sign-up but may still ask: their nominations are exported or deleted. The
email address is given on the command line only: it is never logged.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from signups import personal_data
from signups.selectors import signup_by_email, signup_export
from signups.services.deletion import signup_delete


class Command(BaseCommand):
    help = "Export (--export) or delete (--delete) everything stored about the person with this email."

    def add_arguments(self, parser):
        parser.add_argument("email")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--export", action="store_true", help="Print everything stored about them as JSON.")
        action.add_argument("--delete", action="store_true", help="Delete everything stored about them.")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="Delete without asking."
        )

    def handle(self, *args, email, export, delete, interactive, **options):
        signup = signup_by_email(email)
        if signup is None:
            self._without_signup(email, export=export, interactive=interactive)
            return
        if export:
            self.stdout.write(json.dumps(signup_export(signup=signup), indent=2, ensure_ascii=False))
            return
        if interactive:
            answer = input(f"Delete sign-up {signup.pk} and everything about this person? Type 'yes' to confirm: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing deleted.")
        report = signup_delete(signup=signup)
        rows = ", ".join(f"{label}: {count}" for label, count in sorted(report.deleted.items()))
        self.stdout.write(self.style.SUCCESS(f"Deleted sign-up {report.signup_id} ({rows})."))
        if report.geocode_cache_cleared:
            self.stdout.write("Removed the cached geocoder answer for their address.")

    def _without_signup(self, email: str, *, export: bool, interactive: bool) -> None:
        """A person who never signed up (a nominee, say): only the rows that name them."""
        rows = personal_data.rows_by_email(email)
        if not rows:
            raise CommandError("No sign-up or other data with this email address.")
        if export:
            data = {
                "exported_at": timezone.now().isoformat(),
                "signup": None,
                "related": personal_data.serialized(rows),
            }
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        if interactive:
            answer = input(f"No sign-up; delete the {len(rows)} other rows about this person? Type 'yes' to confirm: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing deleted.")
        deleted = personal_data.delete_by_email(email=email)
        rows = ", ".join(f"{label}: {count}" for label, count in sorted(deleted.items()))
        self.stdout.write(self.style.SUCCESS(f"No sign-up; deleted {rows}."))

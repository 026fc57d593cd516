"""A supporter's data request: export or delete everything stored about them.

    python manage.py signup_data ana@example.org --export > ana.json
    python manage.py signup_data ana@example.org --delete            # asks first
    python manage.py signup_data ana@example.org --delete --no-input

``--export`` prints JSON: the sign-up and every row in any app that refers to it.
``--delete`` removes those rows and the cached geocoder answer for the address,
then says what was removed. The email address is given on the command line only:
it is never logged.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from signups.selectors import signup_by_email, signup_export
from signups.services import signup_delete


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
            raise CommandError("No sign-up with this email address.")
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

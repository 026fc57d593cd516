"""Create (or update) an organizer account.

Examples::

    python manage.py create_organizer ana@example.org --states NY,VT
    python manage.py create_organizer lead@example.org --all-states --token "weekly report"
    python manage.py create_organizer demo@example.org --all-states --password demo --totp

The organizer sets a password through "Forgot password?" or ``--password``; an
API token, named and valid ``API_TOKEN_DAYS`` days, is printed once with ``--token NAME``
(only for an organizer with TOTP set up, or with ``--totp`` in the same run; organizers
make their own on the tokens page). Organizers set up their authenticator app
(TOTP) themselves at their first login; ``--totp`` instead makes a new one now
(replacing any they had, with new recovery codes) and prints its secret and
recovery codes, for demos, scripted set-ups and an organizer who lost their phone
(whoever reads the output can log in as the organizer).
"""

from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.services import ApiTokenRefused, api_token_create, organizer_save, organizer_totp_reset
from districts.states import BY_USPS


class Command(BaseCommand):
    help = "Create or update an organizer scoped to some states (or all) and optionally print an API token."

    def add_arguments(self, parser):
        parser.add_argument("email")
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--states", help="Comma-separated USPS codes, e.g. NY,VT.")
        scope.add_argument("--all-states", action="store_true", help="Every state and the national figures.")
        parser.add_argument("--password", help="Set this password (otherwise the account has none yet).")
        parser.add_argument(
            "--token", metavar="NAME", help="Make an API token called NAME and print its key (shown this once)."
        )
        parser.add_argument(
            "--totp",
            action="store_true",
            help="Set up a new TOTP authenticator now (replacing any) and print its secret and recovery codes.",
        )

    @transaction.atomic
    def handle(self, *args, email, states, all_states, password, token, totp, **options):
        try:
            validate_email(email)
        except Exception as exc:
            raise CommandError(f"{email!r} is not an email address") from exc
        codes = sorted({s.strip().upper() for s in (states or "").split(",") if s.strip()})
        unknown = [c for c in codes if c not in BY_USPS]
        if unknown:
            raise CommandError(f"unknown state code(s): {', '.join(unknown)}")
        if states is not None and not codes:
            raise CommandError("--states needs at least one state code")
        user, created = organizer_save(email=email, states=codes, all_states=all_states, password=password)
        scope = "all states" if all_states else ", ".join(codes)
        self.stdout.write(f"{'Created' if created else 'Updated'} organizer {user.email} ({scope})")
        if totp:
            setup = organizer_totp_reset(user=user)
            if setup.replaced:
                self.stdout.write("Replaced the organizer's earlier TOTP authenticator and recovery codes.")
            self.stdout.write(f"TOTP secret: {setup.secret}")
            self.stdout.write(f"TOTP URL (for an authenticator app): {setup.url}")
            self.stdout.write(
                f"Recovery codes (each works once instead of a TOTP code): {' '.join(setup.recovery_codes)}"
            )
        if token:
            try:
                api_token, key = api_token_create(user=user, name=token)
            except ApiTokenRefused as exc:
                raise CommandError(f"{exc} (add --totp)") from exc
            self.stdout.write(f"API token {api_token.name!r}, valid until {api_token.expiry:%Y-%m-%d}: {key}")

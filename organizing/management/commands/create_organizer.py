"""Create (or update) an organizer account.

Examples::

    python manage.py create_organizer ana@example.org --states NY,VT
    python manage.py create_organizer lead@example.org --all-states --token

The organizer sets a password through "Forgot password?" or ``--password``; an
API token is printed with ``--token``.
"""

from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from rest_framework.authtoken.models import Token

from districts.states import BY_USPS
from organizing.models import User


class Command(BaseCommand):
    help = "Create or update an organizer scoped to some states (or all) and optionally print an API token."

    def add_arguments(self, parser):
        parser.add_argument("email")
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--states", help="Comma-separated USPS codes, e.g. NY,VT.")
        scope.add_argument("--all-states", action="store_true", help="Every state and the national figures.")
        parser.add_argument("--password", help="Set this password (otherwise the account has none yet).")
        parser.add_argument("--token", action="store_true", help="Print an API token for the organizer.")

    @transaction.atomic
    def handle(self, *args, email, states, all_states, password, token, **options):
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
        user, created = User.objects.get_or_create(email=User.objects.normalize_email(email).lower())
        user.states = [] if all_states else codes
        user.all_states = all_states
        if password:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        scope = "all states" if all_states else ", ".join(codes)
        self.stdout.write(f"{'Created' if created else 'Updated'} organizer {user.email} ({scope})")
        if token:
            key = Token.objects.get_or_create(user=user)[0].key
            self.stdout.write(f"API token: {key}")

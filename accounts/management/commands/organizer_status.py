"""Say how many organizers there are, and how to create the first one when there is none.

Run at the end of ``make setup`` (so ``make run`` on an empty database tells the
user what to do)::

    python manage.py organizer_status
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User


class Command(BaseCommand):
    help = "Print how many organizers exist, or how to create the first one."

    def handle(self, *args, **options):
        count = User.objects.filter(is_active=True).count()
        site = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
        if count:
            self.stdout.write(
                f"{count} organizer account{'s' if count != 1 else ''}. Organizers log in at {site}/organize/"
            )
            return
        self.stdout.write(
            "No organizer yet. Create the first one (it sees every state), then log in at "
            f"{site}/organize/ and set up an authenticator app (TOTP) when asked:\n\n"
            "    .venv/bin/python manage.py create_organizer you@example.org --all-states --password 'choose-one'\n\n"
            "(`--states NY,VT` instead of `--all-states` limits an organizer to some states.)"
        )

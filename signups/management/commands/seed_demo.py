"""Fill a development database with plausible sign-ups, for demos and benchmarks.

Examples::

    python manage.py seed_demo --signups 500
    python manage.py seed_demo --signups 100000 --seed 7
    python manage.py seed_demo --signups 300 --states NY,VT

People are invented (names, ``@example.org`` emails, 555 phone numbers) and placed
at the centroids of real ZIP codes (``load_zipcodes`` first), over the last
``--days`` days with a livestream's spike two days ago. The same ``--seed`` gives
the same people, and running it again with that seed adds nobody. Never run it on
a database with real supporters: ``make demo`` uses a database of its own.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from signups.demo import demo_signups_create


class Command(BaseCommand):
    help = "Insert N invented sign-ups at real ZIP code centres (deterministic with --seed)."

    def add_arguments(self, parser):
        parser.add_argument("--signups", type=int, required=True, help="How many sign-ups to invent.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1): same seed, same people.")
        parser.add_argument("--states", help="Comma-separated USPS codes (default: the 50 states and DC).")
        parser.add_argument("--days", type=int, default=60, help="Spread the sign-ups over this many days (60).")

    def handle(self, *args, signups, seed, states, days, **options):
        if signups < 0:
            raise CommandError("--signups must be 0 or more")
        if days < 1:
            raise CommandError("--days must be at least 1")
        codes = [code.strip().upper() for code in (states or "").split(",") if code.strip()] or None
        started = time.monotonic()
        try:
            inserted = demo_signups_create(count=signups, seed=seed, states=codes, days=days)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        skipped = signups - inserted
        self.stdout.write(
            f"Inserted {inserted} demo sign-ups"
            + (f" ({skipped} already there from an earlier run with --seed {seed})" if skipped else "")
            + f" in {time.monotonic() - started:.1f} s."
        )

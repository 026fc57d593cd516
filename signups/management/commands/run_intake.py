"""The intake worker: apply pending sign-up submissions in batches, for as long as it runs.

    python manage.py run_intake                 # the Procfile's "intake" process
    python manage.py run_intake --once          # apply what is pending now, then exit
    python manage.py run_intake --batch-size 1000

An idle worker looks for new submissions every ``SIGNUP_INTAKE_POLL`` seconds (0.2: one
indexed query that finds nothing), and after a full batch at once. While the door is busy (a
burst of ``SIGNUP_INTAKE_BURST_RATE`` submissions a second or more) it waits, leaving the cores
to the web, for at most ``SIGNUP_INTAKE_MAX_HOLD`` seconds (``BurstGuard``). Not ``LISTEN/NOTIFY``:
PostgreSQL serialises the commits of all transactions that notify, which held the sign-up
door to one commit at a time (``signups/migrations/0008``). Several workers, on one machine or many, share
the table safely: each claims its batch with ``FOR UPDATE SKIP LOCKED``, and one
person's submissions are applied one at a time (``signups.services.intake``). A
database that goes away is waited for; SIGTERM or Ctrl-C stops after the batch in hand.
"""

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections, connection

from signups.services.intake import BurstGuard, intake_process_batch_isolating

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Apply pending sign-up submissions in batches (looking every SIGNUP_INTAKE_POLL seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Apply what is pending, then exit.")
        parser.add_argument("--batch-size", type=int, default=None, help="Submissions per transaction.")

    def handle(self, *args, once: bool, batch_size: int | None, **options):
        self.stopping = False
        guard = None if once else BurstGuard()
        if not once:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        while not self.stopping:
            try:
                close_old_connections()
                if guard is not None and guard.door_busy():
                    time.sleep(settings.SIGNUP_INTAKE_POLL)
                    continue
                report = intake_process_batch_isolating(limit=batch_size)
                if report.processed:
                    continue  # more may be waiting: no sleep between full batches
                if once:
                    return
                time.sleep(settings.SIGNUP_INTAKE_POLL)
            except (OperationalError, InterfaceError) as exc:
                # PostgreSQL restarted or unreachable: start again on a new connection.
                logger.warning("intake worker: database unavailable (%s); retrying", exc.__class__.__name__)
                connection.close()
                time.sleep(1)

    def _stop(self, signum, frame):
        self.stopping = True

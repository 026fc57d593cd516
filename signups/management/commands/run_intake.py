"""The intake worker: apply pending sign-up submissions in batches, for as long as it runs.

    python manage.py run_intake                 # the Procfile's "intake" process
    python manage.py run_intake --once          # apply what is pending now, then exit
    python manage.py run_intake --batch-size 1000

Woken by PostgreSQL's ``NOTIFY signups_intake`` (a trigger on the submission table
sends it on every INSERT) and, should a notification be missed, every
``SIGNUP_INTAKE_POLL`` seconds anyway. Several workers, on one machine or many, share
the table safely: each claims its batch with ``FOR UPDATE SKIP LOCKED``, and one
person's submissions are applied one at a time (``signups.services.intake``). A
database that goes away is waited for; SIGTERM or Ctrl-C stops after the batch in hand.
"""

import contextlib
import logging
import select
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections, connection

from signups.services.intake import intake_process_batch_isolating

logger = logging.getLogger(__name__)
CHANNEL = "signups_intake"


class Command(BaseCommand):
    help = "Apply pending sign-up submissions in batches (woken by NOTIFY, or a short poll)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Apply what is pending, then exit.")
        parser.add_argument("--batch-size", type=int, default=None, help="Submissions per transaction.")

    def handle(self, *args, once: bool, batch_size: int | None, **options):
        self.stopping = False
        if not once:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        listener = None
        while not self.stopping:
            try:
                if listener is None and not once:
                    listener = self._listen()
                close_old_connections()
                report = intake_process_batch_isolating(limit=batch_size)
                if report.processed:
                    continue  # more may be waiting: no sleep between full batches
                if once:
                    return
                self._wait(listener, settings.SIGNUP_INTAKE_POLL)
            except (OperationalError, InterfaceError) as exc:
                # PostgreSQL restarted or unreachable: start again on new connections.
                logger.warning("intake worker: database unavailable (%s); retrying", exc.__class__.__name__)
                connection.close()
                listener = self._close(listener)
                time.sleep(1)
        self._close(listener)

    def _stop(self, signum, frame):
        self.stopping = True

    def _listen(self):
        """A connection of its own, in autocommit, listening for new submissions."""
        raw = connection.get_new_connection(connection.get_connection_params())
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        return raw

    def _wait(self, listener, timeout: float) -> None:
        try:
            if select.select([listener], [], [], timeout)[0]:
                listener.poll()
                listener.notifies.clear()  # one wake-up is enough: the batch reads the table
        except (OSError, ValueError) as exc:
            raise OperationalError(str(exc)) from exc

    def _close(self, listener):
        if listener is not None:
            with contextlib.suppress(Exception):  # it is being thrown away
                listener.close()
        return None

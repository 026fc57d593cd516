"""Celery tasks: thin wrappers that fetch by primary key and call a service.

Task arguments are primary keys only, never personal data. Every task is
idempotent (a state field decides what is left to do), acknowledged late and
handed back if its worker dies (settings), and retried a bounded number of
times with exponential backoff and jitter; past that, the sweeper re-queues.
(Sign-ups themselves are not tasks: the intake workers, ``manage.py run_intake``,
read them from the database.)
"""

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from districts.geocoding.census import GeocoderUnavailable

from . import outbox
from .services import confirmation, deletion, locating


@shared_task(
    autoretry_for=(GeocoderUnavailable,), retry_backoff=5, retry_backoff_max=600, retry_jitter=True, max_retries=8
)
def locate_signup(signup_id: int) -> str:
    return locating.signup_locate(signup_id=signup_id)


@shared_task(
    autoretry_for=(GeocoderUnavailable,), retry_backoff=30, retry_backoff_max=1800, retry_jitter=True, max_retries=8
)
def locate_signups_batch(signup_ids: list[int]) -> int:
    return locating.signups_locate_batch(signup_ids=signup_ids)


@shared_task(bind=True, retry_backoff=10, retry_backoff_max=900, retry_jitter=True, max_retries=10)
def send_emails(self, email_ids: list[int]) -> int:
    """Every email (the outbox's rows), whatever its kind, a chunk at a time; returns how many went.

    An SMTP failure (an OSError, smtplib's included) retries the rest of the chunk with backoff:
    the ones already sent stay sent. An email another run holds the claim on is looked at
    again, alone, when that claim expires.
    """
    sent = 0
    for position, email_id in enumerate(email_ids):
        try:
            sent += outbox.email_send(email_id=email_id)
        except outbox.EmailInProgress as busy:
            self.apply_async(args=[[email_id]], countdown=busy.retry_in)
        except OSError as exc:
            countdown = get_exponential_backoff_interval(
                self.retry_backoff, self.request.retries, self.retry_backoff_max, self.retry_jitter
            )
            raise self.retry(args=[email_ids[position:]], exc=exc, countdown=countdown) from None
    return sent


@shared_task
def sweep() -> dict:
    """The one sweeper (Celery beat, every minute): emails and geocodings that never left,
    held changes that expired or whose email waited out the hour."""
    return {
        "emails": outbox.emails_requeue_stalled(),
        "locate": locating.signups_requeue_unlocated(),
        **confirmation.pending_changes_sweep(),
    }


@shared_task
def prune_submissions() -> int:
    return deletion.submissions_prune()

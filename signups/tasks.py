"""Celery tasks: thin wrappers that fetch by primary key and call a service.

Task arguments are primary keys only, never personal data. Every task is
idempotent (a state field decides what is left to do), acknowledged late and
handed back if its worker dies (settings), and retried a bounded number of
times with exponential backoff and jitter; past that, the sweeper re-queues.
(Sign-ups themselves are not tasks: the intake workers, ``manage.py run_intake``,
read them from the database.)
"""

from celery import shared_task

from districts.geocoding import GeocoderUnavailable

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


@shared_task(
    bind=True, autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=900, retry_jitter=True, max_retries=10
)
def send_email(self, email_id: int) -> bool:
    """Every email (the outbox's rows), whatever its kind."""
    # SMTP failures are OSErrors (smtplib.SMTPException included), retried with backoff.
    try:
        return outbox.email_send(email_id=email_id)
    except outbox.EmailInProgress as busy:
        # Another run holds the claim (or held it and died): look again when it expires.
        raise self.retry(countdown=busy.retry_in, exc=busy) from None


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

"""Celery tasks: thin wrappers that fetch by primary key and call a service.

Task arguments are primary keys only, never personal data. Every task is
idempotent (a state field decides what is left to do), acknowledged late and
handed back if its worker dies (settings), and retried a bounded number of
times with exponential backoff and jitter; past that, the sweeper re-queues.
"""

from celery import shared_task

from districts.geocoding import GeocoderUnavailable

from . import services


@shared_task(
    autoretry_for=(GeocoderUnavailable,), retry_backoff=5, retry_backoff_max=600, retry_jitter=True, max_retries=8
)
def locate_signup(signup_id: int) -> str:
    return services.signup_locate(signup_id=signup_id)


@shared_task(
    autoretry_for=(GeocoderUnavailable,), retry_backoff=30, retry_backoff_max=1800, retry_jitter=True, max_retries=8
)
def locate_signups_batch(signup_ids: list[int]) -> int:
    return services.signups_locate_batch(signup_ids=signup_ids)


@shared_task(
    bind=True, autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=900, retry_jitter=True, max_retries=10
)
def send_signup_confirmation(self, signup_id: int) -> bool:
    # SMTP failures are OSErrors (smtplib.SMTPException included), retried with backoff.
    try:
        return services.signup_send_confirmation(signup_id=signup_id)
    except services.ConfirmationInProgress as busy:
        # Another run holds the claim (or held it and died): look again when it expires.
        raise self.retry(countdown=busy.retry_in, exc=busy) from None


@shared_task
def requeue_stalled_signups() -> dict:
    return services.signups_requeue_stalled()

"""Celery tasks of call teams: primary keys in, a service call, bounded retries."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=900, retry_jitter=True, max_retries=10)
def send_caller_invitation(member_id: int) -> bool:
    return services.caller_invitation_send(member_id=member_id)


@shared_task
def refresh_call_queue() -> int:
    """Celery beat: bring the queue's ranks up to date with the sign-ups and the pipeline."""
    return services.prospects_refresh()

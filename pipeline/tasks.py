"""Celery tasks of the pipeline: primary keys in, a service call, bounded retries."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=900, retry_jitter=True, max_retries=10)
def send_introduction(introduction_id: int) -> bool:
    return services.introduction_send(introduction_id=introduction_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=900, retry_jitter=True, max_retries=10)
def send_nomination_invitation(nomination_id: int) -> bool:
    return services.nomination_send_invitation(nomination_id=nomination_id)

"""Celery tasks of call teams: primary keys in, a service call, bounded retries."""

from celery import shared_task

from .services.queue import prospects_refresh


@shared_task
def refresh_call_queue() -> int:
    """Celery beat: bring the queue's ranks up to date with the sign-ups and the pipeline."""
    return prospects_refresh()

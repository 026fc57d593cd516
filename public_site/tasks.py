"""Celery tasks of the public side: thin, no arguments, nothing personal."""

from celery import shared_task

from . import coverage


@shared_task
def refresh_snapshot() -> bool:
    """Celery beat: keep the public coverage snapshot fresh off the request path."""
    return coverage.public_snapshot_refresh()

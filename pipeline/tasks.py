"""Pipeline tasks (thin: the work is in ``services``)."""

from celery import shared_task

from . import services


@shared_task
def prune_unconfirmed_nominations() -> int:
    return services.nominations_unconfirmed_prune()

"""Every sign-up task is acknowledged late, handed back when its worker dies, and retried a
bounded number of times with backoff (the kill tests in test_outages.py show the behaviour)."""

import pytest

from berniecrat.celery import app
from signups import tasks


@pytest.mark.parametrize(
    "task", [tasks.locate_signup, tasks.locate_signups_batch, tasks.send_emails], ids=lambda t: t.name
)
def test_task_is_acked_late_rejected_on_worker_loss_and_retried_with_bounded_backoff(task):
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert 0 < task.max_retries <= 10
    assert task.retry_backoff and task.retry_backoff_max and task.retry_jitter
    assert all(
        arg in ("signup_id", "signup_ids", "email_ids", "self") for arg in task.__wrapped__.__code__.co_varnames[:2]
    )


def test_worker_takes_one_task_at_a_time_and_the_broker_gives_up_quickly():
    assert app.conf.worker_prefetch_multiplier == 1
    options = app.conf.broker_transport_options
    assert options["socket_connect_timeout"] <= 1 and options["socket_timeout"] <= 1
    assert app.conf.task_publish_retry_policy["max_retries"] <= 1
    assert app.conf.beat_schedule["sweep"]["schedule"] <= 60

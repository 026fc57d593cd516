"""The intake in a livestream's burst: the workers wait while the door is busy, never past the
longest hold."""

from datetime import timedelta

import pytest
from django.utils import timezone

from signups.models import Submission
from signups.services.intake import BurstGuard, intake_process_pending, submission_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def arrive(count: int, *, received_at=None) -> None:
    for i in range(count):
        submission_create(
            kind="run", email=f"burst-{Submission.objects.count()}-{i}@example.org", data={"zip": "10001"}, source="api"
        )
    if received_at is not None:
        Submission.objects.update(received_at=received_at)


@pytest.fixture
def guard(settings):
    settings.SIGNUP_INTAKE_BURST_RATE = 50
    settings.SIGNUP_INTAKE_MAX_HOLD = 60
    clock = Clock()
    return BurstGuard(clock=clock), clock


def test_the_intake_waits_while_the_door_is_busy_and_goes_on_when_it_calms(guard):
    guard, clock = guard
    arrive(1)
    assert not guard.door_busy()  # a worker that just started cannot tell a burst yet
    arrive(60)
    clock.now = 1.0
    assert guard.door_busy()  # 60 in the last second: at or over the burst rate
    clock.now = 2.2
    assert not guard.door_busy()  # nothing new in the last second


def test_a_trickle_below_the_burst_rate_is_applied_at_once(guard):
    guard, clock = guard
    for second in range(1, 4):
        arrive(10)
        clock.now = float(second)
        assert not guard.door_busy()


def test_in_a_burst_that_lasts_a_submission_is_never_held_past_the_longest_hold(guard):
    guard, clock = guard
    arrive(1, received_at=timezone.now() - timedelta(seconds=61))
    guard.door_busy()
    arrive(100)
    clock.now = 1.0
    assert not guard.door_busy()  # the oldest has waited 61 s of the 60 allowed: apply them now
    intake_process_pending()
    assert not Submission.objects.pending().exists()


def test_with_nothing_pending_the_workers_never_wait(guard):
    guard, clock = guard
    arrive(100)
    intake_process_pending()
    clock.now = 1.0
    assert not guard.door_busy()

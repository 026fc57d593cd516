"""The intake in a livestream's burst: the workers wait while the door is busy, never past the
longest hold; and the batch's one INSERT stores each person exactly as submitted."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from berniecrat.bulk import insert_rows
from signups.models import SignUp, Submission
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


def test_a_batch_stores_each_person_exactly_as_submitted():
    people = [
        SignUp(
            email="quote@example.org",
            wants_to_run=True,
            first_name="Ana 100% O'Neil",
            last_name="García",
            state="NY",
            zip="10001",
            offices=["school_board", "county"],
            skills=[],
            submitted_location=Point(-73.99, 40.75, srid=4326),
            location=Point(-73.99, 40.75, srid=4326),
        ),
        SignUp(
            email="none@example.org",
            wants_to_volunteer=True,
            first_name="Luis",
            state="VT",
            zip="05401",
            hours_per_week=None,
        ),
    ]
    insert_rows(people)
    stored = {p.email: p for p in SignUp.objects.filter(pk__in=[p.pk for p in people])}
    assert set(stored) == {"quote@example.org", "none@example.org"}
    quote = stored["quote@example.org"]
    assert (quote.first_name, quote.last_name) == ("Ana 100% O'Neil", "García")
    assert (quote.offices, quote.skills) == (["school_board", "county"], [])
    assert (round(quote.location.x, 6), round(quote.location.y, 6), quote.location.srid) == (-73.99, 40.75, 4326)
    assert quote.created_at is not None and quote.updated_at is not None
    assert stored["none@example.org"].location is None and stored["none@example.org"].hours_per_week is None

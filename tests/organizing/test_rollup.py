"""The rollups the coverage engine reads: after any mix of writes, the same figures as counting the sign-ups.

Each test writes through the paths the site has (intake batches, confirmation, organizer
edits, stage changes, deletion, reassignment), then asks the summary, the district lists
and the activity series twice: as organizers get them (from the rollups the triggers keep)
and counted from the sign-ups (the engine's other path, ``rollup.folds`` off). A trigger
that missed a write path, or counted a person by another rule, shows as a difference.
"""

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.scope import Scope
from coverage import CoverageFilters, district_rows, rollup, signups_over_time
from coverage.models import DistrictRollup
from coverage.summary import coverage_summary_build
from pipeline.models import Candidacy, Stage
from pipeline.services import candidacy_set_stage
from signups.models import DISTRICT_LAYERS, Office, SignUp
from signups.services.confirmation import signup_confirm
from signups.services.deletion import signup_delete
from signups.services.redistricting import signups_reassign_districts
from tests.factories import signup_in
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.django_db

FILTER_SETS = [
    CoverageFilters(),
    CoverageFilters(kind="run"),
    CoverageFilters(kind="volunteer"),
    CoverageFilters(confirmed_only=True),
    CoverageFilters(states=("NY",)),
    CoverageFilters(kind="run", confirmed_only=True, states=("NY", "VT")),
    # Days: the district counts read the sign-ups, the activity its rollup's quarters.
    CoverageFilters(since=timezone.localdate() - datetime.timedelta(days=3), until=timezone.localdate()),
]
SCOPES = [Scope.everywhere(), Scope(states=frozenset({"NY"}))]
OFFICES = [Office.SCHOOL_BOARD, Office.CITY_COUNCIL, Office.COUNTY, Office.STATE_HOUSE]


def _live(monkeypatch, ask):
    """``ask()`` answered by counting the sign-ups (the rollups not read)."""
    with monkeypatch.context() as patched:
        patched.setattr(rollup, "folds", lambda filters, by_time=False: False)
        return ask()


def _answers(scope, filters):
    now = timezone.now()
    start = (now - datetime.timedelta(days=10)).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "summary": coverage_summary_build(scope=scope, filters=filters),
        "cd": district_rows(scope=scope, filters=filters, layer_key="cd", state="NY"),
        "county": district_rows(scope=scope, filters=filters, layer_key="county", state="NY"),
        "place": district_rows(scope=scope, filters=filters, layer_key="place"),
        "days": signups_over_time(scope=scope, filters=filters, unit="day"),
        "hours": signups_over_time(
            scope=scope, filters=filters, unit="hour", start=start, end=now.replace(minute=0, second=0, microsecond=0)
        ),
    }


def _assert_rollup_matches_live(monkeypatch):
    for scope in SCOPES:
        for filters in FILTER_SETS:
            from_rollup = _answers(scope, filters)
            counted = _live(monkeypatch, lambda scope=scope, filters=filters: _answers(scope, filters))
            assert from_rollup == counted, (scope, filters)


class _Writer:
    """Random writes of every kind the site makes, in New York and Vermont."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.places = current_districts("sldl", "NY")[:40:4] + current_districts("sldl", "VT")[:12:4]

    def fields(self) -> dict:
        runs = self.random.random() < 0.7
        return {
            "wants_to_run": runs,
            "wants_to_volunteer": not runs or self.random.random() < 0.3,
            "offices": self.random.sample(OFFICES, self.random.randint(0, 3)),
            "confirmed_at": timezone.now() if self.random.random() < 0.5 else None,
        }

    def signup(self) -> SignUp:
        return signup_in(self.random.choice(self.places), **self.fields())

    def some(self) -> SignUp | None:
        return SignUp.objects.order_by("?").first()

    def intake_batch(self):
        people = [self.signup() for _ in range(self.random.randint(1, 3))]
        # One statement for several rows, as the intake workers write a batch.
        SignUp.objects.filter(pk__in=[p.pk for p in people]).update(
            created_at=timezone.now() - datetime.timedelta(hours=self.random.randint(0, 200))
        )

    def confirm(self):
        if person := SignUp.objects.filter(confirmed_at__isnull=True).first():
            signup_confirm(signup_id=person.pk)

    def edit(self):
        if person := self.some():
            changed = self.fields()
            person.wants_to_run, person.wants_to_volunteer = changed["wants_to_run"], changed["wants_to_volunteer"]
            person.offices = changed["offices"]
            person.save()

    def move(self):
        person, place = self.some(), self.random.choice(self.places)
        if person:
            moved = signup_in(place, email=f"moved{person.pk}@example.org")
            ids = {f"{layer}_id": getattr(moved, f"{layer}_id") for layer in DISTRICT_LAYERS}
            SignUp.objects.filter(pk=person.pk).update(state=moved.state, location=moved.location, **ids)
            moved.delete()

    def stage(self):
        if person := SignUp.objects.runners().order_by("?").first():
            candidacy_set_stage(signup_id=person.pk, stage=self.random.choice(Stage.values), by=None)

    def drop_candidacy(self):
        Candidacy.objects.filter(pk__in=Candidacy.objects.order_by("?").values("pk")[:1]).delete()

    def delete(self):
        if person := self.some():
            signup_delete(signup=person)

    def run(self, steps: int):
        writes = [self.intake_batch, self.confirm, self.edit, self.move, self.stage, self.stage, self.drop_candidacy]
        for _ in range(steps):
            self.random.choice([*writes, self.delete] if SignUp.objects.count() > 5 else writes)()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_any_mix_of_writes_the_figures_are_those_counted_from_the_sign_ups(seed, monkeypatch):
    writer = _Writer(seed)
    for _ in range(8):
        writer.signup()
    writer.run(25)

    _assert_rollup_matches_live(monkeypatch)
    assert coverage_summary_build(scope=Scope.everywhere(), filters=CoverageFilters())["signups"] == {
        "run": SignUp.objects.runners().exclude(candidacy__stage=Stage.WITHDRAWN).count(),
        "volunteer": SignUp.objects.volunteers().count(),
    }


def test_the_rollups_equal_a_rebuild_from_scratch_after_any_mix_of_writes():
    """What the triggers keep row by row is what one pass over the tables gives."""
    writer = _Writer(7)
    for _ in range(6):
        writer.signup()
    writer.run(30)
    kept = _nonzero()
    rollup.rollup_rebuild()

    assert kept == _nonzero()
    assert kept  # people were counted


def _nonzero() -> set:
    return set(
        DistrictRollup.objects.exclude(candidates=0, filed=0, volunteers=0).values_list(
            "state", "confirmed", "district_id", "candidates", "filed", "volunteers"
        )
    )


def test_the_summary_reads_the_rollups_not_every_sign_up():
    """The speed the issue asks for: the national summary no longer passes over the sign-ups."""
    signup_in(current_districts("cd", "NY")[0], wants_to_run=True)
    with CaptureQueriesContext(connection) as queries:
        summary = coverage_summary_build(scope=Scope.everywhere(), filters=CoverageFilters())

    assert summary["chambers"]["cd"]["covered"] == 1
    assert all("signups_signup" not in query["sql"] for query in queries)


def test_a_filter_the_rollups_do_not_keep_is_counted_from_the_sign_ups(monkeypatch):
    house = current_districts("cd", "NY")
    signup_in(house[0], wants_to_run=True, offices=[Office.US_HOUSE])
    signup_in(house[1], wants_to_run=True, offices=[Office.STATE_HOUSE])
    office = CoverageFilters(office=Office.US_HOUSE)

    assert coverage_summary_build(scope=Scope.everywhere(), filters=office)["chambers"]["cd"]["covered"] == 1
    assert coverage_summary_build(scope=Scope.everywhere(), filters=CoverageFilters())["chambers"]["cd"]["covered"] == 2


def test_bulk_reassignment_leaves_the_figures_those_of_the_new_districts(monkeypatch):
    """Reassignment in bulk writes with the triggers off and rebuilds; in place the triggers count."""
    writer = _Writer(11)
    for _ in range(10):
        writer.signup()
    writer.stage()
    SignUp.objects.update(**dict.fromkeys(f"{layer}_id" for layer in DISTRICT_LAYERS), districts_assigned_at=None)

    assert signups_reassign_districts(bulk_share=0.0).bulk
    _assert_rollup_matches_live(monkeypatch)
    assert coverage_summary_build(scope=Scope.everywhere(), filters=CoverageFilters())["chambers"]["sldl"]["covered"]

    SignUp.objects.update(**dict.fromkeys(f"{layer}_id" for layer in DISTRICT_LAYERS), districts_assigned_at=None)
    assert not signups_reassign_districts(bulk_share=2.0).bulk
    _assert_rollup_matches_live(monkeypatch)

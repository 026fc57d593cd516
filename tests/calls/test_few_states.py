"""A team of a few states is given its people through each state's own index (``queue.FEW_STATES``):
still in the one rank order across its states, and still never one person twice."""

import datetime

import pytest

from calls.models import Prospect
from calls.services import outcomes, queue
from tests.calls.conftest import at_once, make_caller, make_team, person
from tests.organizing.conftest import current_districts

# 18:00 UTC on a Monday: 13:00 in New York, 10:00 in Los Angeles (both within calling hours).
BOTH_OPEN = datetime.datetime(2026, 11, 30, 18, 0, tzinfo=datetime.UTC)


@pytest.fixture(params=["per_state", "global"])
def read_by(request, monkeypatch):
    """Both ways of reading the queue: each state's index (a few states), the global one (many)."""
    if request.param == "global":
        monkeypatch.setattr(queue, "FEW_STATES", 0)
    return request.param


def two_states_of_people() -> None:
    """New York's districts crowded, California's not: the ranks interleave across the two states."""
    ny, ca = current_districts("sldl", "NY")[:3], current_districts("sldl", "CA")[:3]
    for district, crowd in ((ny[0], 3), (ny[1], 1), (ca[0], 2), (ca[1], 1), (ca[2], 3), (ny[2], 2)):
        for i in range(crowd):
            fields = {"zip": "90012", "state": "CA"} if district.state == "CA" else {}
            person(district, days_ago=30 - i - crowd, refresh=False, **fields)
    queue.prospects_refresh()


def take_all(team, caller) -> list[int]:
    given = []
    while (call := queue.call_next(team=team, caller=caller, now=BOTH_OPEN)) is not None:
        given.append(call.signup_id)
        outcomes.call_record_outcome(call_id=call.pk, caller=caller, outcome="interested", now=BOTH_OPEN)
    return given


@pytest.mark.django_db
def test_small_team_gets_its_states_people_in_global_rank_order(organizer, read_by):
    team = make_team(organizer, states=["NY", "CA"])
    caller = make_caller(team, organizer)
    two_states_of_people()
    expected = list(
        Prospect.objects.filter(callable=True)
        .order_by("rank_sldl", "signed_up_at", "signup_id")
        .values_list("signup_id", flat=True)
    )
    assert len({p.state for p in Prospect.objects.all()}) == 2
    assert take_all(team, caller) == expected


@pytest.mark.django_db(transaction=True)
def test_callers_of_a_small_team_asking_at_once_never_share_a_person(organizer, read_by):
    team = make_team(organizer, states=["NY", "CA"])
    callers = [make_caller(team, organizer) for _ in range(8)]
    two_states_of_people()
    people = Prospect.objects.filter(callable=True).count()

    given = at_once(callers, lambda caller: take_all(team, caller))

    assert sorted(given) == sorted(set(given))  # nobody twice ...
    assert len(given) == people  # ... and everybody once

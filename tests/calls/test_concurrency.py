"""Many callers asking at once: nobody is handed to two of them."""

import pytest

from calls.models import Call
from calls.services import outcomes, queue
from tests.calls.conftest import NY_MORNING, at_once, make_caller, make_team, person
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.django_db(transaction=True)

CALLERS = 24
PEOPLE = 60


def test_callers_asking_at_the_same_moment_never_share_a_person(organizer):
    team = make_team(organizer, states=["NY"])
    callers = [make_caller(team, organizer) for _ in range(CALLERS)]
    districts = current_districts("sldl", "NY")[:6]
    for i in range(PEOPLE):
        person(districts[i % len(districts)], refresh=False)
    queue.prospects_refresh()

    def three_in_a_row(caller) -> list[int]:
        # Each caller takes three people in a row (recording an outcome in between).
        mine = []
        for _ in range(3):
            call = queue.call_next(team=team, caller=caller, now=NY_MORNING)
            if call is None:
                break
            mine.append(call.signup_id)
            outcomes.call_record_outcome(call_id=call.pk, caller=caller, outcome="interested", now=NY_MORNING)
        return mine

    handed = at_once(callers, three_in_a_row)
    assert len(handed) == PEOPLE  # 24 callers x 3 asks > 60 people: everyone was called ...
    assert len(set(handed)) == len(handed)  # ... once
    assert Call.objects.count() == PEOPLE

""" "Next person" is planned once per connection, not on every ask (bench/findings.md, section 8)."""

import pytest
from django.db import connection

from calls.services import queue
from tests.calls.conftest import make_caller, person

pytestmark = pytest.mark.django_db


def test_every_ask_runs_the_generic_plan(team, caller, ny_house):
    # Under plan_cache_mode = auto PostgreSQL planned this statement again for each ask (its generic
    # plan is estimated dearer than the custom ones): 1.4-1.6 ms of planning for 0.5-1.0 ms of work.
    for district in ny_house:
        person(district)
    asks = 7  # past the five custom plans ``auto`` tries before it may choose the generic one
    before = _plans()  # the connection, and what it prepared, may be an earlier test's
    given = [queue.call_next(team=team, caller=make_caller(team, team.created_by)) for _ in range(asks)]
    assert len({call.signup_id for call in given if call}) == len(ny_house)
    generic, custom = (after - earlier for after, earlier in zip(_plans(), before, strict=True))
    assert (generic, custom) == (asks, 0)


def _plans() -> tuple[int, int]:
    """Executions of "next person" on this connection by its generic plan, and by a custom one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements "
            "WHERE name LIKE 'call_next_%%'"
        )
        return cursor.fetchone()

""" "Next person" is planned once per connection, not on every ask (bench/findings.md, section 8)."""

import pytest
from django.db import connection

from calls.models import Call, Prospect
from calls.services import queue
from signups.services.deletion import signup_delete
from tests.calls.conftest import NY_MORNING, make_caller, person

pytestmark = pytest.mark.django_db

# Every ask at a fixed morning in New York: the queue offers only people inside their calling hours,
# so an ask at the real time found nobody after 8 pm there (the suite failed when run in the evening).


def test_every_ask_runs_the_generic_plan(team, caller, ny_house):
    # Under plan_cache_mode = auto PostgreSQL planned this statement again for each ask (its generic
    # plan is estimated dearer than the custom ones): 1.4-1.6 ms of planning for 0.5-1.0 ms of work.
    for district in ny_house:
        person(district)
    asks = 7  # past the five custom plans ``auto`` tries before it may choose the generic one
    before = _plans()  # the connection, and what it prepared, may be an earlier test's
    given = [queue.call_next(team=team, caller=make_caller(team, team.created_by), now=NY_MORNING) for _ in range(asks)]
    assert len({call.signup_id for call in given if call}) == len(ny_house)
    generic, custom = (after - earlier for after, earlier in zip(_plans(), before, strict=True))
    assert (generic, custom) == (asks, 0)


def test_a_claim_updates_the_queue_row_in_place(team, caller, ny_house):
    # No indexed column of the queue row changes when it is claimed, so PostgreSQL updates it in place
    # (HOT) instead of writing an entry in each of the table's indexes.
    person(ny_house[0])
    before = _prospect_updates()
    assert queue.call_next(team=team, caller=caller, now=NY_MORNING) is not None
    updated, in_place = (after - earlier for after, earlier in zip(_prospect_updates(), before, strict=True))
    assert updated == in_place == 1


def test_a_claimed_person_can_be_erased(team, caller, ny_house):
    # ``Prospect.claim`` has no index: deleting the claiming call finds its queue row by a scan.
    signup = person(ny_house[0])
    call = queue.call_next(team=team, caller=caller, now=NY_MORNING)
    signup_delete(signup=signup)
    assert not Call.objects.filter(pk=call.pk).exists()
    assert not Prospect.objects.filter(signup_id=signup.pk).exists()


def _prospect_updates() -> tuple[int, int]:
    """Queue rows updated in this transaction, and how many of them in place (HOT)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = %s::regclass",
            [Prospect._meta.db_table],
        )
        return cursor.fetchone() or (0, 0)


def _plans() -> tuple[int, int]:
    """Executions of "next person" on this connection by its generic plan, and by a custom one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements "
            "WHERE name LIKE 'call_next_%%'"
        )
        return cursor.fetchone()

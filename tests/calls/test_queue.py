"""The queue's rules: who "next person" gives, in which order, and who never."""

import datetime

import pytest
from django.utils import timezone

from calls.models import Call, Outcome, ParkedReason, Prospect, ProspectStatus
from calls.services import CallError, outcomes, queue, teams
from signups.models import SignUp
from tests.calls.conftest import NY_MORNING, finish, make_caller, make_team, next_id, person
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def test_single_candidate_district_before_crowded_one(team, caller, ny_house):
    crowded = [person(ny_house[0], days_ago=30) for _ in range(3)]  # signed up long before
    alone = person(ny_house[1], days_ago=1)
    assert next_id(team, caller) == alone.pk
    other = make_caller(team, team.created_by)
    assert next_id(team, other) == crowded[0].pk  # then the crowded district, oldest first


def test_new_signup_where_somebody_filed_comes_after_gaps(team, caller, ny_house):
    person(ny_house[0], stage="filed")
    in_filed = person(ny_house[0], days_ago=30)
    in_gap = [person(ny_house[1], days_ago=1) for _ in range(2)]  # crowded, but nobody filed
    given = [next_id(team, make_caller(team, team.created_by)) for _ in range(3)]
    assert given == [in_gap[0].pk, in_gap[1].pk, in_filed.pk]


def test_contacted_people_come_after_new_signups(team, caller, ny_house):
    contacted = person(ny_house[0], stage="contacted", days_ago=30)
    new = person(ny_house[1], days_ago=1)
    first, second = next_id(team, caller), next_id(team, make_caller(team, team.created_by))
    assert (first, second) == (new.pk, contacted.pk)


def test_due_callback_comes_before_every_gap(team, caller, ny_house):
    wants_callback = person(ny_house[0], days_ago=1)
    finish(team, caller, Outcome.CALLBACK, callback_at=NY_MORNING + HOUR)
    gap = person(ny_house[1], days_ago=1)
    later = make_caller(team, team.created_by)
    # Before its time the callback waits and the gap is called ...
    assert next_id(team, later, now=NY_MORNING + HOUR / 2) == gap.pk
    # ... once due it is first, before any other gap.
    person(ny_house[2], days_ago=1)
    assert next_id(team, make_caller(team, team.created_by), now=NY_MORNING + 2 * HOUR) == wants_callback.pk


def test_team_chamber_decides_which_districts_are_gaps(organizer, ny_house):
    senate = make_team(organizer, chamber="sldu")
    caller = make_caller(senate, organizer)
    a, b = current_districts("sldl", "NY")[:2]
    # Two would-be candidates share a house district; whether that is crowded depends on the chamber.
    first, second = person(a, days_ago=10), person(a, days_ago=9)
    assert next_id(senate, caller) in (first.pk, second.pk)


def test_unsubscribed_person_is_never_offered_even_before_the_refresh(team, caller, ny_house):
    gone = person(ny_house[0])
    SignUp.objects.filter(pk=gone.pk).update(unsubscribed_at=timezone.now())  # the queue's copy still says callable
    assert next_id(team, caller) is None
    assert Prospect.objects.get(pk=gone.pk).callable is False


def test_a_stale_person_is_taken_out_and_the_next_one_given_in_the_same_ask(
    team, caller, ny_house, django_capture_on_commit_callbacks
):
    gone = person(ny_house[0], days_ago=30)  # first in line ...
    SignUp.objects.filter(pk=gone.pk).update(unsubscribed_at=timezone.now())  # ... but gone since the refresh
    waiting = person(ny_house[1], days_ago=1)
    Prospect.objects.filter(pk=waiting.pk).update(rank_sldl=Prospect.objects.get(pk=gone.pk).rank_sldl + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert next_id(team, caller) == waiting.pk
    assert Prospect.objects.get(pk=gone.pk).callable is False
    assert not Call.objects.filter(signup=gone).exists()


def test_person_who_moved_out_of_the_teams_districts_since_the_refresh_is_not_given(organizer, ny_house):
    team = make_team(organizer, chamber="sldl", district_ids=[ny_house[0].pk])
    caller = make_caller(team, organizer)
    moved = person(ny_house[0])
    SignUp.objects.filter(pk=moved.pk).update(sldl_id=ny_house[1].pk)  # the queue's copy still has the old district
    assert next_id(team, caller) is None
    assert Prospect.objects.get(pk=moved.pk).callable is False


def test_next_person_is_one_statement(team, caller, ny_house, django_assert_num_queries):
    person(ny_house[0])
    person(ny_house[1])
    next_id(team, make_caller(team, team.created_by))  # prepares the statement on this connection
    with django_assert_num_queries(1):
        call = queue.call_next(team=team, caller=caller, now=NY_MORNING)
    assert (call.team, call.caller_id, call.answers, call.outcome) == (team, caller.pk, {}, "")


def test_people_without_phone_withdrawn_or_filed_are_not_offered(team, caller, ny_house):
    person(ny_house[0], phone="")
    person(ny_house[1], stage="withdrawn")
    person(ny_house[2], stage="filed")
    assert next_id(team, caller) is None


def test_do_not_call_is_never_offered_again_by_any_team(organizer, team, caller, ny_house):
    asked = person(ny_house[0])
    finish(team, caller, Outcome.DO_NOT_CALL)
    other_team = make_team(organizer, name="Second team")
    other_caller = make_caller(other_team, organizer)
    assert next_id(other_team, other_caller, now=NY_MORNING + 30 * HOUR) is None
    assert Prospect.objects.get(pk=asked.pk).status == ProspectStatus.DO_NOT_CALL


@pytest.mark.parametrize(
    ("utc_hour", "offered"),
    [
        (13, set()),  # 8:00 New York, 5:00 Los Angeles: nobody
        (14, {"NY"}),  # 9:00 New York: open; 6:00 Los Angeles
        (17, {"NY", "CA"}),  # 12:00 and 9:00
        (0, {"NY", "CA"}),  # 19:00 New York (the day before), 16:00 Los Angeles
        (1, {"CA"}),  # 20:00 New York: closed; 17:00 Los Angeles: open
        (4, set()),  # 23:00 New York, 20:00 Los Angeles: closed
    ],
)
def test_calling_hours_in_each_persons_own_time_zone(organizer, utc_hour, offered):
    team = make_team(organizer, states=["NY", "CA"])
    caller = make_caller(team, organizer)
    ny = person(current_districts("sldl", "NY")[0], zip="10001", state="NY")
    ca = person(current_districts("sldl", "CA")[0], zip="90012", state="CA")
    now = datetime.datetime(2026, 12, 1, utc_hour, 0, tzinfo=datetime.UTC)
    expected = {"NY": ny.pk, "CA": ca.pk}
    given = set()
    while (pk := next_id(team, make_caller(team, organizer), now=now)) is not None:
        given.add(pk)
    assert given == {expected[state] for state in offered}
    assert caller  # the team's first caller exists but asked nothing


def test_time_zone_comes_from_the_zip_not_the_state(organizer):
    # Pensacola (32501) is on Central time, most of Florida on Eastern.
    organizer.states = ["NY", "CA", "FL"]
    organizer.save()
    team = make_team(organizer, states=["FL"])
    caller = make_caller(team, organizer)
    district = current_districts("sldl", "FL")[0]
    pensacola = person(district, zip="32501", state="FL")
    miami = person(district, zip="33101", state="FL")
    assert dict(Prospect.objects.values_list("signup_id", "time_zone")) == {
        pensacola.pk: "America/Chicago",
        miami.pk: "America/New_York",
    }
    # 13:30 UTC: 8:30 in Miami, 7:30 in Pensacola: nobody; 14:30: Miami only.
    assert next_id(team, caller, now=datetime.datetime(2026, 12, 1, 13, 30, tzinfo=datetime.UTC)) is None
    assert next_id(team, caller, now=datetime.datetime(2026, 12, 1, 14, 30, tzinfo=datetime.UTC)) == miami.pk


def test_three_unanswered_calls_in_a_week_park_the_person(team, caller, ny_house):
    target = person(ny_house[0])
    now = NY_MORNING
    for outcome in (Outcome.NOT_REACHED, Outcome.LEFT_MESSAGE, Outcome.NOT_REACHED):
        assert next_id(team, caller, now=now) == target.pk
        finish(Call.objects.get(caller=caller, finished_at=None), caller, outcome, now=now)
        now += datetime.timedelta(days=1)
    prospect = Prospect.objects.get(pk=target.pk)
    assert (prospect.status, prospect.parked_reason) == (ProspectStatus.PARKED, ParkedReason.NO_ANSWER)
    assert next_id(team, caller, now=now) is None
    # The organizer puts them back; the earlier tries no longer count.
    outcomes.prospect_unpark(team=team, signup_id=target.pk, by=team.created_by, now=now)
    assert next_id(team, caller, now=now) == target.pk
    finish(Call.objects.get(caller=caller, finished_at=None), caller, Outcome.NOT_REACHED, now=now)
    assert Prospect.objects.get(pk=target.pk).status == ProspectStatus.OPEN


def test_unanswered_calls_more_than_a_week_apart_do_not_park(team, caller, ny_house):
    target = person(ny_house[0])
    now = NY_MORNING
    for _ in range(3):
        assert next_id(team, caller, now=now) == target.pk
        finish(Call.objects.get(caller=caller, finished_at=None), caller, Outcome.NOT_REACHED, now=now)
        now += datetime.timedelta(days=4)
    assert Prospect.objects.get(pk=target.pk).status == ProspectStatus.OPEN


def test_no_answer_waits_before_the_next_try(team, caller, ny_house):
    target = person(ny_house[0])
    finish(team, caller, Outcome.NOT_REACHED)
    assert next_id(team, caller, now=NY_MORNING + HOUR) is None
    assert next_id(team, caller, now=NY_MORNING + 5 * HOUR) == target.pk


def test_wrong_number_is_parked_for_the_organizer(team, caller, ny_house):
    target = person(ny_house[0])
    finish(team, caller, Outcome.WRONG_NUMBER)
    prospect = Prospect.objects.get(pk=target.pk)
    assert (prospect.status, prospect.parked_reason) == (ProspectStatus.PARKED, ParkedReason.WRONG_NUMBER)


def test_a_claim_holds_for_fifteen_minutes(team, caller, ny_house):
    target = person(ny_house[0])
    other = make_caller(team, team.created_by)
    assert next_id(team, caller) == target.pk
    assert next_id(team, other, now=NY_MORNING + datetime.timedelta(minutes=14)) is None
    assert next_id(team, other, now=NY_MORNING + datetime.timedelta(minutes=16)) == target.pk
    # The first caller's time ran out and the person is someone else's now.
    with pytest.raises(CallError):
        outcomes.call_record_outcome(
            call_id=Call.objects.get(caller=caller).pk, caller=caller, outcome=Outcome.INTERESTED, now=NY_MORNING
        )


def test_one_person_at_a_time_asking_again_gives_the_same_call(team, caller, ny_house):
    person(ny_house[0])
    person(ny_house[1])
    first = queue.call_next(team=team, caller=caller, now=NY_MORNING)
    again = queue.call_next(team=team, caller=caller, now=NY_MORNING + datetime.timedelta(minutes=1))
    assert again.pk == first.pk
    assert Call.objects.filter(caller=caller).count() == 1


def test_caller_of_team_a_never_gets_team_b_people(organizer, ny_house):
    ny_team = make_team(organizer, name="NY", states=["NY"])
    ca_team = make_team(organizer, name="CA", states=["CA"])
    ny_caller = make_caller(ny_team, organizer)
    person(current_districts("sldl", "CA")[0], zip="90012", state="CA")
    assert next_id(ny_team, ny_caller, now=NY_MORNING + 5 * HOUR) is None
    with pytest.raises(CallError):
        queue.call_next(team=ca_team, caller=ny_caller, now=NY_MORNING + 5 * HOUR)


def test_team_districts_narrow_the_queue(organizer, ny_house):
    team = make_team(organizer, chamber="sldl", district_ids=[ny_house[1].pk])
    caller = make_caller(team, organizer)
    person(ny_house[0])
    inside = person(ny_house[1], days_ago=5)
    assert next_id(team, caller) == inside.pk
    assert next_id(team, make_caller(team, organizer)) is None


def test_removed_caller_gets_nobody(team, caller, organizer, ny_house):
    person(ny_house[0])
    teams.caller_remove(member=caller.call_memberships.get(), by=organizer)
    with pytest.raises(CallError):
        queue.call_next(team=team, caller=caller, now=NY_MORNING)


def test_caller_of_an_archived_team_gets_nobody(team, caller, organizer, ny_house):
    person(ny_house[0])
    teams.team_archive(team=team, by=organizer)
    with pytest.raises(CallError):
        queue.call_next(team=team, caller=caller, now=NY_MORNING)
    assert not Call.objects.exists()


def test_organizer_cannot_start_a_team_outside_their_states(organizer):
    with pytest.raises(CallError):
        make_team(organizer, states=["TX"])


def test_refresh_picks_up_new_signups_and_stage_changes(team, caller, ny_house):
    late = person(ny_house[0], refresh=False)
    assert next_id(team, caller) is None
    queue.prospects_refresh()
    assert next_id(team, caller) == late.pk

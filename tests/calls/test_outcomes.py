"""Outcomes move the pipeline (through its own services) and the queue."""

import datetime

import pytest

from calls.models import Call, Outcome, Prospect, ProspectStatus
from calls.services import CallError, outcomes, queue
from coverage import CoverageFilters
from coverage.summary import coverage_summary_build
from pipeline.models import Candidacy, Stage, StageChange
from tests.calls.conftest import NY_MORNING, finish, make_caller, make_team, person

pytestmark = pytest.mark.django_db


def history(signup):
    return list(StageChange.objects.filter(candidacy__signup=signup).values_list("from_stage", "to_stage", "note"))


@pytest.fixture
def asking_team(organizer):
    return make_team(organizer, questions=["Which office?", "When?", "What help?"])


def test_interested_moves_new_to_contacted_then_interested_with_answers_in_the_history(
    asking_team, organizer, ny_house
):
    caller = make_caller(asking_team, organizer)
    target = person(ny_house[0])
    call = finish(
        asking_team,
        caller,
        Outcome.INTERESTED,
        answers={"Which office?": "State house", "When?": "2028", "Unasked": "dropped"},
        note="Needs a treasurer.",
    )
    assert Candidacy.objects.get(signup=target).stage == Stage.INTERESTED
    moves = history(target)
    assert [(a, b) for a, b, _ in moves] == [("new", "contacted"), ("contacted", "interested")]
    assert "Which office?: State house" in moves[-1][2] and "Needs a treasurer." in moves[-1][2]
    assert "Unasked" not in moves[-1][2]
    assert call.answers == {"Which office?": "State house", "When?": "2028"}
    assert (call.moved_to, Prospect.objects.get(pk=target.pk).status) == (Stage.INTERESTED, ProspectStatus.DONE)
    assert StageChange.objects.filter(candidacy__signup=target).last().changed_by == caller


def test_not_interested_withdraws_and_the_district_loses_its_would_be_candidate(team, caller, ny_house):
    target = person(ny_house[0])
    summary = coverage_summary_build(scope=team.created_by.scope, filters=CoverageFilters(states=("NY",)))
    before = summary["chambers"]["sldl"]["covered"]
    finish(team, caller, Outcome.NOT_INTERESTED)
    assert [(a, b) for a, b, _ in history(target)] == [("new", "contacted"), ("contacted", "withdrawn")]
    after = coverage_summary_build(scope=team.created_by.scope, filters=CoverageFilters(states=("NY",)))
    assert after["chambers"]["sldl"]["covered"] == before - 1


def test_first_reached_call_makes_contacted_and_later_ones_do_not_move_again(team, caller, ny_house):
    target = person(ny_house[0])
    finish(team, caller, Outcome.CALLBACK, callback_at=NY_MORNING + datetime.timedelta(hours=2))
    assert Candidacy.objects.get(signup=target).stage == Stage.CONTACTED
    later = NY_MORNING + datetime.timedelta(hours=3)
    call = finish(team, caller, Outcome.CALLBACK, now=later, callback_at=later + datetime.timedelta(days=1))
    assert call.moved_to == "" and len(history(target)) == 1


def test_unanswered_and_wrong_number_leave_the_stage_alone(team, caller, ny_house):
    target = person(ny_house[0])
    finish(team, caller, Outcome.LEFT_MESSAGE)
    finish(team, caller, Outcome.WRONG_NUMBER, now=NY_MORNING + datetime.timedelta(hours=5))
    assert not Candidacy.objects.filter(signup=target).exists() or history(target) == []


def test_do_not_call_counts_as_reached(team, caller, ny_house):
    target = person(ny_house[0])
    finish(team, caller, Outcome.DO_NOT_CALL)
    assert Candidacy.objects.get(signup=target).stage == Stage.CONTACTED


def test_callback_needs_a_future_time(team, caller, ny_house):
    person(ny_house[0])
    call = queue.call_next(team=team, caller=caller, now=NY_MORNING)
    for when in (None, NY_MORNING - datetime.timedelta(minutes=1)):
        with pytest.raises(CallError):
            outcomes.call_record_outcome(
                call_id=call.pk, caller=caller, outcome=Outcome.CALLBACK, callback_at=when, now=NY_MORNING
            )
    assert Call.objects.get(pk=call.pk).finished_at is None


def test_outcome_of_another_callers_call_is_not_found(team, caller, organizer, ny_house):
    person(ny_house[0])
    call = queue.call_next(team=team, caller=caller, now=NY_MORNING)
    intruder = make_caller(team, organizer)
    with pytest.raises(Call.DoesNotExist):
        outcomes.call_record_outcome(call_id=call.pk, caller=intruder, outcome=Outcome.INTERESTED, now=NY_MORNING)


def test_outcome_recorded_twice_is_refused(team, caller, ny_house):
    person(ny_house[0])
    call = finish(team, caller, Outcome.NOT_REACHED)
    with pytest.raises(CallError):
        outcomes.call_record_outcome(call_id=call.pk, caller=caller, outcome=Outcome.INTERESTED, now=NY_MORNING)


def test_candidate_already_in_training_is_not_moved_back(team, caller, ny_house):
    target = person(ny_house[0], stage="contacted")
    queue.call_next(team=team, caller=caller, now=NY_MORNING)
    Candidacy.objects.filter(signup=target).update(stage=Stage.TRAINING)  # an organizer moved them meanwhile
    finish(Call.objects.get(caller=caller), caller, Outcome.INTERESTED)
    assert Candidacy.objects.get(signup=target).stage == Stage.TRAINING

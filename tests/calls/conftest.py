"""Shared fixtures of the call-team tests: an NY organizer, a team, callers, would-be candidates."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from calls.models import TeamMember
from calls.services import outcomes, queue, teams
from pipeline.services import candidacy_set_stage
from tests.factories import TotpOrganizerFactory, add_totp, signup_in
from tests.organizing.conftest import current_districts

# 15:00 UTC on a Monday: 10:00 in New York, 7:00 in Los Angeles.
NY_MORNING = datetime.datetime(2026, 11, 30, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture
def organizer(db):
    return TotpOrganizerFactory(states=["NY", "CA"])


def make_team(organizer, **fields):
    return teams.team_create(by=organizer, **({"name": "Upstate callers", "states": ["NY"]} | fields))


def make_caller(team, organizer, email=None) -> object:
    """An invited caller with TOTP set up (as after following the invitation)."""
    email = email or f"caller{TeamMember.objects.count() + 1}@example.org"
    member, _ = teams.caller_invite(team=team, email=email, by=organizer)
    add_totp(member.user)
    return member.user


@pytest.fixture
def team(organizer):
    return make_team(organizer)


@pytest.fixture
def caller(team, organizer):
    return make_caller(team, organizer)


@pytest.fixture
def ny_house():
    """Three NY state house districts (current maps)."""
    return current_districts("sldl", "NY")[:3]


_phones = iter(range(2125550000, 2125559999))


def person(district, *, stage=None, days_ago=1, refresh=True, **fields):
    """A would-be candidate with a phone, living in ``district``; in the queue unless ``refresh`` is False."""
    signup = signup_in(district, **({"phone": f"1{next(_phones)}", "zip": "10001"} | fields))
    if days_ago:
        type(signup).objects.filter(pk=signup.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))
    if stage:
        candidacy_set_stage(signup_id=signup.pk, stage=stage, by=None)
    if refresh:
        queue.prospects_refresh()
    return signup


def next_id(team, caller, now=NY_MORNING):
    """Whom ``caller`` is given next (the sign-up id), or None."""
    call = queue.call_next(team=team, caller=caller, now=now)
    return call.signup_id if call else None


def finish(call_or_team, caller, outcome="interested", now=NY_MORNING, **kwargs):
    """Take the next person (or record on a given call) and record ``outcome``."""
    from calls.models import Call

    call = (
        call_or_team if isinstance(call_or_team, Call) else queue.call_next(team=call_or_team, caller=caller, now=now)
    )
    return outcomes.call_record_outcome(call_id=call.pk, caller=caller, outcome=outcome, now=now, **kwargs)


def at_once(callers, ask) -> list:
    """``ask(caller)`` for every caller, each in its own thread and database connection, all
    starting at one barrier; the concatenated answers (lists). Fails on any thread's exception."""
    start = threading.Barrier(len(callers))
    answers: list = []
    errors: list = []
    lock = threading.Lock()

    def work(caller):
        try:
            start.wait()
            mine = ask(caller)
            with lock:
                answers.extend(mine)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(caller,)) for caller in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers

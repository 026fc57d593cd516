"""Shared helpers of the sign-up tests."""

import time

import pytest

from signups.forms import time_trap_token


def shown_token(seconds_ago: float = 60) -> str:
    """The time-trap token of a form shown ``seconds_ago`` (a person took that long to fill it)."""
    return time_trap_token(time.time() - seconds_ago)


RUN_FORM = {
    "first_name": "Ana",
    "last_name": "Ruiz",
    "email": "ana@example.org",
    "phone": "",
    "street": "",
    "city": "New York",
    "state": "NY",
    "zip": "10001",
    "offices": ["state_house", "city_council"],
    "timeframe": "next",
    "ballot_line": "working_families",
    "statement": "Rent is too high.",
    "consent_email": "on",
    "started": shown_token(),
}

VOLUNTEER_FORM = {
    "first_name": "Luis",
    "last_name": "Ortega",
    "email": "luis@example.org",
    "phone": "(212) 555-0100",
    "street": "",
    "city": "",
    "state": "NY",
    "zip": "10001",
    "skills": ["canvassing", "data"],
    "hours_per_week": "5",
    "help_scope": "anywhere",
    "started": shown_token(),
}


def api_payload(**overrides) -> dict:
    payload = {
        "kind": "run",
        "first_name": "Ana",
        "last_name": "Ruiz",
        "email": "ana@example.org",
        "phone": "212-555-0100",
        "address": {"street": "", "city": "New York", "state": "NY", "zip": "10001"},
        "offices": ["state_house"],
        "timeframe": "next",
        "ballot_line": "undecided",
        "statement": "I care about schools.",
        "consent_email": True,
        "consent_sms": False,
        "language": "en",
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def run_form():
    return dict(RUN_FORM)


@pytest.fixture
def volunteer_form():
    return dict(VOLUNTEER_FORM)

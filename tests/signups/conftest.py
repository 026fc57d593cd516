"""Shared helpers of the sign-up tests."""

import time

import pytest

from signups.forms import time_trap_token
from signups.services.intake import intake_process_pending


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


def fresh(form: dict) -> dict:
    """``form`` with a time-trap token of its own (a token works once)."""
    return form | {"started": shown_token()}


def send_outbox() -> list:
    """What the email workers do with every unsent outbox row; returns the rows sent."""
    from signups import outbox
    from signups.models import OutboxEmail

    sent = []
    for row in OutboxEmail.objects.filter(sent_at__isnull=True, dropped_at__isnull=True).order_by("pk"):
        if outbox.email_send(email_id=row.pk):
            sent.append(row)
    return sent


def process_intake():
    """What the intake workers (``manage.py run_intake``) do with pending submissions."""
    return intake_process_pending()


@pytest.fixture
def run_form():
    return fresh(RUN_FORM)


@pytest.fixture
def volunteer_form():
    return fresh(VOLUNTEER_FORM)

"""Supporters who offered to run for office, to volunteer, or both, and the intake in front of them.

A public sign-up (form or JSON API) is stored as one ``Submission`` row and nothing
else; intake workers (``manage.py run_intake``) turn submissions into people later, in
batches. One ``SignUp`` row per person (keyed by email). A submission for an email we
already know never changes that person: what would change is held in a
``PendingChange`` until the owner confirms it from their mailbox. Every email leaves
through one outbox (``OutboxEmail``): a row written in the transaction that decides
the email, sent by a worker, re-queued by one sweeper.

The models live in ``people`` (``SignUp`` and its choices) and ``intake`` (``Submission``,
``SubmissionTally``, ``PendingChange``, ``OutboxEmail``); Django finds them, and everyone
imports them, here.
"""

from .intake import (
    ADDRESS_FIELDS,
    CONSENT_FIELDS,
    KIND_FIELDS,
    PERSON_FIELDS,
    RUN_FIELDS,
    SUBMITTED_FIELDS,
    VOLUNTEER_FIELDS,
    Kind,
    OutboxEmail,
    Outcome,
    PendingChange,
    Source,
    Submission,
    SubmissionTally,
)
from .people import (
    DISTRICT_LAYERS,
    BallotLine,
    HelpScope,
    Language,
    LocationQuality,
    Office,
    SignUp,
    Skill,
    Timeframe,
)

__all__ = [
    "ADDRESS_FIELDS",
    "CONSENT_FIELDS",
    "KIND_FIELDS",
    "PERSON_FIELDS",
    "RUN_FIELDS",
    "SUBMITTED_FIELDS",
    "VOLUNTEER_FIELDS",
    "DISTRICT_LAYERS",
    "BallotLine",
    "HelpScope",
    "Kind",
    "Language",
    "LocationQuality",
    "Office",
    "OutboxEmail",
    "Outcome",
    "PendingChange",
    "SignUp",
    "Skill",
    "Source",
    "Submission",
    "SubmissionTally",
    "Timeframe",
]

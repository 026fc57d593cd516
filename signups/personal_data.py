"""Rows in other apps that name a person by their email address instead of pointing at their sign-up.

Rows that point at a ``SignUp`` are found (and deleted) through Django's deletion
collector (``selectors.signup_related_rows``). A few hold a person as text: a
nomination names its nominator and its nominee, who may never sign up. The app
that stores such rows registers a finder here from its ``AppConfig.ready()``, so a
data request (``manage.py signup_data``, the admin's actions) exports and deletes
them too, while ``signups`` imports none of those apps.

A finder takes a lowercased email address and returns a QuerySet of the rows about
that person; deleting them is deleting that QuerySet.
"""

import json
from collections.abc import Callable

from django.core import serializers
from django.db import transaction
from django.db.models import QuerySet

Finder = Callable[[str], QuerySet]
_finders: list[Finder] = []


def register(finder: Finder) -> Finder:
    """Add a finder of rows about a person (by email); returns it, to be usable as a decorator."""
    if finder not in _finders:
        _finders.append(finder)
    return finder


def rows_by_email(email: str) -> list:
    """Every registered row about the person with this email."""
    email = email.strip().lower()
    return [row for finder in _finders for row in finder(email)]


def serialized(rows) -> list[dict]:
    """Model rows as JSON-ready dicts (Django's serialization: model, pk, fields)."""
    return json.loads(serializers.serialize("json", rows))


@transaction.atomic
def delete_by_email(*, email: str) -> dict[str, int]:
    """Delete every registered row about the person with this email; rows removed per model label."""
    email = email.strip().lower()
    deleted: dict[str, int] = {}
    for finder in _finders:
        _total, counts = finder(email).delete()
        for label, count in counts.items():
            deleted[label] = deleted.get(label, 0) + count
    return {label: count for label, count in deleted.items() if count}

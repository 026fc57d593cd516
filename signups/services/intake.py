"""The public sign-up door: one INSERT per request, the rest in batches by the intake workers.

``submission_create`` is all a request does (``Submission``, one row; the workers look
for new rows every ``SIGNUP_INTAKE_POLL`` seconds). ``intake_process_batch`` (``manage.py run_intake``)
claims pending submissions with ``FOR UPDATE SKIP LOCKED`` and applies them set-based
in one transaction:

* a new email becomes a person (unconfirmed), placed by point or ZIP and assigned
  districts in one spatial query, with a confirmation email in the outbox;
* a known email never changes the stored person: what would change is held in their
  ``PendingChange`` (coalesced with what is already held), and the owner gets one
  change-confirmation email an hour at most (``confirmation.pending_change_apply``
  applies it when they press the button).

One person's submissions are applied one at a time, in arrival order: a transaction
takes an advisory lock per email before reading anyone, so a second worker with a
submission for the same email waits and then sees the first one's person. A worker
killed mid-batch rolls back everything it did; the rows are still pending and the
next batch does it all once.
"""

import functools
import hashlib
import logging
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import JSONField
from django.db.models.functions import Lower
from django.utils import timezone

from berniecrat.prepared import prepared

from ..models import (
    CONSENT_FIELDS,
    KIND_FIELDS,
    PERSON_FIELDS,
    SUBMITTED_FIELDS,
    Outcome,
    PendingChange,
    SignUp,
    Submission,
)
from .locating import locate_on_commit
from .newcomers import people_create

logger = logging.getLogger(__name__)

CHANGE_EMAIL_INTERVAL = timedelta(hours=1)


def submission_create(
    *,
    kind: str,
    email: str,
    data: dict,
    location: tuple[float, float] | None = None,
    language: str = "en",
    source: str,
    partner: str = "",
) -> int:
    """Store a validated public sign-up for the intake workers: the request's only write.
    Returns the new submission's id.

    ``data`` holds the validated person fields and the fields of ``kind`` (others are
    ignored); ``location`` a map point as ``(lat, lng)``.
    """
    if kind not in KIND_FIELDS:
        raise ValueError(f"unknown sign-up kind {kind!r}")
    lat, lng = location if location is not None else (None, None)
    values = {
        "kind": kind,
        "email": email.strip().lower(),
        "data": {name: data[name] for name in SUBMITTED_FIELDS if name in data},
        "lat": lat,
        "lng": lng,
        "language": language,
        "source": source,
        "partner": partner,
        "received_at": timezone.now(),
    }
    columns, types, sql = _submission_insert()
    row = []
    for column, by_field in columns:
        value = values[column.attname] if column.attname in values else column.get_default()
        row.append(column.get_db_prep_save(value, connection) if by_field else value)
    with connection.cursor() as cursor:
        name = prepared(cursor, "submission_insert", types, lambda: sql)
        cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(row))})", row)
        return cursor.fetchone()[0]


@functools.cache
def _submission_insert() -> tuple[list[tuple], list[str], str]:
    """A new ``Submission``'s columns (``(field, prepared by the field)``), their types, and its INSERT with the
    values as ``$1``, ``$2``, ...

    Every public sign-up makes one: ``objects.create`` spent more on building the model and
    compiling the INSERT (0.24 ms of Python) than on sending it; prepared once per connection
    (``berniecrat.prepared``), each sign-up sends only its values (about 0.1 ms). psycopg2 adapts
    strings, numbers, times and None as they are; the JSON column is prepared by its field.
    """
    fields = [f for f in Submission._meta.concrete_fields if not f.primary_key]
    columns = [(f, isinstance(f, JSONField)) for f in fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(f"${i}" for i in range(1, len(fields) + 1))
    table, pk = quote(Submission._meta.db_table), quote(Submission._meta.pk.column)
    sql = f"INSERT INTO {table} ({names}) VALUES ({values}) RETURNING {pk}"  # noqa: S608
    return columns, [f.db_type(connection) for f in fields], sql


@dataclass
class IntakeReport:
    processed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    emails: int = 0  # outbox rows written (confirmations and change confirmations)


def _email_lock_keys(emails) -> list[int]:
    """A signed 64-bit advisory-lock key per email (stable across processes and machines)."""
    return sorted(
        int.from_bytes(hashlib.blake2b(e.encode(), digest_size=8).digest(), "big", signed=True) for e in emails
    )


def _lock_emails(emails) -> None:
    # Sorted, so two workers locking overlapping sets cannot deadlock.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS keys",
            [_email_lock_keys(emails)],
        )


def submission_changes(person: SignUp, submission: Submission) -> dict:
    """What ``submission`` would change about ``person``: field -> new value (empty: nothing).

    A blank person field is not a change (leaving the phone out does not erase it);
    consent only ever widens through a sign-up (withdrawing it is unsubscribing); a
    new kind brings its ``wants_to_*`` flag and its answers.
    """
    data = submission.data
    changes = {name: data[name] for name in PERSON_FIELDS if data.get(name) and data[name] != getattr(person, name)}
    changes |= {name: True for name in CONSENT_FIELDS if data.get(name) and not getattr(person, name)}
    wants, fields = KIND_FIELDS[submission.kind]
    if not getattr(person, wants):
        changes[wants] = True
    changes |= {name: data[name] for name in fields if name in data and data[name] != getattr(person, name)}
    point = submission.location
    stored = person.submitted_location
    if point is not None and (stored is None or (stored.y, stored.x) != point):
        changes |= {"lat": point[0], "lng": point[1]}
    return changes


def intake_process_batch(*, limit: int | None = None, only: list[int] | None = None) -> IntakeReport:
    """Apply up to ``limit`` (``SIGNUP_INTAKE_BATCH_SIZE``) pending submissions (of ``only``, if
    given), oldest first, in one transaction; returns what was done. Rows other workers hold
    are skipped."""
    limit = limit or settings.SIGNUP_INTAKE_BATCH_SIZE
    report = IntakeReport()
    with transaction.atomic():
        pending = Submission.objects.select_for_update(skip_locked=True).pending()
        if only is not None:
            pending = pending.filter(pk__in=only)
        batch = list(pending.order_by("id").values_list("id", "email")[:limit])
        if not batch:
            return report
        emails = {email for _pk, email in batch}
        _lock_emails(emails)
        known = {
            p.email.lower(): p for p in SignUp.objects.alias(email_lower=Lower("email")).filter(email_lower__in=emails)
        }

        # New emails: the first submission of each creates the person, inside PostgreSQL.
        creators: dict[str, int] = {}
        for pk, email in batch:
            if email not in known and email not in creators:
                creators[email] = pk
        created = people_create(list(creators.values()))
        person_ids = {email: p.pk for email, p in known.items()} | {e: pk for e, (pk, _) in created.items()}
        emails_out = [("confirmation", pk, f"confirmation:{pk}") for pk, _geocode in created.values()]
        locate_on_commit(pk for pk, to_geocode in created.values() if to_geocode)

        # Every other submission is held for its owner, in arrival order.
        outcomes = dict.fromkeys(creators.values(), Outcome.CREATED)
        others = {pk: email for pk, email in batch if pk not in outcomes}
        # A second submission for an email new in this batch compares with its new person.
        new_ids = [created[email][0] for email in set(others.values()) & created.keys()]
        known |= {p.email: p for p in SignUp.objects.filter(pk__in=new_ids)} if new_ids else {}
        held: dict[int, dict] = defaultdict(dict)
        for submission in Submission.objects.filter(pk__in=others).order_by("id"):
            person = known[submission.email]
            changes = submission_changes(person, submission)
            if changes:
                held[person.pk] |= changes
            outcomes[submission.pk] = Outcome.CHANGE_HELD if changes else Outcome.UNCHANGED
        emails_out += pending_changes_hold(held)

        _mark_processed(batch, outcomes, person_ids)
        from ..outbox import emails_enqueue

        report.emails = len(emails_enqueue(emails_out))
    report.processed = len(batch)
    for outcome in outcomes.values():
        report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
    logger.info("intake: %d submissions applied (%s)", report.processed, report.outcomes)
    return report


def pending_changes_hold(held: dict[int, dict]) -> list[tuple[str, int, str]]:
    """Coalesce ``held`` (person id -> changes) into each person's pending change; returns the
    change-confirmation emails to queue (one an hour per person at most; the sweeper sends a
    later one for changes held meanwhile)."""
    if not held:
        return []
    now = timezone.now()
    expires = now + timedelta(days=settings.SIGNUP_PENDING_CHANGE_DAYS)
    existing = {pc.signup_id: pc for pc in PendingChange.objects.select_for_update().filter(signup_id__in=held)}
    to_create, to_update = [], []
    for signup_id, changes in held.items():
        pending = existing.get(signup_id)
        if pending is None:
            to_create.append(PendingChange(signup_id=signup_id, changes=changes, expires_at=expires))
            continue
        if pending.expires_at <= now:  # expired unconfirmed: start again
            pending.changes, pending.emailed_at = {}, None
        merged = pending.changes | changes
        if merged != pending.changes:
            pending.changes, pending.revision = merged, pending.revision + 1
        pending.expires_at, pending.updated_at = expires, now
        to_update.append(pending)
    # Stamped before they are written, so each row is written once (a new one's email is always due).
    due = [pending for pending in (*to_create, *to_update) if change_email_due(pending, now=now)]
    PendingChange.objects.bulk_create(to_create)
    PendingChange.objects.bulk_update(
        to_update, ["changes", "revision", "expires_at", "emailed_at", "emailed_revision", "updated_at"]
    )
    return [change_email(pending) for pending in due]


def change_email_due(pending: PendingChange, *, now) -> bool:
    """Whether the change-confirmation email for ``pending`` is due; if so, stamps it (unsaved)."""
    if pending.revision <= pending.emailed_revision:
        return False
    if pending.emailed_at is not None and pending.emailed_at > now - CHANGE_EMAIL_INTERVAL:
        return False
    pending.emailed_at, pending.emailed_revision = now, pending.revision
    pending.updated_at = now
    return True


def change_email(pending: PendingChange) -> tuple[str, int, str]:
    """The outbox entry of ``pending``'s change-confirmation email (its key names the revision)."""
    return ("change_confirmation", pending.pk, f"change_confirmation:{pending.pk}:{pending.revision}")


_MARK_SQL = """
    UPDATE {table} AS s SET processed_at = now(), outcome = v.outcome, signup_id = v.signup_id
    FROM unnest(%s::bigint[], %s::text[], %s::bigint[]) AS v(id, outcome, signup_id)
    WHERE s.id = v.id
"""


def _mark_processed(batch: list[tuple[int, str]], outcomes: dict[int, str], person_ids: dict[str, int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _MARK_SQL.format(table=Submission._meta.db_table),
            [[pk for pk, _e in batch], [outcomes[pk] for pk, _e in batch], [person_ids[e] for _pk, e in batch]],
        )


def intake_process_batch_isolating(*, limit: int | None = None) -> IntakeReport:
    """``intake_process_batch``; if the batch fails on its data (not on the database connection),
    its submissions are applied one at a time and one that still fails is marked ``failed``
    (its id logged), so a single bad row never holds up everyone behind it."""
    try:
        return intake_process_batch(limit=limit)
    except (OperationalError, InterfaceError):
        raise  # the database is away: nothing is wrong with the rows
    except Exception:
        logger.exception("intake batch failed; applying its submissions one at a time")
    report = IntakeReport()
    ids = list(Submission.objects.pending().order_by("id").values_list("pk", flat=True)[: limit or 500])
    for pk in ids:
        try:
            one = intake_process_batch(limit=1, only=[pk])
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            logger.exception("intake: submission %s could not be applied; marked failed", pk)
            Submission.objects.filter(pk=pk, processed_at__isnull=True).update(
                processed_at=timezone.now(), outcome=Outcome.FAILED
            )
            one = IntakeReport(processed=1, outcomes={Outcome.FAILED: 1})
        report.processed += one.processed
        report.emails += one.emails
        for outcome, count in one.outcomes.items():
            report.outcomes[outcome] = report.outcomes.get(outcome, 0) + count
    return report


_BACKLOG_SQL = """
    SELECT (SELECT max(id) FROM {table}),
           (SELECT received_at FROM {table} WHERE processed_at IS NULL ORDER BY id LIMIT 1)
"""


class BurstGuard:
    """Whether an intake worker should wait because the door is busy (``door_busy``).

    During a livestream's burst every core is wanted by the web: a sign-up answered in
    50 ms instead of 2 s matters more than a confirmation sent a minute sooner. The door's
    rate is read from the newest submission id, seen at each look (two index probes, no
    count); a worker waits while the last second brought ``SIGNUP_INTAKE_BURST_RATE``
    submissions or more, unless the oldest pending one has waited ``SIGNUP_INTAKE_MAX_HOLD``
    seconds, so a burst that never ends still has its sign-ups applied, oldest first.
    """

    WINDOW = 1.0  # seconds over which the door's rate is measured

    def __init__(self, *, clock=time.monotonic):
        self.clock = clock
        self.seen: deque[tuple[float, int]] = deque()  # (when, newest submission id)

    def door_busy(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(_BACKLOG_SQL.format(table=Submission._meta.db_table))
            newest, oldest_pending = cursor.fetchone()
        now = self.clock()
        self.seen.append((now, newest or 0))
        while len(self.seen) > 1 and self.seen[1][0] <= now - self.WINDOW:
            self.seen.popleft()  # keep one look from before the window, to measure across it
        held_since = timezone.now() - timedelta(seconds=settings.SIGNUP_INTAKE_MAX_HOLD)
        if oldest_pending is None or oldest_pending < held_since:
            return False
        since, first = self.seen[0]
        if now - since < self.WINDOW / 2:
            return False  # too short a look to tell a burst (a worker just started)
        return (self.seen[-1][1] - first) / (now - since) >= settings.SIGNUP_INTAKE_BURST_RATE


def intake_process_pending(*, limit: int | None = None) -> IntakeReport:
    """Batches until nothing is pending (tests, and a worker catching up); returns the total."""
    total = IntakeReport()
    while (report := intake_process_batch(limit=limit)).processed:
        total.processed += report.processed
        total.emails += report.emails
        for outcome, count in report.outcomes.items():
            total.outcomes[outcome] = total.outcomes.get(outcome, 0) + count
    return total

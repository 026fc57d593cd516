"""The one outbox for every email: confirmations, change confirmations, introductions, nominations.

An email is a row (``OutboxEmail``) written in the transaction that decides it
(``emails_enqueue``): the database, not a publish, says what is left to send.
After that transaction commits, its ids are handed to Celery (``publish_emails``,
the ``email`` queue). A worker (``email_send``) claims the row with a conditional
``UPDATE`` (a claim older than ``EMAIL_CLAIM_TIMEOUT`` belongs to a dead worker),
renders the message, sends it holding no row lock, and stamps ``sent_at`` once the
mail server has answered 250. One sweeper (``emails_requeue_stalled``, Celery beat)
hands over again what never left: never handed over (the broker was down), or handed
over long ago and still unsent (a task lost with a worker or a broker restart).

Each app registers the kinds of email it owns (``register``) from its
``AppConfig.ready()``: how to render one from its row's ``object_id`` (None when
there is nothing left to send: the row is dropped) and what to record once it left.
``signups`` never imports the apps that register kinds.

A broker that is down never makes a request or an intake batch wait: after a failed
publish this process stops trying for ``SIGNUP_PUBLISH_PAUSE`` seconds and leaves
the rows to the sweeper.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import OutboxEmail

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_paused_until = 0.0  # time.monotonic() before which this process does not publish


@dataclass(frozen=True)
class EmailKind:
    render: Callable[[int], EmailMessage | None]  # object_id -> message, or None: nothing to send
    on_sent: Callable[[int], None] | None = None  # object_id -> record that it left (same transaction)


_kinds: dict[str, EmailKind] = {}


def register(kind: str, *, render: Callable[[int], EmailMessage | None], on_sent=None) -> None:
    """Declare a kind of email: ``render(object_id)`` builds it, ``on_sent(object_id)`` records it left."""
    _kinds[kind] = EmailKind(render=render, on_sent=on_sent)


def registered_kinds() -> set[str]:
    return set(_kinds)


class EmailInProgress(Exception):  # noqa: N818 - a state, not an error
    """Another worker holds a fresh claim on this email; look again in ``retry_in`` seconds."""

    def __init__(self, retry_in: float):
        super().__init__(f"claimed by another worker; retry in {retry_in:.0f} s")
        self.retry_in = retry_in


def claim_timeout() -> timedelta:
    """An email claimed this long ago without being sent belongs to a dead worker."""
    return timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)


# --- Deciding ----------------------------------------------------------------------

_ENQUEUE_SQL = """
    INSERT INTO {table} (kind, object_id, key, created_at, attempts)
    SELECT kind, object_id, key, now(), 0 FROM unnest(%s::text[], %s::bigint[], %s::text[]) AS e(kind, object_id, key)
    ON CONFLICT (key) DO NOTHING
    RETURNING id
"""


def emails_enqueue(emails: Iterable[tuple[str, int, str]]) -> list[int]:
    """Write outbox rows for ``(kind, object_id, key)`` in the caller's transaction; hand them to
    Celery once it commits. A key already queued is skipped (the same email is never queued twice).
    Returns the new rows' ids."""
    emails = list(emails)
    if not emails:
        return []
    unknown = {kind for kind, _id, _key in emails} - set(_kinds)
    if unknown:
        raise ValueError(f"unregistered email kind(s): {sorted(unknown)}")
    kinds, object_ids, keys = (list(column) for column in zip(*emails, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(_ENQUEUE_SQL.format(table=OutboxEmail._meta.db_table), [kinds, object_ids, keys])
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        transaction.on_commit(lambda: publish_emails(ids), robust=True)
    return ids


def email_enqueue(*, kind: str, object_id: int, key: str | None = None) -> int | None:
    """One email (see ``emails_enqueue``); ``key`` defaults to ``kind:object_id``. None if already queued."""
    ids = emails_enqueue([(kind, object_id, key or f"{kind}:{object_id}")])
    return ids[0] if ids else None


# --- Handing over to Celery -------------------------------------------------------------


def publishing_paused() -> bool:
    return time.monotonic() < _paused_until


def pause_publishing() -> None:
    global _paused_until
    with _lock:
        _paused_until = time.monotonic() + settings.SIGNUP_PUBLISH_PAUSE


def resume_publishing() -> None:
    """Forget an earlier failure (tests; a process that knows the broker is back)."""
    global _paused_until
    with _lock:
        _paused_until = 0.0


def publish(task, items: list) -> list:
    """``task.delay(item)`` for each item (a primary key, or a list of them), stopping at the first
    broker failure; returns the items published.

    Never raises: whatever was not published is left to the sweeper.
    """
    if not items:
        return []
    if publishing_paused():
        logger.info("%d %s task(s) left to the sweeper: broker recently down", len(items), task.name)
        return []
    done = []
    try:
        for item in items:
            task.delay(item)
            done.append(item)
    except Exception as exc:  # noqa: BLE001 - kombu/redis raise many kinds; all mean "not published"
        pause_publishing()
        logger.warning("broker unavailable (%s): %d task(s) left to the sweeper", exc.__class__.__name__, len(items))
    return done


def stamp_without_flush(queryset, **values) -> None:
    """``queryset.update(**values)`` in a commit that does not wait for the WAL flush.

    For hand-over stamps only: lost in a database crash, they make the sweeper hand the
    (idempotent) work over once more, so durability would buy nothing and cost a flush.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        queryset.update(**values)


def publish_emails(ids: list[int]) -> list[int]:
    """Hand committed outbox rows to the email workers; stamps ``queued_at`` on those handed over."""
    from . import tasks

    done = publish(tasks.send_email, ids)
    if done:
        stamp_without_flush(OutboxEmail.objects.filter(pk__in=done), queued_at=timezone.now())
    return done


# --- Sending ----------------------------------------------------------------------------


def _claimable(now):
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - claim_timeout())


def email_send(*, email_id: int) -> bool:
    """Send one outbox email once; False when there was nothing to send (sent, dropped, gone).

    The claim is a conditional UPDATE: two workers running the same task cannot both
    send. The message is rendered and sent after the claim committed, so no row lock is
    held while the mail server answers. An error gives the claim back and is raised
    (the task retries); ``sent_at`` is written once the server has accepted the message.
    While another worker's claim is fresh, raises ``EmailInProgress``.
    """
    from .emails import send

    now = timezone.now()
    unsent = OutboxEmail.objects.filter(pk=email_id, sent_at__isnull=True, dropped_at__isnull=True)
    with transaction.atomic():
        # The claim's commit need not wait for the disk: lost in a crash, so is sent_at,
        # and the email may go twice either way (see docs/reliability.md).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        claimed = unsent.filter(_claimable(now)).update(claimed_at=now)
    if not claimed:
        held = unsent.values_list("claimed_at", flat=True).first()
        if held is not None:
            raise EmailInProgress(retry_in=max((held + claim_timeout() - now).total_seconds(), 0) + 1)
        return False
    email = OutboxEmail.objects.get(pk=email_id)
    kind = _kinds[email.kind]
    try:
        message = kind.render(email.object_id)
        if message is None:
            OutboxEmail.objects.filter(pk=email_id).update(dropped_at=timezone.now(), claimed_at=None)
            logger.info("%s email %s dropped: nothing left to send", email.kind, email_id)
            return False
        send(message)
    except Exception:
        # Give the claim back so the retry (or the sweeper) can send it.
        OutboxEmail.objects.filter(pk=email_id, claimed_at=now).update(claimed_at=None, attempts=email.attempts + 1)
        raise
    with transaction.atomic():
        OutboxEmail.objects.filter(pk=email_id).update(sent_at=timezone.now(), attempts=email.attempts + 1)
        if kind.on_sent is not None:
            kind.on_sent(email.object_id)
    logger.info("%s email %s sent", email.kind, email_id)
    return True


def emails_requeue_stalled(
    *, older_than: timedelta | None = None, unqueued_after: timedelta = timedelta(seconds=30)
) -> int:
    """Hand over again the emails that never left (Celery beat, every minute); returns how many.

    Two kinds of rows: never handed over (``queued_at`` null: the broker was down), once
    ``unqueued_after`` old; and handed over ``older_than`` ago but still unsent (the task
    was lost with a worker or the broker), unless a worker's claim on them is fresh.
    The task is idempotent, so handing one over twice costs a no-op run. ``older_than``
    defaults to ``EMAIL_REQUEUE_AFTER`` (a broker restarted without persistence loses the
    tasks it held: those emails leave that long after).
    """
    if older_than is None:
        older_than = timedelta(seconds=settings.EMAIL_REQUEUE_AFTER)
    now = timezone.now()
    stale = (
        OutboxEmail.objects.filter(sent_at__isnull=True, dropped_at__isnull=True)
        .filter(Q(queued_at__isnull=True, created_at__lt=now - unqueued_after) | Q(queued_at__lt=now - older_than))
        .filter(_claimable(now))
    )
    ids = list(stale.order_by("pk").values_list("pk", flat=True))
    done = publish_emails(ids)
    if ids:
        logger.info("sweeper handed over %d of %d unsent email(s)", len(done), len(ids))
    return len(done)

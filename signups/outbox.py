"""Hand a committed sign-up's follow-up work to Celery without ever making a request wait on the broker.

The sign-up row is the outbox: ``signup_create`` commits it with ``located_at`` /
``confirmation_sent_at`` null (work to do) and ``follow_up_queued_at`` null (not yet
handed over). After the commit, ``publish_follow_up`` sends the tasks and stamps
``follow_up_queued_at``. If the broker is down it gives up at once (about a second
at worst, see the Celery timeouts in settings), leaves the stamp null, and for
``SIGNUP_PUBLISH_PAUSE`` seconds this process does not even try: every other
request during an outage costs nothing. ``signups_requeue_stalled`` (Celery beat,
every minute) then sends whatever was never handed over.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_paused_until = 0.0  # time.monotonic() before which this process does not publish


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


def publish_follow_up(signup_id: int, *, locate: bool, confirm: bool) -> bool:
    """Queue the geocoding and/or confirmation tasks of a committed sign-up; True when both left.

    Never raises: a failure leaves the row for the sweeper.
    """
    from . import tasks
    from .models import SignUp

    if publishing_paused():
        logger.info("sign-up %s: broker recently down, follow-up left to the sweeper", signup_id)
        return False
    try:
        if locate:
            tasks.locate_signup.delay(signup_id)
        if confirm:
            tasks.send_signup_confirmation.delay(signup_id)
    except Exception as exc:  # noqa: BLE001 - kombu/redis raise many kinds; all mean "not published"
        pause_publishing()
        logger.warning(
            "sign-up %s: broker unavailable (%s), follow-up left to the sweeper", signup_id, exc.__class__.__name__
        )
        return False
    # Not a durable commit: waiting for the WAL flush would be this request's second one
    # (the sign-up's own commit is the first). If the stamp is lost in a database crash,
    # the sweeper queues the tasks again, and they are idempotent (the confirmation claim
    # keeps a second email from leaving), so nothing is lost or sent twice.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        SignUp.objects.filter(pk=signup_id).update(follow_up_queued_at=timezone.now())
    return True

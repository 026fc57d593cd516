"""What only the owner of an email can do, from the links we mail them: confirm their sign-up,
confirm held changes, unsubscribe. Each is a POST from the page the link opens (a mail
scanner that opens links changes nothing)."""

import logging

from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import ADDRESS_FIELDS, PendingChange, SignUp
from .intake import change_email, change_email_due
from .locating import locate_on_commit, signup_place

logger = logging.getLogger(__name__)


def signup_confirm(*, signup_id: int) -> SignUp:
    """Mark the sign-up confirmed (double opt-in); a second press changes nothing."""
    SignUp.objects.filter(pk=signup_id, confirmed_at__isnull=True).update(confirmed_at=timezone.now())
    return SignUp.objects.get(pk=signup_id)


def signup_unsubscribe(*, signup_id: int) -> None:
    """Stop all email and text messages to this supporter."""
    SignUp.objects.filter(pk=signup_id, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now(), consent_email=False, consent_sms=False
    )


def pending_change_current(*, pending_change_id: int) -> PendingChange | None:
    """The held change a link names, or None when it was applied, expired or its person deleted."""
    return (
        PendingChange.objects.select_related("signup")
        .filter(pk=pending_change_id, expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def pending_change_apply(*, pending_change_id: int, revision: int) -> SignUp | None:
    """Apply held changes because their owner pressed the button; None when there is nothing
    (any longer) to apply: applied already, expired, or held values changed since the page
    was shown (``revision``: the owner confirms what they saw, nothing added after).

    A new address or map point places the person again (a street address through the
    geocoding task). Confirming from their mailbox also confirms the sign-up, and brings
    back someone who had unsubscribed (they asked to join again).
    """
    pending = (
        PendingChange.objects.select_for_update()
        .filter(pk=pending_change_id, revision=revision, expires_at__gt=timezone.now())
        .first()
    )
    if pending is None:
        return None
    signup = SignUp.objects.select_for_update().get(pk=pending.signup_id)
    changes = dict(pending.changes)
    lat, lng = changes.pop("lat", None), changes.pop("lng", None)
    for name, value in changes.items():
        setattr(signup, name, value)
    if lat is not None and lng is not None:
        signup.submitted_location = Point(lng, lat, srid=4326)
    if lat is not None or any(name in changes for name in ADDRESS_FIELDS):
        signup_place(signup)
    now = timezone.now()
    signup.confirmed_at = signup.confirmed_at or now
    signup.unsubscribed_at = None
    signup.save()
    pending.delete()
    if signup.located_at is None:
        locate_on_commit([signup.pk])
    logger.info("sign-up %s: held changes applied by the owner", signup.pk)
    return signup


def pending_changes_sweep() -> dict[str, int]:
    """Part of the sweeper: drop expired held changes, and queue the change-confirmation email
    of changes held within an hour of the previous one once the hour has passed."""
    from ..outbox import emails_enqueue

    now = timezone.now()
    expired, _ = PendingChange.objects.filter(expires_at__lte=now).delete()
    due = []
    with transaction.atomic():
        waiting = PendingChange.objects.select_for_update(skip_locked=True).filter(revision__gt=F("emailed_revision"))
        for pending in waiting:
            if change_email_due(pending, now=now):
                pending.save(update_fields=["emailed_at", "emailed_revision", "updated_at"])
                due.append(change_email(pending))
        emails_enqueue(due)
    return {"expired": expired, "emailed": len(due)}

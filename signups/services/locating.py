"""Placing people: a point, a ZIP centre or a geocoded street address, and the districts it falls in.

A submitted map point or a ZIP code places a person at once, without the network
(``signup_place``, and the intake's batches in SQL: ``newcomers.people_create``). A street
address waits for the Census Geocoder (``signup_locate``, ``signups_locate_batch``),
handed to Celery after the commit that created the need; ``located_at`` null means
"still to geocode" and ``follow_up_queued_at`` null "not handed over yet", so the
sweeper (``signups_requeue_unlocated``) finds what never left. After redistricting,
``redistricting.signups_reassign_districts`` resolves everyone against the new maps.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from districts.geocoding.locate import locate_address, locate_addresses
from districts.models import ZipCode
from districts.selectors import district_lookup

from ..models import DISTRICT_LAYERS, LocationQuality, SignUp

logger = logging.getLogger(__name__)

# From this many sign-ups waiting for geocoding on, the sweeper uses the Census batch endpoint.
GEOCODE_BATCH_THRESHOLD = 50
GEOCODE_BATCH_SIZE = 1000


def signup_set_location(signup: SignUp, *, point: Point | None, quality: str) -> None:
    """Store a location and the districts it falls in (unsaved; the caller saves)."""
    signup.location = point
    signup.location_quality = quality if point is not None else LocationQuality.NONE
    signup.located_at = timezone.now()
    found = district_lookup(lat=point.y, lng=point.x) if point is not None else {}
    for layer in DISTRICT_LAYERS:
        setattr(signup, layer, found.get(layer))
    signup.districts_assigned_at = timezone.now()


def signup_place(signup: SignUp, *, zip_row: ZipCode | None = None) -> None:
    """Place a person now when no network call is needed (a map point, or a ZIP without a
    street); otherwise mark them for the geocoding task (``located_at`` null). Unsaved."""
    if signup.submitted_location is not None:
        signup_set_location(signup, point=signup.submitted_location, quality=LocationQuality.EXACT)
    elif not signup.street:
        location = locate_address(street="", city=signup.city, state=signup.state, zip=signup.zip, zip_row=zip_row)
        signup_set_location(signup, point=location.point, quality=location.quality)
    else:
        signup.located_at = None
        signup.follow_up_queued_at = None


def publish_locate(signup_ids: list[int]) -> None:
    """Hand committed people to the geocoding workers; stamps those handed over (the rest: the sweeper)."""
    from .. import tasks
    from ..outbox import publish, stamp_without_flush

    done = publish(tasks.locate_signup, signup_ids)
    if done:
        stamp_without_flush(SignUp.objects.filter(pk__in=done), follow_up_queued_at=timezone.now())


def locate_on_commit(signup_ids: Iterable[int]) -> None:
    ids = list(signup_ids)
    if ids:
        transaction.on_commit(lambda: publish_locate(ids), robust=True)


@transaction.atomic
def signup_locate(*, signup_id: int) -> str:
    """Geocode a sign-up's address (Census, then ZIP) and assign its districts.

    Raises ``GeocoderUnavailable`` for the task to retry; returns the quality.
    """
    signup = SignUp.objects.select_for_update().filter(pk=signup_id).first()
    if signup is None:  # deleted at the supporter's request since the task was queued
        return LocationQuality.NONE
    if signup.located_at is not None:
        return signup.location_quality
    location = locate_address(street=signup.street, city=signup.city, state=signup.state, zip=signup.zip)
    signup_set_location(signup, point=location.point, quality=location.quality)
    signup.save()
    logger.info("sign-up %s located: %s", signup.pk, signup.location_quality)
    return signup.location_quality


def signups_locate_batch(*, signup_ids: list[int]) -> int:
    """Geocode a backlog of sign-ups with one Census batch request; returns how many were located.

    Rows another worker is already locating are skipped (``SKIP LOCKED``).
    Raises ``GeocoderUnavailable`` for the task to retry.
    """
    with transaction.atomic():
        signups = list(
            SignUp.objects.select_for_update(skip_locked=True).filter(pk__in=signup_ids, located_at__isnull=True)
        )
        if not signups:
            return 0
        found = locate_addresses((s.pk, s.street, s.city, s.state, s.zip) for s in signups)
        for signup in signups:
            location = found[signup.pk]
            signup_set_location(signup, point=location.point, quality=location.quality)
        SignUp.objects.bulk_update(
            signups, ["location", "location_quality", "located_at", *DISTRICT_LAYERS, "districts_assigned_at"]
        )
    logger.info("located a batch of %d sign-ups", len(signups))
    return len(signups)


def signups_requeue_unlocated(
    *, older_than: timedelta = timedelta(minutes=5), unqueued_after: timedelta = timedelta(seconds=30)
) -> int:
    """Hand over again the geocoding that never happened (part of the sweeper); returns how many.

    Never handed over (``follow_up_queued_at`` null: the broker was down), once
    ``unqueued_after`` old; or handed over ``older_than`` ago and still not located.
    """
    from .. import tasks

    now = timezone.now()
    stale = SignUp.objects.awaiting_location().filter(
        Q(follow_up_queued_at__isnull=True, updated_at__lt=now - unqueued_after)
        | Q(follow_up_queued_at__lt=now - older_than)
    )
    to_locate = list(stale.values_list("pk", flat=True))
    if len(to_locate) >= GEOCODE_BATCH_THRESHOLD:
        # A backlog (the geocoder or the broker was down): the Census batch endpoint is far cheaper.
        from ..outbox import publish, stamp_without_flush

        batches = [to_locate[i : i + GEOCODE_BATCH_SIZE] for i in range(0, len(to_locate), GEOCODE_BATCH_SIZE)]
        done = [pk for batch in publish(tasks.locate_signups_batch, batches) for pk in batch]
        if done:
            stamp_without_flush(SignUp.objects.filter(pk__in=done), follow_up_queued_at=timezone.now())
    else:
        publish_locate(to_locate)
    if to_locate:
        logger.info("sweeper handed over %d geocoding(s)", len(to_locate))
    return len(to_locate)

"""Writes and side effects of the sign-up flow.

Every write commits the row first and queues background work only after
commit (``outbox.publish_follow_up``): the row is the source of truth, and
``signups_requeue_stalled`` re-queues whatever never left (broker down, worker killed).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from districts.geocoding import locate_address, locate_addresses
from districts.models import Chamber, District, ZipCode
from districts.selectors import district_lookup

from .models import LocationQuality, SignUp

logger = logging.getLogger(__name__)

RUN_FIELDS = ("offices", "timeframe", "ballot_line", "statement", "experience")
VOLUNTEER_FIELDS = ("skills", "hours_per_week", "help_scope")
PERSON_FIELDS = ("first_name", "last_name", "phone", "street", "city", "state", "zip", "language")
# From this many sign-ups waiting for geocoding on, the sweeper uses the Census batch endpoint.
GEOCODE_BATCH_THRESHOLD = 50
GEOCODE_BATCH_SIZE = 1000


@dataclass
class SignUpResult:
    signup: SignUp
    created: bool


class ConfirmationInProgress(Exception):  # noqa: N818 - a state, not an error
    """Another worker holds a fresh claim on this confirmation; look again in ``retry_in`` seconds."""

    def __init__(self, retry_in: float):
        super().__init__(f"claimed by another worker; retry in {retry_in:.0f} s")
        self.retry_in = retry_in


def claim_timeout() -> timedelta:
    """A confirmation claimed this long ago without being sent belongs to a dead worker."""
    return timedelta(seconds=settings.SIGNUP_CONFIRMATION_CLAIM_TIMEOUT)


def signup_create(
    *,
    kind: str,
    email: str,
    data: dict,
    location: tuple[float, float] | None = None,
    zip_row: ZipCode | None = None,
) -> SignUpResult:
    """Record a sign-up to run ("run") or volunteer ("volunteer"); a known email updates that person.

    ``data`` holds validated person fields and the fields of ``kind``; ``zip_row`` the
    ZIP code's row if validation read it (``validation.zip_matches_state``), so placing
    the person at the ZIP does not read it again. Concurrent submissions with one
    email leave one row (the unique index decides).
    """
    email = email.strip().lower()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                signup = SignUp.objects.select_for_update().with_email(email).first()
                created = signup is None
                signup = _apply(signup or SignUp(email=email), kind=kind, data=data, location=location, zip_row=zip_row)
                if any(_follow_up(signup)):
                    # Committed with the work: "not handed to Celery yet" until the publish succeeds.
                    signup.follow_up_queued_at = None
                signup.save()
                _queue_follow_up(signup)
                return SignUpResult(signup=signup, created=created)
        except IntegrityError:
            # Another request created this email between our read and our insert:
            # go round again and update the row it made.
            continue
    raise RuntimeError("sign-up kept conflicting with concurrent writes")


def _apply(signup: SignUp, *, kind: str, data: dict, location, zip_row: ZipCode | None) -> SignUp:
    address_changed = any(data.get(f, "") != getattr(signup, f) for f in ("street", "city", "state", "zip"))
    for field in PERSON_FIELDS:
        if field in data and (data[field] or not signup.pk):
            setattr(signup, field, data[field])
    # Consent only ever widens through a sign-up; withdrawing it is unsubscribing.
    signup.consent_email = signup.consent_email or bool(data.get("consent_email"))
    signup.consent_sms = signup.consent_sms or bool(data.get("consent_sms"))
    if kind == "run":
        signup.wants_to_run = True
        fields = RUN_FIELDS
    elif kind == "volunteer":
        signup.wants_to_volunteer = True
        fields = VOLUNTEER_FIELDS
    else:
        raise ValueError(f"unknown sign-up kind {kind!r}")
    for field in fields:
        if field in data:
            setattr(signup, field, data[field])
    if location is not None:
        signup.submitted_location = Point(location[1], location[0], srid=4326)
    if location is not None or address_changed or not signup.pk:
        _locate_without_network(signup, zip_row=zip_row)
    return signup


def _locate_without_network(signup: SignUp, *, zip_row: ZipCode | None = None) -> None:
    """Place a sign-up now when no network call is needed; otherwise leave it for the geocoding task."""
    if signup.submitted_location is not None:
        signup_set_location(signup, point=signup.submitted_location, quality=LocationQuality.EXACT)
    elif not signup.street:
        location = locate_address(street="", city=signup.city, state=signup.state, zip=signup.zip, zip_row=zip_row)
        signup_set_location(signup, point=location.point, quality=location.quality)
    else:
        signup.located_at = None  # the task will ask the Census Geocoder


def signup_set_location(signup: SignUp, *, point: Point | None, quality: str) -> None:
    """Store a location and the districts it falls in (unsaved; the caller saves)."""
    signup.location = point
    signup.location_quality = quality if point is not None else LocationQuality.NONE
    signup.located_at = timezone.now()
    found = district_lookup(lat=point.y, lng=point.x) if point is not None else {}
    signup.cd, signup.sldu, signup.sldl = (found.get(c) for c in ("cd", "sldu", "sldl"))
    signup.districts_assigned_at = timezone.now()


def _follow_up(signup: SignUp) -> tuple[bool, bool]:
    """(locate, confirm): the background work this sign-up still needs."""
    locate = signup.located_at is None
    confirm = signup.confirmation_sent_at is None and signup.confirmed_at is None and signup.unsubscribed_at is None
    return locate, confirm


def _queue_follow_up(signup: SignUp) -> None:
    """After commit, hand the pending work to Celery (the row already says what it is)."""
    from .outbox import publish_follow_up

    pk = signup.pk
    locate, confirm = _follow_up(signup)
    if locate or confirm:
        transaction.on_commit(lambda: publish_follow_up(pk, locate=locate, confirm=confirm), robust=True)


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
            signups, ["location", "location_quality", "located_at", "cd", "sldu", "sldl", "districts_assigned_at"]
        )
    logger.info("located a batch of %d sign-ups", len(signups))
    return len(signups)


@dataclass
class ReassignResult:
    checked: int  # located sign-ups resolved against the current maps
    changed: int  # of those, rows written: new districts (or never resolved before)


# The statement measured in bench/redistricting.py. One statement, so PostgreSQL walks
# the districts and probes the sign-ups' GiST index, preparing each polygon once for
# all the points in it. The sign-up table is named where it is read rather than read
# once through a CTE: a materialised CTE would hide that index (13.4 s instead of 4.7 s
# at 100,000 sign-ups). Per chamber the first district by GEOID wins (a point on a
# shared border), as in ``district_lookup``; NULL where the point lies in none.
# Rows whose districts are unchanged are not written (``IS DISTINCT FROM``): a new
# congressional map leaves most people's legislative districts, and many people's
# congressional one, as they were, and each written row adds a version to every index
# of the table. ``s.location = found.location`` is checked again on the newest row
# version when a sign-up moved while this ran (READ COMMITTED): its own save placed
# it at the new address already, and the answer computed here is stale.
_REASSIGN_SQL = """
    WITH hits AS (
        SELECT DISTINCT ON (l.id, d.chamber) l.id, d.chamber, d.id AS district_id
        FROM {signups} l JOIN {districts} d ON ST_Intersects(d.geometry, l.location)
        WHERE d.id IN ({current_ids})
        ORDER BY l.id, d.chamber, d.geoid
    ), found AS (
        SELECT l.id, l.location,
               max(h.district_id) FILTER (WHERE h.chamber = %s) AS cd_id,
               max(h.district_id) FILTER (WHERE h.chamber = %s) AS sldu_id,
               max(h.district_id) FILTER (WHERE h.chamber = %s) AS sldl_id
        FROM {signups} l LEFT JOIN hits h ON h.id = l.id
        WHERE l.location IS NOT NULL
        GROUP BY l.id
    ), changed AS (
        UPDATE {signups} s
        SET cd_id = found.cd_id, sldu_id = found.sldu_id, sldl_id = found.sldl_id, districts_assigned_at = now()
        FROM found
        WHERE s.id = found.id
          AND (s.districts_assigned_at IS NULL
               OR (s.cd_id, s.sldu_id, s.sldl_id) IS DISTINCT FROM (found.cd_id, found.sldu_id, found.sldl_id))
          AND s.location = found.location
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM found), (SELECT count(*) FROM changed)
"""


def signups_reassign_districts() -> ReassignResult:
    """Re-resolve every located sign-up against the current boundary sets (after redistricting).

    One set-based ``UPDATE ... FROM (spatial join)``. Only rows whose districts change
    are written, so ``districts_assigned_at`` says when a sign-up's districts were last
    set (first placed, or moved by a new map), not when they were last looked at: a
    run over a million people where a new map moves a tenth rewrites a tenth. Every
    located sign-up is checked; ``checked`` counts them.
    """
    # The chambers only: sign-ups are not assigned to the local layers (counties, towns, school
    # districts) yet, and each loaded local layer would add a row per sign-up to the join.
    chambers = District.objects.current().countable().filter(chamber__in=Chamber.values)
    current_ids, params = chambers.order_by().values("id").query.sql_with_params()
    sql = _REASSIGN_SQL.format(
        signups=SignUp._meta.db_table, districts=District._meta.db_table, current_ids=current_ids
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # Room for the join's sort and hash in memory (this transaction only); and no JIT:
        # the join's estimated cost makes PostgreSQL compile it, which took 0.6 s of 4.8 s
        # at 100,000 sign-ups and won nothing back.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, [*params, Chamber.CD, Chamber.SLDU, Chamber.SLDL])
        checked, changed = cursor.fetchone()
    logger.info("reassigned districts: %d sign-ups checked, %d changed", checked, changed)
    return ReassignResult(checked=checked, changed=changed)


def signup_send_confirmation(*, signup_id: int) -> bool:
    """Send the double opt-in email once; returns False when there was nothing to send.

    The claim is a conditional UPDATE, so two workers running the same task
    cannot both send; a claim left by a worker that died is taken over after
    ``SIGNUP_CONFIRMATION_CLAIM_TIMEOUT``. While another worker's claim is fresh,
    raises ``ConfirmationInProgress`` so the task looks again once it has expired
    (the claimant may have died: a redelivered task then still sends the email).
    """
    from .emails import confirmation_message, send

    now = timezone.now()
    to_send = SignUp.objects.filter(pk=signup_id, confirmed_at__isnull=True).awaiting_confirmation_email()
    signup = _claim(
        to_send.filter(Q(confirmation_claimed_at__isnull=True) | Q(confirmation_claimed_at__lt=now - claim_timeout())),
        confirmation_claimed_at=now,
    )
    if signup is None:
        held = to_send.values_list("confirmation_claimed_at", flat=True).first()
        if held is not None:
            remaining = (held + claim_timeout() - now).total_seconds()
            raise ConfirmationInProgress(retry_in=max(remaining, 0) + 1)
        return False
    try:
        send(confirmation_message(signup))
    except Exception:
        # Give the claim back so the retry (or the sweeper) can send it.
        SignUp.objects.filter(pk=signup_id, confirmation_claimed_at=now).update(confirmation_claimed_at=None)
        raise
    SignUp.objects.filter(pk=signup_id).update(confirmation_sent_at=timezone.now())
    logger.info("sign-up %s confirmation sent", signup_id)
    return True


def _claim(claimable, **values) -> SignUp | None:
    """``claimable.update(**values)`` that also reads the claimed row, in one ``UPDATE ... RETURNING``.

    The ORM compiles the UPDATE, so the conditions stay in its own WHERE clause: a
    second worker blocked on the row lock re-checks them against the first one's
    committed claim and updates nothing (a subquery would not be re-checked). None
    when no row matched. Only for conditions on the sign-up's own columns (a join
    makes the ORM select the rows in a subquery first).

    The claim's commit does not wait for the disk (a WAL flush, milliseconds per
    email): other workers see it at once all the same, and the durable commit of
    ``confirmation_sent_at`` that follows flushes it too. Only a database crash in
    between could lose it, and then ``confirmation_sent_at`` is lost as well: the
    email may go twice whether the claim survived (sent again once it expires) or
    not (sent again by the sweeper), so durability would buy nothing there.
    """
    update = claimable.query.chain(UpdateQuery)
    update.add_update_values(values)
    sql, params = update.get_compiler(claimable.db).as_sql()
    columns = ", ".join(connection.ops.quote_name(f.column) for f in SignUp._meta.concrete_fields)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        return next(iter(SignUp.objects.raw(f"{sql} RETURNING {columns}", params)), None)


def signup_confirm(*, signup_id: int) -> SignUp:
    """Mark the sign-up confirmed (double opt-in); a second click changes nothing."""
    SignUp.objects.filter(pk=signup_id, confirmed_at__isnull=True).update(confirmed_at=timezone.now())
    return SignUp.objects.get(pk=signup_id)


def signup_unsubscribe(*, signup_id: int) -> None:
    """Stop all email and text messages to this supporter."""
    SignUp.objects.filter(pk=signup_id, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now(), consent_email=False, consent_sms=False
    )


def signups_requeue_stalled(
    *, older_than: timedelta = timedelta(minutes=5), unqueued_after: timedelta = timedelta(seconds=30)
) -> dict[str, int]:
    """Queue again the geocoding and confirmation work that never happened (Celery beat, every minute).

    Two kinds of rows: never handed to Celery (``follow_up_queued_at`` null: the broker
    was down when they were committed), once their request is ``unqueued_after`` old;
    and handed over ``older_than`` ago but still not done (the task was lost with a
    worker or the broker). Tasks are idempotent, so queueing one twice costs a no-op run.
    """
    from . import tasks

    now = timezone.now()
    stale = SignUp.objects.filter(
        Q(follow_up_queued_at__isnull=True, updated_at__lt=now - unqueued_after)
        | Q(follow_up_queued_at__lt=now - older_than)
    )
    to_locate = list(stale.awaiting_location().values_list("pk", flat=True))
    to_confirm = list(
        stale.awaiting_confirmation_email()
        .filter(confirmed_at__isnull=True)
        .filter(Q(confirmation_claimed_at__isnull=True) | Q(confirmation_claimed_at__lt=now - claim_timeout()))
        .values_list("pk", flat=True)
    )
    if len(to_locate) >= GEOCODE_BATCH_THRESHOLD:
        # A backlog (the geocoder or the broker was down): the Census batch endpoint is far cheaper.
        for start in range(0, len(to_locate), GEOCODE_BATCH_SIZE):
            tasks.locate_signups_batch.delay(to_locate[start : start + GEOCODE_BATCH_SIZE])
    else:
        for pk in to_locate:
            tasks.locate_signup.delay(pk)
    for pk in to_confirm:
        tasks.send_signup_confirmation.delay(pk)
    SignUp.objects.filter(pk__in=set(to_locate) | set(to_confirm)).update(follow_up_queued_at=timezone.now())
    if to_locate or to_confirm:
        logger.info("sweeper re-queued %d geocoding and %d confirmation tasks", len(to_locate), len(to_confirm))
    return {"locate": len(to_locate), "confirm": len(to_confirm)}


@dataclass
class DeletionReport:
    signup_id: int
    deleted: dict[str, int]  # model label -> rows removed (the sign-up included)
    geocode_cache_cleared: bool


def signup_delete(*, signup: SignUp) -> DeletionReport:
    """Remove everything stored about a person (their data request): the sign-up, every row
    that cascades from it in any app, the rows that name them by email (``personal_data``:
    nominations), and the cached Census answer for their address.

    Queued tasks that still name the sign-up find nothing and do nothing.
    """
    from django.core.cache import cache

    from districts.geocoding import cache_key

    from . import personal_data

    signup_id = signup.pk
    key = (
        cache_key(street=signup.street, city=signup.city, state=signup.state, zip=signup.zip) if signup.street else None
    )
    with transaction.atomic():
        SignUp.objects.select_for_update().filter(pk=signup_id).first()
        _total, deleted = signup.delete()
        deleted = dict(deleted) | personal_data.delete_by_email(email=signup.email)
    cleared = False
    if key is not None:
        try:
            cleared = bool(cache.delete(key))
        except Exception:  # noqa: BLE001 - Redis down: the entry expires with the cache's TTL anyway
            logger.warning("sign-up %s deleted; geocode cache unavailable", signup_id)
    logger.info("sign-up %s deleted at the person's request (%s)", signup_id, deleted)
    return DeletionReport(signup_id=signup_id, deleted=dict(deleted), geocode_cache_cleared=cleared)

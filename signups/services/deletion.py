"""A person's data request (delete everything about them) and the intake's retention (prune
processed submissions, keeping only counts)."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ..models import SignUp, Submission, SubmissionTally

logger = logging.getLogger(__name__)


@dataclass
class DeletionReport:
    signup_id: int
    deleted: dict[str, int]  # model label -> rows removed (the sign-up included)
    geocode_cache_cleared: bool


def signup_delete(*, signup: SignUp) -> DeletionReport:
    """Remove everything stored about a person (their data request): the sign-up, every row
    that cascades from it in any app (their held changes included), the rows that name them
    by email (``personal_data``: their submissions, nominations), and the cached Census
    answer for their address.

    Queued tasks that still name the sign-up find nothing and do nothing.
    """
    from django.core.cache import cache

    from districts.geocoding.census import cache_key

    from .. import personal_data

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


_PRUNE_SQL = """
    WITH gone AS (
        DELETE FROM {submissions} WHERE id IN (
            SELECT id FROM {submissions} WHERE processed_at < %s ORDER BY id LIMIT %s
        )
        RETURNING received_at, source, kind, outcome
    ), tallied AS (
        INSERT INTO {tallies} (day, source, kind, outcome, count)
        SELECT (received_at AT TIME ZONE 'UTC')::date, source, kind, outcome, count(*) FROM gone GROUP BY 1, 2, 3, 4
        ON CONFLICT (day, source, kind, outcome) DO UPDATE SET count = {tallies}.count + EXCLUDED.count
    )
    SELECT count(*) FROM gone
"""
PRUNE_CHUNK = 10_000


def submissions_prune(*, older_than: timedelta | None = None) -> int:
    """Delete processed submissions older than ``SIGNUP_INTAKE_RETENTION_DAYS``, adding them to the
    daily counts (``SubmissionTally``) in the same statement; returns how many were removed."""
    older_than = older_than if older_than is not None else timedelta(days=settings.SIGNUP_INTAKE_RETENTION_DAYS)
    cutoff = timezone.now() - older_than
    sql = _PRUNE_SQL.format(submissions=Submission._meta.db_table, tallies=SubmissionTally._meta.db_table)
    removed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [cutoff, PRUNE_CHUNK])
            (count,) = cursor.fetchone()
        removed += count
        if count < PRUNE_CHUNK:
            break
    if removed:
        logger.info("pruned %d processed submissions (counts kept)", removed)
    return removed

"""The queue of people to call and the claims that hand them out.

The queue's one rule against double calls: a person is handed out only by
``call_next``, which locks their ``Prospect`` row with ``FOR UPDATE SKIP LOCKED``
(a second caller asking at the same moment skips it and takes the next person) and,
in the same transaction, stamps ``claimed_until``; a caller who reads the row after
that commit finds it claimed (PostgreSQL re-checks the WHERE on the new row version).
"""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from pipeline.models import FILED_STAGES, Stage
from signups.models import SignUp

from ..models import REST_RANK, Call, CallTeam, Prospect
from ..timezones import zip_time_zone
from . import CallError
from .teams import is_caller

# Stages in which a person is called: not yet reached, or reached but not yet decided.
CALLED_STAGES = (Stage.NEW, Stage.CONTACTED)
# A stale copy found at claim time is fixed and the next person tried, this many times.
CLAIM_ATTEMPTS = 5


_REFRESH_SQL = """
WITH people AS (
    SELECT s.id, s.state, s.zip, s.cd_id, s.sldu_id, s.sldl_id,
           -- Nebraska's one chamber is a senate: its people rank by it where the house would be.
           COALESCE(s.sldl_id, s.sldu_id) AS house_id,
           s.created_at, COALESCE(c.stage, 'new') AS stage,
           (s.phone <> '' AND s.unsubscribed_at IS NULL) AS reachable
    FROM signups_signup s
    LEFT JOIN pipeline_candidacy c ON c.signup_id = s.id
    WHERE s.wants_to_run
),
active AS (SELECT * FROM people WHERE stage <> 'withdrawn'),
by_cd AS (SELECT cd_id AS d, count(*) AS n, bool_or(stage = ANY(%(filed)s)) AS filed
          FROM active WHERE cd_id IS NOT NULL GROUP BY cd_id),
by_sldu AS (SELECT sldu_id AS d, count(*) AS n, bool_or(stage = ANY(%(filed)s)) AS filed
            FROM active WHERE sldu_id IS NOT NULL GROUP BY sldu_id),
by_sldl AS (SELECT house_id AS d, count(*) AS n, bool_or(stage = ANY(%(filed)s)) AS filed
            FROM active WHERE house_id IS NOT NULL GROUP BY house_id)
INSERT INTO calls_prospect AS p (
    signup_id, state, zip, time_zone, cd_id, sldu_id, sldl_id, signed_up_at, stage, callable,
    rank_cd, rank_sldu, rank_sldl, status, parked_reason, refreshed_at
)
SELECT x.id, x.state, x.zip, '', x.cd_id, x.sldu_id, x.sldl_id, x.created_at, x.stage,
       -- A person who asked for a callback is called back in any stage but withdrawn.
       x.reachable AND (x.stage = ANY(%(called)s) OR (old.callback_at IS NOT NULL AND x.stage <> 'withdrawn')),
       CASE WHEN x.stage = 'new' AND NOT by_cd.filed THEN by_cd.n ELSE %(rest)s END,
       CASE WHEN x.stage = 'new' AND NOT by_sldu.filed THEN by_sldu.n ELSE %(rest)s END,
       CASE WHEN x.stage = 'new' AND NOT by_sldl.filed THEN by_sldl.n ELSE %(rest)s END,
       'open', '', now()
FROM people x
LEFT JOIN calls_prospect old ON old.signup_id = x.id
LEFT JOIN by_cd ON by_cd.d = x.cd_id
LEFT JOIN by_sldu ON by_sldu.d = x.sldu_id
LEFT JOIN by_sldl ON by_sldl.d = x.house_id
WHERE %(all)s OR x.id = ANY(%(ids)s)
ON CONFLICT (signup_id) DO UPDATE SET
    state = EXCLUDED.state,
    zip = EXCLUDED.zip,
    time_zone = CASE WHEN p.zip = EXCLUDED.zip AND p.state = EXCLUDED.state THEN p.time_zone ELSE '' END,
    cd_id = EXCLUDED.cd_id, sldu_id = EXCLUDED.sldu_id, sldl_id = EXCLUDED.sldl_id,
    signed_up_at = EXCLUDED.signed_up_at,
    stage = EXCLUDED.stage,
    callable = EXCLUDED.callable,
    rank_cd = EXCLUDED.rank_cd, rank_sldu = EXCLUDED.rank_sldu, rank_sldl = EXCLUDED.rank_sldl,
    refreshed_at = now()
WHERE (p.state, p.zip, p.cd_id, p.sldu_id, p.sldl_id, p.signed_up_at, p.stage, p.callable,
       p.rank_cd, p.rank_sldu, p.rank_sldl)
      IS DISTINCT FROM
      (EXCLUDED.state, EXCLUDED.zip, EXCLUDED.cd_id, EXCLUDED.sldu_id, EXCLUDED.sldl_id, EXCLUDED.signed_up_at,
       EXCLUDED.stage, EXCLUDED.callable,
       EXCLUDED.rank_cd, EXCLUDED.rank_sldu, EXCLUDED.rank_sldl)
"""


def prospects_refresh(*, signup_ids: list[int] | None = None) -> int:
    """Copy every would-be candidate (or only ``signup_ids``) into the queue with fresh ranks; returns rows written.

    One set-based statement: runners and their stages, counted per district of each
    chamber; a new sign-up in a district where nobody has filed ranks by how many
    would-be candidates the district has (1 first), everyone else after them. Only
    changed rows are written. Time zones are then filled in for new or moved people.
    People who stopped running stay (with their history) but are no longer callable.
    """
    params = {
        "filed": list(FILED_STAGES),
        "called": list(CALLED_STAGES),
        "rest": REST_RANK,
        "all": signup_ids is None,
        "ids": list(signup_ids or []),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_REFRESH_SQL, params)
        written = cursor.rowcount
        cursor.execute(
            "UPDATE calls_prospect p SET callable = false FROM signups_signup s "
            "WHERE s.id = p.signup_id AND NOT s.wants_to_run AND p.callable"
        )
    _fill_time_zones()
    return written


def _fill_time_zones() -> None:
    missing = list(Prospect.objects.filter(time_zone="").values_list("zip", "state").distinct())
    if not missing:
        return
    rows = [(zip_code, state, zip_time_zone(zip_code, state)) for zip_code, state in missing]
    with transaction.atomic(), connection.cursor() as cursor:
        values = ",".join(["(%s, %s, %s)"] * len(rows))
        cursor.execute(
            f"UPDATE calls_prospect p SET time_zone = v.zone FROM (VALUES {values}) AS v(zip, state, zone) "  # noqa: S608
            "WHERE p.time_zone = '' AND p.zip = v.zip AND p.state = v.state",
            [value for row in rows for value in row],
        )


def _scope_sql(team: CallTeam) -> tuple[str, list]:
    clause, params = "state = ANY(%s)", [list(team.states)]
    if team.chamber:
        ids = list(team.districts.values_list("pk", flat=True))
        if ids:
            clause += f" AND {team.chamber}_id = ANY(%s)"
            params.append(ids)
    return clause, params


def _claim_candidate(team: CallTeam, now: datetime.datetime) -> tuple[int, datetime.datetime | None] | None:
    """Lock the best open person of the team's scope callable now: (their id, their callback time), or None."""
    scope, scope_params = _scope_sql(team)
    common = f"""
        status = 'open' AND callable AND {scope}
        -- Calling hours in the person's own zone, compared by PostgreSQL (it knows the IANA zones).
        AND time_zone <> '' AND EXTRACT(HOUR FROM (%s::timestamptz AT TIME ZONE time_zone)) >= %s
        AND EXTRACT(HOUR FROM (%s::timestamptz AT TIME ZONE time_zone)) < %s
        AND (claimed_until IS NULL OR claimed_until < %s)
        AND (not_before IS NULL OR not_before <= %s)
    """
    start, end = settings.CALLS_HOURS
    params = [*scope_params, now, start, now, end, now, now]
    with connection.cursor() as cursor:
        # Callbacks that are due come first (a handful at most, so a separate, small query) ...
        cursor.execute(
            f"SELECT signup_id, callback_at FROM calls_prospect WHERE {common} AND callback_at IS NOT NULL "  # noqa: S608
            "ORDER BY callback_at, signup_id LIMIT 1 FOR UPDATE SKIP LOCKED",
            params,
        )
        row = cursor.fetchone()
        if row is None:
            # ... then gaps (new sign-ups where nobody filed, fewest would-be candidates first), then the rest.
            rank = f"rank_{team.rank_chamber}"
            cursor.execute(
                f"SELECT signup_id, callback_at FROM calls_prospect WHERE {common} AND callback_at IS NULL "  # noqa: S608
                f"ORDER BY {rank}, signed_up_at, signup_id LIMIT 1 FOR UPDATE SKIP LOCKED",
                params,
            )
            row = cursor.fetchone()
    return row


def _still_callable(signup: SignUp | None, callback_at, team: CallTeam, district_ids: set[int]) -> bool:
    """Re-read live: the copy may lag the sign-up and the pipeline by up to a refresh."""
    if signup is None or not signup.wants_to_run or not signup.phone or signup.unsubscribed_at:
        return False
    if signup.state not in team.states:
        return False
    if district_ids and getattr(signup, f"{team.chamber}_id") not in district_ids:
        return False
    stage = getattr(getattr(signup, "candidacy", None), "stage", Stage.NEW)
    return stage in CALLED_STAGES or (callback_at is not None and stage != Stage.WITHDRAWN)


def call_open(*, team: CallTeam, caller, now: datetime.datetime | None = None) -> Call | None:
    """The caller's current call for this team (claim not yet lapsed, no outcome yet), if any."""
    now = now or timezone.now()
    return (
        Call.objects.filter(team=team, caller=caller, finished_at__isnull=True, expires_at__gt=now)
        .select_related("signup")
        .order_by("-claimed_at")
        .first()
    )


def call_next(*, team: CallTeam, caller, now: datetime.datetime | None = None) -> Call | None:
    """Give ``caller`` one person to call for ``team``, claimed for CALLS_CLAIM_MINUTES; None when nobody
    can be called now. A caller with a call still open gets that call again: one person at a time."""
    now = now or timezone.now()
    if not is_caller(team=team, user=caller):
        raise CallError("You do not call for this team.")
    if current := call_open(team=team, caller=caller, now=now):
        return current
    district_ids = set(team.districts.values_list("pk", flat=True)) if team.chamber else set()
    for _attempt in range(CLAIM_ATTEMPTS):
        with transaction.atomic():
            claimed = _claim_candidate(team, now)
            if claimed is None:
                return None
            signup_id, callback_at = claimed
            signup = SignUp.objects.select_related("candidacy").filter(pk=signup_id).first()
            if not _still_callable(signup, callback_at, team, district_ids):
                Prospect.objects.filter(signup_id=signup_id).update(callable=False, refreshed_at=now)
                prospects_refresh_later(signup_id)
                continue
            expires = now + datetime.timedelta(minutes=settings.CALLS_CLAIM_MINUTES)
            call = Call.objects.create(team=team, caller=caller, signup=signup, claimed_at=now, expires_at=expires)
            Prospect.objects.filter(signup_id=signup_id).update(claimed_until=expires, claim=call, refreshed_at=now)
            return call
    return None


def prospects_refresh_later(signup_id: int) -> None:
    """After commit, bring one person's queue row up to date (their stage or scope changed)."""
    transaction.on_commit(lambda: prospects_refresh(signup_ids=[signup_id]), robust=True)

"""The queue of people to call and the claims that hand them out.

The queue's one rule against double calls: a person is handed out only by
``call_next``, which locks their ``Prospect`` row with ``FOR UPDATE SKIP LOCKED``
(a second caller asking at the same moment skips it and takes the next person) and,
in the same statement, stamps ``claimed_until``; a caller who reads the row after
that commit finds it claimed (PostgreSQL re-checks the WHERE on the new row version).
"""

import datetime
import functools

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from berniecrat.prepared import GENERIC_PLAN, prepared
from pipeline.models import FILED_STAGES, Candidacy, Stage
from signups.models import SignUp

from ..models import REST_RANK, Call, CallTeam, Prospect, TeamMember
from ..timezones import zip_time_zone
from . import CallError

# Stages in which a person is called: not yet reached, or reached but not yet decided.
CALLED_STAGES = (Stage.NEW, Stage.CONTACTED)
# A stale copy found at claim time is fixed and the next person tried, this many times.
CLAIM_ATTEMPTS = 5


_REFRESH_SQL = """
WITH people AS (
    SELECT s.id, s.state, s.zip, s.cd_id, s.sldu_id, s.sldl_id,
           s.county_id, s.cousub_id, s.place_id, s.unsd_id, s.elsd_id, s.scsd_id,
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
    signup_id, state, zip, time_zone, cd_id, sldu_id, sldl_id,
    county_id, cousub_id, place_id, unsd_id, elsd_id, scsd_id, signed_up_at, stage, callable,
    rank_cd, rank_sldu, rank_sldl, status, parked_reason, refreshed_at
)
SELECT x.id, x.state, x.zip, '', x.cd_id, x.sldu_id, x.sldl_id,
       x.county_id, x.cousub_id, x.place_id, x.unsd_id, x.elsd_id, x.scsd_id, x.created_at, x.stage,
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
    county_id = EXCLUDED.county_id, cousub_id = EXCLUDED.cousub_id, place_id = EXCLUDED.place_id,
    unsd_id = EXCLUDED.unsd_id, elsd_id = EXCLUDED.elsd_id, scsd_id = EXCLUDED.scsd_id,
    signed_up_at = EXCLUDED.signed_up_at,
    stage = EXCLUDED.stage,
    callable = EXCLUDED.callable,
    rank_cd = EXCLUDED.rank_cd, rank_sldu = EXCLUDED.rank_sldu, rank_sldl = EXCLUDED.rank_sldl,
    refreshed_at = now()
WHERE (p.state, p.zip, p.cd_id, p.sldu_id, p.sldl_id,
       p.county_id, p.cousub_id, p.place_id, p.unsd_id, p.elsd_id, p.scsd_id, p.signed_up_at, p.stage, p.callable,
       p.rank_cd, p.rank_sldu, p.rank_sldl)
      IS DISTINCT FROM
      (EXCLUDED.state, EXCLUDED.zip, EXCLUDED.cd_id, EXCLUDED.sldu_id, EXCLUDED.sldl_id,
       EXCLUDED.county_id, EXCLUDED.cousub_id, EXCLUDED.place_id, EXCLUDED.unsd_id, EXCLUDED.elsd_id,
       EXCLUDED.scsd_id, EXCLUDED.signed_up_at, EXCLUDED.stage, EXCLUDED.callable,
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


# "Next person" in one statement: the 50 callers of bench/calls.py asking at one instant on two
# cores must each cost about 2 ms of CPU, Python included, for a p95 under 50 ms, and nine small
# statements (is a caller, open call, two claims, the person, INSERT, UPDATE, COMMIT) cost 10-14 ms
# (bench/findings.md, section 8). In order:
# - ``member``: the caller is an active member of a team still calling (else nothing is claimed,
#   and ``is_caller`` says why);
# - ``open_call``: one person at a time: a caller whose claim has not lapsed gets that call again;
# - ``candidate``: the best open person of the team's scope callable now, due callbacks first, then
#   by rank. Each branch is ``ORDER BY ... LIMIT 1 FOR UPDATE SKIP LOCKED`` so that it reads its
#   rank-ordered partial index (calls/0002) from the front and stops at the first person no other
#   caller holds; under the outer LIMIT 1 the second branch does not run when the first found
#   somebody. MATERIALIZED: evaluated once, since a second evaluation could lock somebody else.
#   A team of a few states reads each state's own index instead (``_RANKED_PER_STATE``);
# - ``checked``: the queue row is a copy that lags the sign-up and the pipeline by up to a refresh
#   (a minute), so the person is re-read live (still running, a phone, not unsubscribed, in the
#   team's states and districts, a stage that is called) before anyone is given them;
# - ``new_call`` and ``claimed``: the call, and the claim on the queue row, for a person who passed;
# - ``repaired``: a person who failed is taken out of the queue at once (``callable`` false) and
#   ``call_next`` tries again (a rare path: rows are stale only between a change and the next
#   refresh). Skipping them in the claim's WHERE would leave them read past on every ask until then.
# A statement is its own transaction in autocommit: no BEGIN and COMMIT round trips.
_NEXT_SQL = """
WITH member AS (
    SELECT FROM {members} m JOIN {teams} t ON t.id = m.team_id
    WHERE m.team_id = %(team)s AND m.user_id = %(caller)s AND m.removed_at IS NULL AND t.archived_at IS NULL
),
open_call AS (
    SELECT {call_columns} FROM {calls}
    WHERE caller_id = %(caller)s AND team_id = %(team)s AND finished_at IS NULL AND expires_at > %(now)s
      AND EXISTS (SELECT FROM member)
    ORDER BY claimed_at DESC LIMIT 1
),
scope_districts AS (SELECT district_id FROM {team_districts} WHERE callteam_id = %(team)s),
candidate AS MATERIALIZED (
    SELECT * FROM (
        SELECT p.signup_id, p.callback_at FROM {prospects} p
        WHERE {queued} AND p.callback_at IS NOT NULL
        ORDER BY p.callback_at, p.signup_id LIMIT 1 FOR UPDATE OF p SKIP LOCKED
    ) AS due
    UNION ALL
    SELECT * FROM ({ranked}) AS ranked
    LIMIT 1
),
checked AS MATERIALIZED (
    SELECT k.signup_id, COALESCE(
        s.wants_to_run AND s.phone <> '' AND s.unsubscribed_at IS NULL AND s.state = ANY(%(states)s)
        AND {in_districts_s}
        -- A person who asked for a callback is called back in any stage but withdrawn.
        AND (COALESCE(d.stage, 'new') = ANY(%(called)s)
             OR (k.callback_at IS NOT NULL AND COALESCE(d.stage, 'new') <> 'withdrawn')),
        false) AS ok
    FROM candidate k
    LEFT JOIN {signups} s ON s.id = k.signup_id
    LEFT JOIN {candidacies} d ON d.signup_id = k.signup_id
),
new_call AS (
    INSERT INTO {calls} (team_id, caller_id, signup_id, claimed_at, expires_at,
                         outcome, callback_at, answers, note, moved_to, finished_at)
    SELECT %(team)s, %(caller)s, signup_id, %(now)s, %(expires)s, '', NULL, '{{}}', '', '', NULL
    FROM checked WHERE ok
    RETURNING {call_columns}
),
claimed AS (
    UPDATE {prospects} p SET claimed_until = n.expires_at, claim_id = n.id, refreshed_at = %(now)s
    FROM new_call n WHERE p.signup_id = n.signup_id
),
repaired AS (
    UPDATE {prospects} p SET callable = false, refreshed_at = %(now)s
    FROM checked k WHERE p.signup_id = k.signup_id AND NOT k.ok
    RETURNING p.signup_id
)
SELECT c.*, EXISTS (SELECT FROM member) AS is_caller, (SELECT signup_id FROM repaired) AS repaired_id
FROM (SELECT) AS one
LEFT JOIN (SELECT * FROM open_call UNION ALL SELECT * FROM new_call) AS c ON true
"""

# The ranked branch of a team of many states: the global rank-ordered index (calls/0002) from the front.
_RANKED = """
    SELECT p.signup_id, p.callback_at FROM {prospects} p
    WHERE {queued} AND p.callback_at IS NULL
    ORDER BY p.{rank}, p.signed_up_at, p.signup_id LIMIT 1 FOR UPDATE OF p SKIP LOCKED
"""

# A team of at most this many states is given its people through each state's own index: in the
# global one a team of a few big states (high ranks) reads past thousands of other states' people
# (three states: 8,533 rows, 10.5 ms, after 550 calls; bench/findings.md). Per state, an ask costs
# one index descent per state: 0.3-0.5 ms for 1 to 8 states, 1.2-1.3 ms for all 51 (0.5-0.8 ms
# through the global index). Eight also bounds the rows one ask locks (below).
FEW_STATES = 8

# The ranked branch of a team of few states: the front of each of its states' runs in the
# per-state indexes (calls/0003), each locked with SKIP LOCKED, and the best of them taken.
# Each state's best person is locked for the life of the statement (about a millisecond) though
# only one is claimed: a caller asking at that instant skips them and takes the next of those
# states, so at worst a person second in line is handed out a moment before the first (who
# goes to the next ask); nobody is ever handed to two callers, since the lock still decides.
# One lock would be better, but PostgreSQL refuses FOR UPDATE over a UNION (no Merge Append of
# the states' index scans under one LockRows), and listing each state's first 64 unlocked and
# then locking the best of them (one LockRows over a Sort) took 3.1 ms and finds nobody when a
# state's 64 are all being claimed at once. ``unnest`` + LATERAL keeps one prepared statement
# for any number of states and was faster than one UNION ALL branch per state (0.4 ms against
# 1.0 ms for three states, 2.4 ms for eight; the array subscripts are re-evaluated per row).
_RANKED_PER_STATE = """
    SELECT b.signup_id, b.callback_at FROM unnest(%(states)s::text[]) AS s(code) CROSS JOIN LATERAL (
        SELECT p.signup_id, p.callback_at, p.{rank} AS rank, p.signed_up_at FROM {prospects} p
        WHERE p.state = s.code AND {queued} AND p.callback_at IS NULL
        ORDER BY p.{rank}, p.signed_up_at, p.signup_id LIMIT 1 FOR UPDATE OF p SKIP LOCKED
    ) AS b
    ORDER BY b.rank, b.signed_up_at, b.signup_id LIMIT 1
"""

# Who may be given out now, besides the team's scope (the same for both branches of the claim).
_QUEUED = """
    p.status = 'open' AND p.callable AND {in_states_p} AND {in_districts_p}
    -- Calling hours in the person's own zone, compared by PostgreSQL (it knows the IANA zones).
    AND p.time_zone <> '' AND EXTRACT(HOUR FROM (%(now)s::timestamptz AT TIME ZONE p.time_zone)) >= %(start)s
    AND EXTRACT(HOUR FROM (%(now)s::timestamptz AT TIME ZONE p.time_zone)) < %(end)s
    AND (p.claimed_until IS NULL OR p.claimed_until < %(now)s)
    AND (p.not_before IS NULL OR p.not_before <= %(now)s)
    AND EXISTS (SELECT FROM member) AND NOT EXISTS (SELECT FROM open_call)
"""


@functools.cache
def _next_sql(chamber: str, rank_chamber: str, per_state: bool = False) -> str:
    """``_NEXT_SQL`` for a team whose districts (if any) are of ``chamber`` (a chamber or a local
    layer) and whose queue ranks by ``rank_chamber``. A team of no chamber is its states; one of a
    chamber but no districts too. ``per_state``: a team of at most FEW_STATES states, read through
    the per-state indexes."""

    def in_districts(alias: str) -> str:
        if not chamber:
            return "true"
        # The queue row's copy (``p``) and the live sign-up (``s``) name each layer's column alike,
        # local layers included (``unsd_id``...). A local team still ranks by its ``rank_chamber``
        # (state house): there are no per-unit ranks, so its units' people come gaps first by their
        # house district, read from the same rank-ordered indexes.
        column = Prospect._meta.get_field(chamber).column
        listed = "SELECT district_id FROM scope_districts"
        return f"(NOT EXISTS ({listed}) OR {alias}.{column} IN ({listed}))"

    team_districts = CallTeam.districts.through
    prospects = Prospect._meta.db_table
    in_states = "p.state = ANY(%(states)s)"
    queued = _QUEUED.format(in_states_p=in_states, in_districts_p=in_districts("p"))
    rank = Prospect._meta.get_field(f"rank_{rank_chamber}").column
    if per_state:
        # Each state's branch names its state alone: with ``= ANY`` beside it the generic plan
        # took the (state, status) index and sorted the state's people (24 ms a state).
        each = _QUEUED.format(in_states_p="true", in_districts_p=in_districts("p"))
        ranked = _RANKED_PER_STATE.format(prospects=prospects, queued=each, rank=rank)
    else:
        ranked = _RANKED.format(prospects=prospects, queued=queued, rank=rank)
    return _NEXT_SQL.format(
        members=TeamMember._meta.db_table,
        teams=CallTeam._meta.db_table,
        calls=Call._meta.db_table,
        call_columns=", ".join(f.column for f in Call._meta.concrete_fields),
        team_districts=team_districts._meta.db_table,
        prospects=prospects,
        signups=SignUp._meta.db_table,
        candidacies=Candidacy._meta.db_table,
        queued=queued,
        ranked=ranked,
        in_districts_s=in_districts("s"),
    )


# The statement's parameters in the order of its prepared form, with their types.
_NEXT_PARAMS = {
    "team": "bigint",
    "caller": "bigint",
    "now": "timestamptz",
    "expires": "timestamptz",
    "states": "text[]",
    "called": "text[]",
    "start": "integer",
    "end": "integer",
}


def _prepared_next(cursor, chamber: str, rank_chamber: str, per_state: bool) -> str:
    """The ``EXECUTE`` of ``_NEXT_SQL`` for such a team (``berniecrat.prepared``).

    Planning it costs more than running it (1.4-1.6 ms against 0.5-1.0 ms, bench/calls.py); the generic
    plan reads the same indexes for any team, caller and time, but is estimated dearer than custom
    ones, so ``plan_cache_mode = auto`` planned every ask again: hence ``GENERIC_PLAN``."""

    def sql() -> str:
        text = _next_sql(chamber, rank_chamber, per_state)
        for number, param in enumerate(_NEXT_PARAMS, start=1):
            text = text.replace(f"%({param})s", f"${number}")
        return text

    name = f"call_next_{chamber or 'states'}_{rank_chamber}{'_per_state' if per_state else ''}"
    prepared(cursor, name, _NEXT_PARAMS.values(), sql)
    return f"{GENERIC_PLAN}EXECUTE {name} ({', '.join(f'%({param})s' for param in _NEXT_PARAMS)})"


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
    can be called now. A caller with a call still open gets that call again: one person at a time.

    One statement (``_NEXT_SQL``); the call comes back without its sign-up, which the callers' pages
    and API read through ``selectors.person_card``."""
    now = now or timezone.now()
    start, end = settings.CALLS_HOURS
    params = {
        "team": team.pk,
        "caller": caller.pk,
        "now": now,
        "expires": now + datetime.timedelta(minutes=settings.CALLS_CLAIM_MINUTES),
        "states": list(team.states),
        "called": list(CALLED_STAGES),
        "start": start,
        "end": end,
    }
    with connection.cursor() as cursor:
        execute = _prepared_next(cursor, team.chamber, team.rank_chamber, len(set(team.states)) <= FEW_STATES)
        for _attempt in range(CLAIM_ATTEMPTS):
            cursor.execute(execute, params)  # the call's columns (null when none) and two flags
            *columns, is_caller, repaired_id = cursor.fetchone()
            if not is_caller:
                raise CallError("You do not call for this team.")
            if columns[0] is not None:
                call = _call_from_row(columns)
                call.team = team
                return call
            if repaired_id is None:
                return None
            prospects_refresh_later(repaired_id)
    return None


@functools.cache
def _call_converters() -> list[tuple[int, list]]:
    """The call's columns that have converters (the answers' JSON), by position."""
    found = ((i, field.get_db_converters(connection)) for i, field in enumerate(Call._meta.concrete_fields))
    return [(i, converters) for i, converters in found if converters]


def _call_from_row(columns: list) -> Call:
    """The ``Call`` of ``_NEXT_SQL``'s columns, converted as a queryset would. ``Call.objects.raw()``
    did the same but resolved the columns and converters again on every ask: 0.3 ms of Python out of
    0.6 (bench/findings.md, section 8), under 50 callers sharing two cores."""
    fields = Call._meta.concrete_fields
    for i, converters in _call_converters():
        for converter in converters:
            columns[i] = converter(columns[i], fields[i], connection)
    return Call.from_db(connection.alias, None, columns)


def prospects_refresh_later(signup_id: int) -> None:
    """After commit, bring one person's queue row up to date (their stage or scope changed)."""
    transaction.on_commit(lambda: prospects_refresh(signup_ids=[signup_id]), robust=True)

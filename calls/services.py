"""Writes of call teams: teams, invitations, the queue (claims) and call outcomes.

The queue's one rule against double calls: a person is handed out only by
``call_next``, which locks their ``Prospect`` row with ``FOR UPDATE SKIP LOCKED``
(a second caller asking at the same moment skips it and takes the next person) and,
in the same transaction, stamps ``claimed_until``; a caller who reads the row after
that commit finds it claimed (PostgreSQL re-checks the WHERE on the new row version).
Outcomes move the pipeline through ``pipeline.services.candidacy_set_stage`` only.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from districts.models import District
from pipeline.models import FILED_STAGES, Candidacy, Stage
from pipeline.services import candidacy_set_stage
from signups.models import SignUp
from signups.outbox import email_enqueue

from .models import (
    REACHED,
    REST_RANK,
    UNANSWERED,
    Call,
    CallTeam,
    Outcome,
    ParkedReason,
    Prospect,
    ProspectStatus,
    TeamMember,
)
from .scope import may_manage
from .timezones import zip_time_zone

# Stages in which a person is called: not yet reached, or reached but not yet decided.
CALLED_STAGES = (Stage.NEW, Stage.CONTACTED)
UNANSWERED_WINDOW = datetime.timedelta(days=7)
UNANSWERED_LIMIT = 3
# A stale copy found at claim time is fixed and the next person tried, this many times.
CLAIM_ATTEMPTS = 5


class CallError(ValueError):
    """Something a caller or organizer asked that cannot be done; the message says why."""


# --- Teams ----------------------------------------------------------------------


def _team_districts(*, states, chamber: str, district_ids) -> list[District]:
    ids = sorted({int(pk) for pk in district_ids or ()})
    if not ids:
        return []
    if not chamber:
        raise CallError("Choose the chamber of the districts.")
    found = list(District.objects.current().filter(pk__in=ids, chamber=chamber, state__in=list(states)).only("pk"))
    if len(found) != len(ids):
        raise CallError("Every district must be a current district of the chamber in the team's states.")
    return found


def _clean_team_fields(*, by, states, chamber, district_ids, questions) -> tuple[list[str], list[District], list]:
    states = sorted({s.upper() for s in states or ()})
    if not states:
        raise CallError("A team needs at least one state.")
    if not may_manage(by, states):
        raise CallError("You can start teams only in the states you organize.")
    questions = [q.strip() for q in questions or () if q.strip()][:8]
    return states, _team_districts(states=states, chamber=chamber, district_ids=district_ids), questions


@transaction.atomic
def team_create(
    *,
    by,
    name: str,
    states: list[str],
    chamber: str = "",
    district_ids=(),
    script: str = "",
    questions=(),
    sms_template: str = "",
) -> CallTeam:
    """Start a call team over some of the organizer's states (optionally some districts of a chamber)."""
    states, districts, questions = _clean_team_fields(
        by=by, states=states, chamber=chamber, district_ids=district_ids, questions=questions
    )
    team = CallTeam.objects.create(
        name=name.strip()[:120],
        states=states,
        chamber=chamber,
        script=script,
        questions=questions,
        sms_template=sms_template,
        created_by=by,
    )
    team.districts.set(districts)
    # Make sure the queue knows everyone in scope before the first caller asks (the beat refreshes
    # every minute anyway; a worker, since a full refresh is no work for a web request).
    from . import tasks

    transaction.on_commit(lambda: tasks.refresh_call_queue.delay(), robust=True)
    return team


@transaction.atomic
def team_update(*, team: CallTeam, by, **fields) -> CallTeam:
    """Change a team's name, scope, script, questions or text template (only within the organizer's states)."""
    if not may_manage(by, team.states):
        raise CallError("You do not organize every state of this team.")
    states = fields.get("states", team.states)
    chamber = fields.get("chamber", team.chamber)
    district_ids = fields.get("district_ids", [d.pk for d in team.districts.all()])
    states, districts, questions = _clean_team_fields(
        by=by,
        states=states,
        chamber=chamber,
        district_ids=district_ids,
        questions=fields.get("questions", team.questions),
    )
    team.states, team.chamber, team.questions = states, chamber, questions
    for name in ("name", "script", "sms_template"):
        if name in fields:
            setattr(team, name, fields[name])
    team.save()
    team.districts.set(districts)
    return team


@transaction.atomic
def team_archive(*, team: CallTeam, by) -> CallTeam:
    """Stop a team calling; its calls and statistics stay."""
    if not may_manage(by, team.states):
        raise CallError("You do not organize every state of this team.")
    if team.archived_at is None:
        team.archived_at = timezone.now()
        team.save(update_fields=["archived_at"])
    return team


# --- Callers ----------------------------------------------------------------------


@transaction.atomic
def caller_invite(
    *, team: CallTeam, email: str, by, volunteer: SignUp | None = None, language: str = "en"
) -> tuple[TeamMember, bool]:
    """Invite someone to call for ``team``: an account (no states, so no organizer page shows them
    anybody) and a membership; the invitation goes through the outbox, once. Returns (member, created)."""
    if not may_manage(by, team.states):
        raise CallError("You do not organize every state of this team.")
    User = get_user_model()
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email=email, password=None)
        except IntegrityError:  # invited by two organizers at the same moment
            user = User.objects.get(email__iexact=email)
    member, created = TeamMember.objects.get_or_create(
        team=team, user=user, defaults={"invited_by": by, "volunteer": volunteer, "language": language}
    )
    if not created and member.removed_at is not None:
        member.removed_at = None
        member.save(update_fields=["removed_at"])
    if created:
        email_enqueue(kind="caller_invitation", object_id=member.pk)
    return member, created


def caller_join(*, member: TeamMember) -> TeamMember:
    """The caller opened their invitation (first time only)."""
    TeamMember.objects.filter(pk=member.pk, joined_at__isnull=True).update(joined_at=timezone.now())
    member.refresh_from_db(fields=["joined_at"])
    return member


@transaction.atomic
def caller_remove(*, member: TeamMember, by) -> TeamMember:
    if not may_manage(by, member.team.states):
        raise CallError("You do not organize every state of this team.")
    if member.removed_at is None:
        member.removed_at = timezone.now()
        member.save(update_fields=["removed_at"])
    return member


def is_caller(*, team: CallTeam, user) -> bool:
    """Whether ``user`` calls for ``team`` now (an active member of a team still calling)."""
    return (
        team.archived_at is None
        and TeamMember.objects.filter(team=team, user_id=user.pk, removed_at__isnull=True).exists()
    )


# --- The queue --------------------------------------------------------------------

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


def _stage_note(call: Call, outcome: str, answers: dict, note: str) -> str:
    parts = [f"Call ({call.team.name}): {Outcome(outcome).label}."]
    parts += [f"{question}: {answer}" for question, answer in answers.items()]
    if note:
        parts.append(note)
    return " ".join(str(p) for p in parts)[:500]


def _unanswered_in_a_row(signup_id: int, now: datetime.datetime) -> int:
    """Unanswered calls in the last week since the person last answered (or was put back in the queue)."""
    since = now - UNANSWERED_WINDOW
    reset = Prospect.objects.filter(signup_id=signup_id).values_list("queue_reset_at", flat=True).first()
    since = max(since, reset) if reset else since
    last_reached = (
        Call.objects.filter(signup_id=signup_id, outcome__in=REACHED, finished_at__gte=since)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return Call.objects.filter(
        signup_id=signup_id, outcome__in=UNANSWERED, finished_at__gte=last_reached or since
    ).count()


@transaction.atomic
def call_record_outcome(
    *,
    call_id: int,
    caller,
    outcome: str,
    answers: dict | None = None,
    note: str = "",
    callback_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Call:
    """Record what happened on a call and move the person along: the pipeline (first reached call:
    contacted; interested; not interested: withdrawn, with the answers and note in the stage
    history) and the queue (retry, park, callback, done, do not call). Raises ``Call.DoesNotExist``
    for a call that is not the caller's, ``CallError`` for an outcome that cannot be recorded."""
    now = now or timezone.now()
    # of=self: locking the joined team row too would serialise every outcome of a team (and deadlock
    # with the claims inserting calls, which key-share lock that row).
    call = Call.objects.select_for_update(of=("self",)).select_related("team").get(pk=call_id, caller=caller)
    if call.finished_at is not None:
        raise CallError("This call's outcome is already recorded.")
    if outcome not in Outcome.values:
        raise CallError(f"Unknown outcome {outcome!r}.")
    prospect = Prospect.objects.select_for_update().get(signup_id=call.signup_id)
    if prospect.claim_id != call.pk:
        raise CallError("Your time with this person ran out and someone else is calling them.")
    if outcome == Outcome.CALLBACK and (callback_at is None or callback_at <= now):
        raise CallError("Give the time, in the future, at which they want to be called back.")
    answers = {q: str((answers or {}).get(q, "")).strip()[:500] for q in call.team.questions}
    answers = {q: a for q, a in answers.items() if a}
    note = note.strip()[:2000]

    stage = Candidacy.objects.filter(signup_id=call.signup_id).values_list("stage", flat=True).first() or Stage.NEW
    moves = []
    if outcome in REACHED and stage == Stage.NEW:
        moves.append(Stage.CONTACTED)
    if outcome == Outcome.INTERESTED and stage in (Stage.NEW, Stage.CONTACTED):
        moves.append(Stage.INTERESTED)
    if outcome == Outcome.NOT_INTERESTED and stage in (Stage.NEW, Stage.CONTACTED, Stage.INTERESTED):
        moves.append(Stage.WITHDRAWN)
    text = _stage_note(call, outcome, answers, note)
    for to_stage in moves:
        candidacy_set_stage(signup_id=call.signup_id, stage=to_stage, by=caller, note=text)
        stage = to_stage

    call.outcome, call.answers, call.note, call.finished_at = outcome, answers, note, now
    call.callback_at = callback_at if outcome == Outcome.CALLBACK else None
    call.moved_to = moves[-1] if moves else ""
    call.save()

    prospect.claim, prospect.claimed_until, prospect.stage = None, None, stage
    prospect.callback_at, prospect.not_before = None, None
    if stage != Stage.NEW:
        prospect.rank_cd = prospect.rank_sldu = prospect.rank_sldl = REST_RANK
    prospect.callable = stage in CALLED_STAGES
    if outcome in UNANSWERED:
        prospect.not_before = now + datetime.timedelta(hours=settings.CALLS_RETRY_HOURS)
        if _unanswered_in_a_row(call.signup_id, now) >= UNANSWERED_LIMIT:
            prospect.status, prospect.parked_reason = ProspectStatus.PARKED, ParkedReason.NO_ANSWER
    elif outcome == Outcome.WRONG_NUMBER:
        prospect.status, prospect.parked_reason = ProspectStatus.PARKED, ParkedReason.WRONG_NUMBER
    elif outcome == Outcome.DO_NOT_CALL:
        prospect.status = ProspectStatus.DO_NOT_CALL
    elif outcome == Outcome.CALLBACK:
        prospect.callback_at = prospect.not_before = callback_at
        prospect.callable = stage != Stage.WITHDRAWN
    else:  # interested, not interested: this round of calls is over for them
        prospect.status = ProspectStatus.DONE
    prospect.save()
    return call


@transaction.atomic
def prospect_unpark(*, team: CallTeam, signup_id: int, by, now: datetime.datetime | None = None) -> Prospect:
    """An organizer puts a parked person back in the queue (a new number, a new week)."""
    if not may_manage(by, team.states):
        raise CallError("You do not organize every state of this team.")
    prospect = Prospect.objects.select_for_update().get(
        signup_id=signup_id, status=ProspectStatus.PARKED, state__in=team.states
    )
    prospect.status, prospect.parked_reason, prospect.not_before = ProspectStatus.OPEN, "", None
    prospect.queue_reset_at = now or timezone.now()
    prospect.save(update_fields=["status", "parked_reason", "not_before", "queue_reset_at", "refreshed_at"])
    return prospect

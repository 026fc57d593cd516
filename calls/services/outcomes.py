"""Outcomes of calls: what happened moves the person along the pipeline and the queue.

Outcomes move the pipeline through ``pipeline.services.candidacy_set_stage`` only.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pipeline.models import Candidacy, Stage
from pipeline.services import candidacy_set_stage

from ..models import REACHED, REST_RANK, UNANSWERED, Call, CallTeam, Outcome, ParkedReason, Prospect, ProspectStatus
from ..scope import may_manage
from . import CallError
from .queue import CALLED_STAGES

UNANSWERED_WINDOW = datetime.timedelta(days=7)
UNANSWERED_LIMIT = 3


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

    stage, moves = _move_pipeline(call=call, caller=caller, outcome=outcome, answers=answers, note=note)
    call.outcome, call.answers, call.note, call.finished_at = outcome, answers, note, now
    call.callback_at = callback_at if outcome == Outcome.CALLBACK else None
    call.moved_to = moves[-1] if moves else ""
    call.save()
    _move_in_queue(prospect=prospect, stage=stage, outcome=outcome, callback_at=callback_at, now=now)
    return call


def _move_pipeline(*, call: Call, caller, outcome: str, answers: dict, note: str) -> tuple[str, list[str]]:
    """Move the person's candidacy as the outcome says (first reached call: contacted; interested;
    not interested: withdrawn); returns their stage afterwards and the stages moved to."""
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
    return stage, moves


def _move_in_queue(*, prospect: Prospect, stage: str, outcome: str, callback_at, now: datetime.datetime) -> None:
    """Release the person's claim and place them in the queue as the outcome says
    (retry, park, callback, done, do not call)."""
    prospect.claim, prospect.claimed_until, prospect.stage = None, None, stage
    prospect.callback_at, prospect.not_before = None, None
    if stage != Stage.NEW:
        prospect.rank_cd = prospect.rank_sldu = prospect.rank_sldl = REST_RANK
    prospect.callable = stage in CALLED_STAGES
    if outcome in UNANSWERED:
        prospect.not_before = now + datetime.timedelta(hours=settings.CALLS_RETRY_HOURS)
        if _unanswered_in_a_row(prospect.signup_id, now) >= UNANSWERED_LIMIT:
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

"""Call teams and their callers: who calls, over which states and districts (or local units), with which script."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from districts.models import District, LocalLayer
from signups.models import SignUp
from signups.outbox import email_enqueue

from ..models import CallTeam, TeamMember
from ..scope import may_manage
from . import CallError


def _team_districts(*, states, chamber: str, district_ids) -> list[District]:
    ids = sorted({int(pk) for pk in district_ids or ()})
    if not ids:
        return []
    if not chamber:
        raise CallError("Choose the chamber or local layer of the districts.")
    # In the team's states, which ``_clean_team_fields`` has checked the organizer organizes: the
    # one scope rule (accounts/scope) also bounds the units, with no second list of them.
    units = District.objects.current().filter(pk__in=ids, chamber=chamber, state__in=list(states))
    if chamber in LocalLayer.values:
        # Sign-ups are assigned to governing units only: a census-designated place would call nobody.
        units = units.governing()
    found = list(units.only("pk"))
    if len(found) != len(ids):
        raise CallError(
            "Every district must be a current district of the chamber (or unit of the layer) in the team's states."
        )
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
    """Start a call team over some of the organizer's states (optionally some districts of a chamber, or
    some units of a local layer: school districts, towns, counties)."""
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
    from .. import tasks

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

"""Reads of call teams: what a caller is shown of the one person they call, and the organizers' figures."""

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from districts.models import District, LocalLayer
from signups.models import Office, SignUp, Skill

from .models import REACHED, Call, CallTeam, Outcome, Prospect, ProspectStatus, TeamMember
from .scope import organizer_states


def teams_for_organizer(user):
    """Teams whose every state the organizer organizes (so they may see and run them)."""
    states = organizer_states(user)
    if not states:
        return CallTeam.objects.none()
    return CallTeam.objects.filter(states__contained_by=sorted(states))


def teams_for_caller(user):
    """Teams ``user`` calls for now."""
    return CallTeam.objects.filter(
        archived_at__isnull=True, members__user_id=user.pk, members__removed_at__isnull=True
    ).distinct()


def call_for_caller(*, caller, team: CallTeam, call_id: int) -> Call | None:
    """One of the caller's own calls for this team (another's call, or a guessed id: None)."""
    return Call.objects.filter(pk=call_id, caller=caller, team=team).first()


def person_card(call: Call) -> dict:
    """What a caller sees of the person of their call: contact, districts, what they signed up for,
    and the earlier calls' notes on them (any team's), newest first."""
    signup = SignUp.objects.with_districts().get(pk=call.signup_id)
    earlier = list(
        Call.objects.filter(signup_id=signup.pk, finished_at__isnull=False)
        .exclude(pk=call.pk)
        .select_related("team")
        .order_by("-finished_at")[:20]
    )
    zone = Prospect.objects.filter(pk=signup.pk).values_list("time_zone", flat=True).first() or ""
    offices = [Office(o).label if o in Office.values else o for o in signup.offices]
    # Their county, town or city and school districts: where a school board or council hopeful would run.
    local = [unit for unit in (getattr(signup, layer) for layer in LocalLayer.values) if unit is not None]
    return {"signup": signup, "offices": offices, "local": local, "earlier": earlier, "time_zone": zone}


def team_district_ids(*, chamber: str, geoids) -> list[int] | None:
    """The ids of the current districts of ``chamber`` (or units of a local layer) with these GEOIDs,
    as the team form and the API name them; None when one is not such a district (or no chamber
    is given for some). Whether they lie in the team's states is the service's check."""
    geoids = set(geoids)
    if not geoids:
        return []
    if not chamber:
        return None
    ids = list(District.objects.current().filter(geoid__in=geoids, chamber=chamber).values_list("pk", flat=True))
    return ids if len(ids) == len(geoids) else None


def team_units(team: CallTeam) -> list[dict]:
    """The districts of the team's chamber or the units of its local layer, by GEOID, for its page."""
    return list(team.districts.order_by("geoid").values("geoid", "name"))


def team_members(team: CallTeam):
    return TeamMember.objects.filter(team=team).select_related("user").order_by("removed_at", "invited_at", "pk")


def volunteers_to_invite(team: CallTeam, *, limit: int = 50):
    """Volunteers who offered phone and text banking in the team's scope and are not on the team yet."""
    volunteers = SignUp.objects.volunteers().filter(
        state__in=team.states, skills__contains=[Skill.PHONE_TEXT], unsubscribed_at__isnull=True
    )
    if team.chamber and (ids := list(team.districts.values_list("pk", flat=True))):
        volunteers = volunteers.filter(**{f"{team.chamber}__in": ids})
    invited = TeamMember.objects.filter(team=team).values("user__email")
    return (
        volunteers.exclude(email__in=invited)
        .select_related("sldl")
        .only("pk", "first_name", "last_name", "email", "state", "sldl__name", "hours_per_week")
        .order_by("-created_at", "pk")[:limit]
    )


def parked_people(team: CallTeam, *, limit: int = 100):
    """People of the team's scope parked for an organizer (no answer three times, wrong number)."""
    return (
        Prospect.objects.filter(state__in=team.states, status=ProspectStatus.PARKED)
        .select_related("signup")
        .order_by("-refreshed_at")[:limit]
    )


def team_stats(team: CallTeam) -> dict:
    """Progress of a team, counted in the database: calls and reach rate per day, outcomes,
    people moved per stage, per caller, and the queue."""
    calls = Call.objects.filter(team=team, finished_at__isnull=False)
    reached = Count("pk", filter=Q(outcome__in=REACHED))
    per_day = [
        row | {"rate": round(100 * row["reached"] / row["calls"]) if row["calls"] else 0}
        for row in calls.annotate(day=TruncDate("finished_at"))
        .values("day")
        .annotate(calls=Count("pk"), reached=reached)
        .order_by("-day")
    ]
    labels = dict(Outcome.choices)
    outcomes = [
        {"outcome": row["outcome"], "label": labels[row["outcome"]], "calls": row["n"]}
        for row in calls.values("outcome").annotate(n=Count("pk")).order_by("-n", "outcome")
    ]
    moved = list(calls.exclude(moved_to="").values("moved_to").annotate(people=Count("signup", distinct=True)))
    per_caller = [
        row | {"rate": round(100 * row["reached"] / row["calls"]) if row["calls"] else 0}
        for row in calls.values("caller_id", "caller__email", "caller__name")
        .annotate(calls=Count("pk"), reached=reached)
        .order_by("-calls", "caller__email")
    ]
    total = calls.count()
    total_reached = calls.filter(outcome__in=REACHED).count()
    queue = Prospect.objects.filter(state__in=team.states)
    if team.chamber and (ids := list(team.districts.values_list("pk", flat=True))):
        queue = queue.filter(**{f"{team.chamber}__in": ids})
    queue = queue.aggregate(
        waiting=Count("pk", filter=Q(status=ProspectStatus.OPEN, callable=True)),
        parked=Count("pk", filter=Q(status=ProspectStatus.PARKED)),
        do_not_call=Count("pk", filter=Q(status=ProspectStatus.DO_NOT_CALL)),
    )
    return {
        "calls": total,
        "reached": total_reached,
        "rate": round(100 * total_reached / total) if total else 0,
        "per_day": per_day,
        "outcomes": outcomes,
        "moved": moved,
        "per_caller": per_caller,
        "queue": queue,
    }


def signups_called_by(team: CallTeam):
    """Ids of the people the team has called (an outcome recorded), for the board's filter."""
    return Call.objects.filter(team=team, finished_at__isnull=False).values("signup_id")


def team_district_choices(team_states, chamber: str):
    return District.objects.current().filter(chamber=chamber, state__in=list(team_states)).defer("geometry")

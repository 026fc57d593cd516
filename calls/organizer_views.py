"""Organizers' pages of call teams, under ``/organize/calls/``: the teams, a team's progress,
its callers and invitations, the people parked for an organizer, and the board of the
people a team called. Every view is ``organizer_required``; a team is found only among
those whose every state the organizer organizes (``selectors.teams_for_organizer``).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import organizer_required
from accounts.models import AuditEvent
from accounts.services import audit_record
from pipeline.models import Stage
from pipeline.organizer_views import board_columns
from signups.models import SignUp

from . import selectors
from .forms import InviteForm, TeamForm
from .models import CallTeam, Prospect
from .rendering import script_html
from .scope import organizer_states
from .services import CallError, outcomes, teams


def _team_or_404(request, team_id: int) -> CallTeam:
    team = selectors.teams_for_organizer(request.user).filter(pk=team_id).first()
    if team is None:
        raise Http404("No such team.")
    return team


def _team_fields(form: TeamForm) -> dict:
    data = form.cleaned_data
    ids = selectors.team_district_ids(chamber=data["chamber"], geoids=data["district_geoids"])
    if ids is None:
        raise CallError("Some districts are not current districts of that chamber (or units of that layer).")
    return {
        "name": data["name"],
        "states": data["states"],
        "chamber": data["chamber"],
        "district_ids": ids,
        "script": data["script"],
        "questions": data["questions"],
        "sms_template": data["sms_template"],
    }


@require_http_methods(["GET", "POST"])
@organizer_required
def team_list(request):
    """The organizer's teams and the form to start one."""
    states = organizer_states(request.user)
    form = TeamForm(request.POST or None, states=states)
    if request.method == "POST" and form.is_valid():
        try:
            team = teams.team_create(by=request.user, **_team_fields(form))
        except CallError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Team “{team.name}” started. Invite its callers.")
            return redirect("callteams:team", team_id=team.pk)
    team_list = selectors.teams_for_organizer(request.user)
    return render(request, "calls/organize/teams.html", {"teams": team_list, "form": form})


@require_GET
@organizer_required
def team_detail(request, team_id: int):
    team = _team_or_404(request, team_id)
    volunteers = list(selectors.volunteers_to_invite(team))
    parked = list(selectors.parked_people(team))
    audit_record(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        resource=f"call team {team.pk}",
        count=len(volunteers) + len(parked),
    )
    context = {
        "team": team,
        "units": selectors.team_units(team),
        "stats": selectors.team_stats(team),
        "members": selectors.team_members(team),
        "volunteers": volunteers,
        "parked": parked,
        "script": script_html(team.script),
        "invite_form": InviteForm(),
        "stage_labels": dict(Stage.choices),
    }
    return render(request, "calls/organize/team.html", context)


@require_http_methods(["GET", "POST"])
@organizer_required
def team_edit(request, team_id: int):
    team = _team_or_404(request, team_id)
    initial = {
        "name": team.name,
        "states": team.states,
        "chamber": team.chamber,
        "districts": ",".join(team.districts.values_list("geoid", flat=True)),
        "script": team.script,
        "questions": "\n".join(team.questions),
        "sms_template": team.sms_template,
    }
    form = TeamForm(request.POST or None, initial=initial, states=organizer_states(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            teams.team_update(team=team, by=request.user, **_team_fields(form))
        except CallError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Team saved.")
            return redirect("callteams:team", team_id=team.pk)
    return render(request, "calls/organize/edit.html", {"team": team, "form": form})


@require_POST
@organizer_required
def invite(request, team_id: int):
    """Invite a caller by email, or one of the listed volunteers in one click."""
    team = _team_or_404(request, team_id)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give an email address.")
        return redirect("callteams:team", team_id=team.pk)
    volunteer, email, language = None, form.cleaned_data["email"], "en"
    if volunteer_id := form.cleaned_data["volunteer"]:
        volunteer = SignUp.objects.volunteers().filter(pk=volunteer_id, state__in=team.states).first()
        if volunteer is None:
            raise Http404("No such volunteer.")
        email, language = volunteer.email, volunteer.language
    try:
        member, created = teams.caller_invite(
            team=team, email=email, by=request.user, volunteer=volunteer, language=language
        )
    except CallError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Invitation sent." if created else "Already on the team.")
    return redirect("callteams:team", team_id=team.pk)


@require_POST
@organizer_required
def remove_member(request, team_id: int, member_id: int):
    team = _team_or_404(request, team_id)
    member = team.members.filter(pk=member_id).first()
    if member is None:
        raise Http404("No such caller.")
    teams.caller_remove(member=member, by=request.user)
    messages.success(request, "Caller taken off the team.")
    return redirect("callteams:team", team_id=team.pk)


@require_POST
@organizer_required
def unpark(request, team_id: int, signup_id: int):
    team = _team_or_404(request, team_id)
    try:
        outcomes.prospect_unpark(team=team, signup_id=signup_id, by=request.user)
    except Prospect.DoesNotExist as exc:
        raise Http404("Nobody parked by that key.") from exc
    messages.success(request, "Back in the queue.")
    return redirect("callteams:team", team_id=team.pk)


@require_POST
@organizer_required
def archive(request, team_id: int):
    team = _team_or_404(request, team_id)
    teams.team_archive(team=team, by=request.user)
    messages.success(request, "The team stopped calling; its history stays.")
    return redirect("callteams:teams")


@require_GET
@organizer_required
def board(request, team_id: int):
    """The pipeline board narrowed to the people a team called ("called by team X")."""
    team = _team_or_404(request, team_id)
    called = selectors.signups_called_by(team)
    columns = board_columns(request, resource=f"pipeline board team {team.pk}", within=called)
    context = {
        "team": team,
        "teams": selectors.teams_for_organizer(request.user),
        "columns": columns,
        "stage_choices": Stage.choices,
        "here": request.get_full_path(),
    }
    return render(request, "calls/organize/board.html", context)

"""Callers' pages (``/calls/``, ``/es/calls/``): one person at a time, nothing else.

A caller sees their teams, and on a team's page either a "Next person" button or the
one person of their open call. No page lists people, searches or exports; no URL
carries a person's id (a call is named by the call's own id, and only its caller
finds it). Every time a person is shown, the audit log records it.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import AuditEvent
from accounts.services import audit_record

from . import selectors
from .access import caller_required
from .emails import invitation_member_id
from .forms import OutcomeForm
from .models import CallTeam, Outcome, TeamMember
from .rendering import script_html, sms_link
from .services import CallError, outcomes, queue, teams
from .timezones import local_time


def _team_or_404(request, team_id: int) -> CallTeam:
    team = selectors.teams_for_caller(request.user).filter(pk=team_id).first()
    if team is None:
        raise Http404(_("No such team."))
    return team


@require_GET
@caller_required
def home(request):
    return render(request, "calls/home.html", {"teams": selectors.teams_for_caller(request.user)})


@require_GET
@caller_required
def call_page(request, team_id: int):
    """The team's calling page: the person of the caller's open call, or the button to get one."""
    team = _team_or_404(request, team_id)
    call = queue.call_open(team=team, caller=request.user)
    context = {"team": team, "call": call, "script": script_html(team.script)}
    if call is not None:
        card = selectors.person_card(call)
        signup = card["signup"]
        form = OutcomeForm(questions=team.questions, time_zone=card["time_zone"])
        context |= card | {
            "form": form,
            "local_now": local_time(card["time_zone"], timezone.now()),
            "sms": sms_link(
                signup.phone,
                team.sms_template,
                first_name=signup.first_name,
                caller=request.user.name or _("a volunteer"),
            ),
        }
        audit_record(
            user=request.user, action=AuditEvent.Action.VIEW, resource=f"call {call.pk} signup {signup.pk}", count=1
        )
    return render(request, "calls/call.html", context)


@require_POST
@caller_required
def next_person(request, team_id: int):
    team = _team_or_404(request, team_id)
    try:
        call = queue.call_next(team=team, caller=request.user)
    except CallError as exc:
        messages.error(request, str(exc))
        call = None
    else:
        if call is None:
            messages.info(request, _("Nobody to call right now. Try again later."))
    return redirect("calls:call", team_id=team.pk)


@require_POST
@caller_required
def record_outcome(request, team_id: int, call_id: int):
    team = _team_or_404(request, team_id)
    call = selectors.call_for_caller(caller=request.user, team=team, call_id=call_id)
    if call is None:
        raise Http404(_("No such call."))
    zone = selectors.person_card(call)["time_zone"]
    form = OutcomeForm(request.POST, questions=team.questions, time_zone=zone)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("calls:call", team_id=team.pk)
    try:
        outcomes.call_record_outcome(
            call_id=call.pk,
            caller=request.user,
            outcome=form.cleaned_data["outcome"],
            answers=form.cleaned_data["answers"],
            note=form.cleaned_data["note"],
            callback_at=form.cleaned_data["callback_at"],
        )
    except CallError as exc:
        messages.error(request, str(exc))
    else:
        label = Outcome(form.cleaned_data["outcome"]).label
        messages.success(request, _("Saved: %(outcome)s.") % {"outcome": label})
    return redirect("calls:call", team_id=team.pk)


@require_http_methods(["GET", "POST"])
def join(request, token: str):
    """An invitation link: choose a password (a new caller), then log in with a second factor."""
    member_id = invitation_member_id(token)
    member = get_object_or_404(TeamMember.objects.select_related("user", "team"), pk=member_id or 0)
    if member.removed_at is not None:
        raise Http404(_("This invitation is no longer valid."))
    user = member.user
    login_url = f"{reverse('account_login')}?{REDIRECT_FIELD_NAME}={quote(reverse('calls:home'))}"
    if user.has_usable_password():
        teams.caller_join(member=member)
        return redirect(login_url)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        teams.caller_join(member=member)
        messages.success(request, _("Password saved. Log in, then set up your second factor."))
        return redirect(login_url)
    return render(request, "calls/join.html", {"form": form, "team": member.team, "email": user.email})

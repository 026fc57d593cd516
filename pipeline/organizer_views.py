"""Organizer pages of the recruitment pipeline, under ``/organize/``: the board, "my candidates",
a candidate's page (stage, assignment, notes, matches, introductions).

Every view is ``organizer_required`` and reads candidates through
``pipeline.selectors.candidates_visible_to`` (the organizer's ``Scope``), so a
candidate outside the organizer's states is a 404. Writes go through ``pipeline.services`` and end in a
redirect (Post/Redirect/Get), with the outcome in a message. Pages that show
people record it in the audit log.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import organizer_required
from accounts.models import AuditEvent
from accounts.services import audit_record
from districts.states import BY_USPS
from signups.models import SignUp, Skill

from . import selectors as pipeline_selectors
from . import services as pipeline_services
from .models import Introduction, Stage, StageChange
from .organizer_forms import CandidacyForm, IntroduceForm, StageForm

STAGE_LABELS = dict(Stage.choices)
SKILL_LABELS = dict(Skill.choices)
RELATION_LABELS = {"same": "Same district", "neighbour": "Neighbouring district", "anywhere": "Helps anywhere"}
MATCHES_SHOWN = 25


def _candidate_or_404(request, pk: int):
    candidate = pipeline_selectors.candidates_visible_to(request.user.scope).filter(pk=pk).first()
    if candidate is None:
        raise Http404("No such candidate.")
    return candidate


def _next_url(request, default: str) -> str:
    url = request.POST.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return default


def _stage_choices():
    return Stage.choices


def board_columns(request, *, resource: str, **narrowing) -> list[dict]:
    """The pipeline board (``selectors.pipeline_board`` narrowed by ``narrowing``: a state, or the
    people a call team called) as a column per stage, recorded in the audit log as ``resource``:
    what every board page shows."""
    columns = [
        {"stage": stage, "label": STAGE_LABELS[stage], "candidates": candidates}
        for stage, candidates in pipeline_selectors.pipeline_board(user=request.user, **narrowing).items()
    ]
    audit_record(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        resource=resource,
        count=sum(len(column["candidates"]) for column in columns),
    )
    return columns


@require_GET
@organizer_required
def board(request):
    """One state's candidates in a column per stage, each with a form to move them."""
    states = request.user.scope.within(BY_USPS)
    if not states:
        raise Http404("You organize no state.")
    state = (request.GET.get("state") or states[0]).upper()
    if state not in states:
        raise Http404("No such state.")
    columns = board_columns(request, resource=f"pipeline board {state}", state=state)
    context = {
        "state": state,
        "state_name": BY_USPS[state].name,
        "state_choices": [(code, BY_USPS[code].name) for code in states],
        "columns": columns,
        "stage_choices": _stage_choices(),
        "here": request.get_full_path(),
    }
    return render(request, "pipeline/board.html", context)


@require_GET
@organizer_required
def mine(request):
    """The candidates assigned to the signed-in organizer, next step first."""
    candidates = pipeline_selectors.candidate_list(user=request.user, mine=True).order_by(
        "candidacy__next_step_on", "last_name", "first_name", "pk"
    )
    audit_record(user=request.user, action=AuditEvent.Action.VIEW, resource="my candidates", count=len(candidates))
    context = {"candidates": candidates, "stage_choices": _stage_choices(), "here": request.get_full_path()}
    return render(request, "pipeline/mine.html", context)


@require_POST
@organizer_required
def move(request, pk: int):
    """Move a candidate to another stage (the board's and the candidate page's forms)."""
    candidate = _candidate_or_404(request, pk)
    form = StageForm(request.POST)
    if form.is_valid():
        pipeline_services.candidacy_set_stage(
            signup_id=candidate.pk, stage=form.cleaned_data["stage"], by=request.user, note=form.cleaned_data["note"]
        )
        messages.success(
            request,
            f"{candidate.first_name} {candidate.last_name} is now at “{STAGE_LABELS[form.cleaned_data['stage']]}”.",
        )
    else:
        messages.error(request, "Choose one of the stages.")
    default = f"{reverse('candidates:board')}?state={candidate.state}"
    return redirect(_next_url(request, default))


def _candidacy_initial(candidate) -> dict:
    candidacy = getattr(candidate, "candidacy", None)
    if candidacy is None:
        return {}
    return {
        "organizer": candidacy.organizer_id,
        "notes": candidacy.notes,
        "tags": ", ".join(candidacy.tags),
        "next_step_on": candidacy.next_step_on,
        "skills_wanted": candidacy.skills_wanted,
    }


@require_http_methods(["GET", "POST"])
@organizer_required
def candidate_detail(request, pk: int):
    """A candidate's stage and history, assignment, notes, matches and introductions; POST saves the form."""
    candidate = _candidate_or_404(request, pk)
    if request.method == "POST":
        form = CandidacyForm(request.POST, state=candidate.state)
        if form.is_valid():
            try:
                pipeline_services.candidacy_update(signup_id=candidate.pk, by=request.user, **form.cleaned_data)
            except pipeline_services.PipelineError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Saved.")
            return redirect("candidates:detail", pk=candidate.pk)
    else:
        form = CandidacyForm(initial=_candidacy_initial(candidate), state=candidate.state)
    candidacy = getattr(candidate, "candidacy", None)
    wanted = set(candidacy.skills_wanted) if candidacy else set()
    matches = list(
        pipeline_selectors.volunteer_matches(scope=request.user.scope, candidate=candidate, limit=MATCHES_SHOWN)
    )
    introduced = set(
        Introduction.objects.filter(candidate=candidate, volunteer__in=[m.pk for m in matches]).values_list(
            "volunteer_id", flat=True
        )
    )
    for match in matches:
        match.relation_label = RELATION_LABELS.get(match.relation, match.relation)
        match.distance_km = match.distance.km if getattr(match, "distance", None) is not None else None
        match.shared = [SKILL_LABELS.get(s, s) for s in match.skills if s in wanted]
        match.introduced = match.pk in introduced
        match.may_email = match.may_be_introduced
    introductions = list(
        Introduction.objects.visible_to(request.user.scope)
        .filter(candidate=candidate)
        .select_related("volunteer", "introduced_by")
    )
    shown = {candidate.pk} | {m.pk for m in matches} | {i.volunteer_id for i in introductions}
    audit_record(
        user=request.user, action=AuditEvent.Action.VIEW, resource=f"candidate {candidate.pk}", count=len(shown)
    )
    context = {
        "candidate": candidate,
        "candidacy": candidacy,
        "stage_label": STAGE_LABELS[candidate.stage],
        "history": (StageChange.objects.filter(candidacy=candidacy).select_related("changed_by") if candidacy else []),
        "form": form,
        "stage_choices": _stage_choices(),
        "matches": matches,
        "candidate_may_email": candidate.may_be_introduced,
        "introductions": introductions,
        "skills_wanted": [SKILL_LABELS.get(s, s) for s in sorted(wanted)],
        "here": request.get_full_path(),
    }
    return render(request, "pipeline/candidate.html", context)


@require_POST
@organizer_required
def introduce(request, pk: int):
    """Introduce a volunteer (one the organizer may see) to the candidate: both are emailed once."""
    candidate = _candidate_or_404(request, pk)
    form = IntroduceForm(request.POST)
    if not form.is_valid():
        raise Http404("No such volunteer.")
    volunteer = (
        SignUp.objects.visible_to(request.user.scope).volunteers().filter(pk=form.cleaned_data["volunteer"]).first()
    )
    if volunteer is None:
        raise Http404("No such volunteer.")
    name = f"{volunteer.first_name} {volunteer.last_name}"
    try:
        introduction, created = pipeline_services.introduction_create(
            candidate_id=candidate.pk, volunteer_id=volunteer.pk, by=request.user
        )
    except pipeline_services.PipelineError as exc:
        messages.error(request, f"{name} was not introduced: {exc}")
    else:
        if created:
            messages.success(
                request, f"{name} and {candidate.first_name} {candidate.last_name} will both get an email."
            )
        else:
            messages.info(
                request,
                f"{name} was already introduced on {introduction.created_at:%Y-%m-%d}; nobody is emailed again.",
            )
    return redirect("candidates:detail", pk=candidate.pk)

"""Organizer pages under ``/organize/``: coverage, states, districts, people, activity.

Every view is ``organizer_required`` (signed in with TOTP set up), reads through
the coverage engine (``coverage``, which limits everything to the organizer's
``Scope``) and takes the same filters (``coverage.filters``) from its query string. A bad
filter value is shown above the page, which then ignores that one filter. Pages
that show people record it in the audit log (``organizing.audit``); the audit
page lists that log to organizers with every state. The dashboard, state and
activity pages show counts only: their content comes from the coverage cache
(``organizing.pages``), and what they must record is recorded on every view. A district
page takes what it shows above its people from that cache, and reads its people afresh.
"""

import dataclasses
import datetime
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

import coverage
from accounts.access import organizer_required
from accounts.models import AuditEvent, User
from accounts.services import audit_record
from coverage import HEADLINE, CoverageFilters
from coverage.layers import BY_KEY, LENSES
from districts.states import BY_USPS
from pipeline.selectors import nominations_by_district, state_nominations
from signups.models import Skill

from . import pages
from .audit import coverage_filters
from .pages import CHAMBER_LABELS, MAP_LABELS, filter_context, page_filters, query
from .tile_views import coverage_map_context, district_url_template

PEOPLE_PER_PAGE = 100
HOURS_SHOWN = 48
DAYS_SHOWN = 30
# The per-state table sorts by name or by one chamber's percent covered.
SORT_KEYS = ("state", "sldl", "sldu", "cd")


def _map_context(request, *, chamber: str, filters: CoverageFilters) -> dict:
    """The coverage map partial's context."""
    return {"coverage_map": coverage_map_context(request, chamber=chamber, filters=filters)}


def _chamber_param(request, default: str = "sldl", choices=CHAMBER_LABELS) -> str:
    chamber = request.GET.get("map") or default
    return chamber if chamber in choices else default


def _sort_states(rows: list[dict], sort: str) -> list[dict]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        return rows
    if key == "state":
        return sorted(rows, key=lambda row: row["name"], reverse=descending)
    # By percent covered; states without the chamber (Nebraska's house) go last either way.
    present = [row for row in rows if row[key]["percent"] is not None]
    absent = [row for row in rows if row[key]["percent"] is None]
    return sorted(present, key=lambda row: (row[key]["percent"], row[key]["covered"]), reverse=descending) + absent


# --- Pages -------------------------------------------------------------------------


@require_GET
@organizer_required
def dashboard(request):
    """The headline, the three chambers, and a row per state."""
    filters, errors = page_filters(request)
    sort = request.GET.get("sort", "state")
    sort = sort if sort.lstrip("-") in SORT_KEYS else "state"
    # The links keep a sort only when one was asked (the page's URLs stay as the organizer wrote them).
    kept_sort = sort if "sort" in request.GET else None
    map_chamber = _chamber_param(request)

    def build() -> dict:
        summary = coverage.coverage_summary(scope=request.user.scope, filters=filters)
        return {
            **filter_context(scope=request.user.scope, filters=filters, errors=errors, sort=kept_sort),
            "summary": summary,
            "chambers": [
                {"key": c, "label": CHAMBER_LABELS[c], "districts": BY_KEY[c].districts_label, **summary["chambers"][c]}
                for c in HEADLINE
            ],
            "lenses": [
                {"key": lens.key, "label": lens.label, "units": lens.units_label, **summary["lenses"][lens.key]}
                for lens in LENSES
            ],
            "state_rows": _sort_states(summary["states"], sort),
            "sort": sort,
            "sort_links": {key: query(filters, sort=f"-{key}" if sort == key else key) for key in SORT_KEYS},
            "map_chamber": map_chamber,
            "map_links": [(c, CHAMBER_LABELS[c], query(filters, map=c, sort=kept_sort)) for c in HEADLINE],
            **_map_context(request, chamber=map_chamber, filters=filters),
        }

    part = f"{kept_sort}:{map_chamber}"
    return pages.page(
        request, kind="dashboard", title="Coverage", filters=filters, errors=errors, part=part, build=build
    )


@require_GET
@organizer_required
def state_detail(request, state: str):
    """Every district of a state, per chamber, with its counts and the three gap lists; then the
    local lenses (school boards, councils, county offices), each with its units and gap lists."""
    state = state.upper()
    if not request.user.scope.covers(state) or state not in BY_USPS:
        raise Http404("No such state.")
    filters, errors = page_filters(request, states=(state,))
    map_chamber = _chamber_param(request, choices=MAP_LABELS)

    def build() -> dict:
        summary = coverage.coverage_summary(scope=request.user.scope, filters=filters)
        figures = next((row for row in summary["states"] if row["state"] == state), None)
        # Every chamber's and local layer's districts with their counts: one query, one pass.
        layers = coverage.layers_district_list(
            scope=request.user.scope,
            filters=filters,
            layer_keys=(*HEADLINE, *(key for lens in LENSES for key in lens.layers)),
            state=state,
        )
        _link(layers)
        chambers, nominations = _state_chambers(request, state=state, layers=layers, figures=figures)
        return {
            **filter_context(scope=request.user.scope, filters=filters, errors=errors, fixed_state=state),
            "query": query(dataclasses.replace(filters, states=())),
            "state": state,
            "state_name": BY_USPS[state].name,
            "chambers": chambers,
            "lenses": _state_lenses(layers=layers, figures=figures),
            "map_chamber": map_chamber,
            "map_links": [(c, MAP_LABELS[c], query(filters, map=c)) for c in MAP_LABELS],
            **_map_context(request, chamber=map_chamber, filters=filters),
            "kept": {"nominations_shown": nominations},
        }

    def audit(kept: dict) -> None:
        # The leads name nominees: personal data, recorded like any other (never the names
        # themselves), on every view of the page, whether its content was cached or not.
        if kept["nominations_shown"]:
            audit_record(
                user=request.user,
                action=AuditEvent.Action.VIEW,
                resource=f"state {state} nominations",
                filters=coverage_filters(filters),
                count=kept["nominations_shown"],
            )

    title = BY_USPS[state].name
    return pages.page(
        request, kind="state", title=title, filters=filters, errors=errors, part=map_chamber, build=build, on_view=audit
    )


def _link(layers: dict[str, list]) -> None:
    """Give each district its page's ``url``: one URL resolved per layer, not per district (a state
    has thousands with its local units)."""
    for key, districts in layers.items():
        url = district_url_template(key)
        for district in districts:
            district.url = url.replace("{geoid}", district.geoid)


def _state_chambers(request, *, state: str, layers: dict, figures: dict | None) -> tuple[list[dict], int]:
    """A state page's chambers: every district with its counts, the gap lists, and the leads
    (districts with nobody yet where a supporter nominated someone); and how many nominations
    the leads show."""
    chambers = []
    leads = state_nominations(scope=request.user.scope, state=state)
    for chamber in HEADLINE:
        nominations = nominations_by_district(leads, chamber=chamber)
        districts = layers[chamber]
        chambers.append(
            {
                "key": chamber,
                "label": CHAMBER_LABELS[chamber],
                "districts": districts,
                "figures": figures[chamber] if figures else None,
                # The gap lists are the same rows, split by their counts (no further query).
                "gaps": coverage.gaps(districts),
                "nominated": [(d, nominations[d.pk]) for d in districts if d.status == "none" and d.pk in nominations],
            }
        )
    shown = {n.pk for chamber in chambers for _district, noms in chamber["nominated"] for n in noms}
    return chambers, len(shown)


def _state_lenses(*, layers: dict, figures: dict | None) -> list[dict]:
    """A state page's local lenses (school boards, councils, county offices): units and gap lists."""
    lenses = []
    for lens in LENSES:
        shown = [{"key": key, "label": BY_KEY[key].label, "districts": layers[key]} for key in lens.layers]
        units = [district for each in shown for district in each["districts"]]
        lenses.append(
            {
                "key": lens.key,
                "label": lens.label,
                "units_label": lens.units_label,
                "figures": figures["lenses"][lens.key] if figures else None,
                "layers": [each for each in shown if each["districts"]],
                # One gap list per lens, across its layers (a council is a place's or a town's).
                "gaps": coverage.gaps(units),
            }
        )
    return lenses


@require_GET
@organizer_required
def district_detail(request, chamber: str, geoid: str):
    """The people in one district (current maps, or the asked vintage), paginated."""
    filters, errors = page_filters(request)
    scope = request.user.scope
    head = _district_head(request, chamber=chamber, geoid=geoid, filters=filters, errors=errors)
    district = head["district"]
    # Another vintage's people are found inside the district's geometry, which is not in the key:
    # that rarer query is built at each view (no key).
    current = filters.vintage_for(district.chamber) is None
    people = pages.PeopleShape(
        key=(scope, filters, district.pk, timezone.get_current_timezone_name()) if current else None,
        build=lambda: coverage.district_signups(scope=scope, filters=filters, district=district).order_by(
            "-created_at", "-pk"
        ),
    )
    page = pages.people_page(people, request.GET.get("page"), per_page=PEOPLE_PER_PAGE)
    audit_record(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        resource=f"district {chamber} {district.geoid}",
        filters=coverage_filters(filters, page=str(page.number)),
        count=len(page),
    )
    context = {
        "district": district,
        "head": mark_safe(head["content"]),  # noqa: S308 (our own template's output)
        "query": query(filters),
        "page": page,
        "rows": pages.people_rows(page.object_list),
        "export_query": query(filters, chamber=chamber, district=geoid),
    }
    return render(request, "organizing/district.html", context)


def _district_head(request, *, chamber: str, geoid: str, filters: CoverageFilters, errors: dict) -> dict:
    """A district page's district (with its counts) and the HTML above its people (the district's
    facts and counts, the filter form): counts only, so from the coverage cache like the other
    pages' content (``pages.cached_content``); the people are read at every view. Http404 for a
    district the organizer may not see (nothing is kept then)."""
    sort = request.GET.get("sort") or None

    def build() -> dict:
        district = coverage.coverage_district(scope=request.user.scope, filters=filters, layer_key=chamber, geoid=geoid)
        if district is None:
            raise Http404("No such district.")
        context = {
            **filter_context(scope=request.user.scope, filters=filters, errors=errors, sort=sort),
            "district": district,
            "chamber_label": BY_KEY[chamber].label,
            "state_name": BY_USPS[district.state].name,
        }
        return {"district": district, "content": render_to_string("organizing/includes/_district_head.html", context)}

    if sort is not None and sort.lstrip("-") not in SORT_KEYS:
        return build()  # a sort that is none of the dashboard's is typed text: never kept
    return pages.cached_content(
        request, kind="district", filters=filters, errors=errors, part=f"{sort}:{chamber}:{geoid}", build=build
    )


@require_GET
@organizer_required
def signup_detail(request, pk: int):
    """One person: everything they told us, and where they were placed."""
    signup = coverage.signup_for_organizer(scope=request.user.scope, pk=pk)
    if signup is None:
        raise Http404("No such sign-up.")
    audit_record(user=request.user, action=AuditEvent.Action.VIEW, resource=f"signup {signup.pk}", count=1)
    skills = dict(Skill.choices)
    context = {
        "signup": signup,
        "skills": [skills.get(code, code) for code in signup.skills],
        "districts": [(MAP_LABELS[c], getattr(signup, c)) for c in MAP_LABELS],
    }
    return render(request, "organizing/signup.html", context)


def _bars(rows: list[dict], *, label_format: str) -> dict:
    """An inline SVG bar chart's geometry (no JavaScript, no inline style)."""
    width, height, gap = 720, 160, 1
    peak = max((row["total"] for row in rows), default=0) or 1
    bar = width / max(len(rows), 1)
    return {
        "width": width,
        "height": height,
        "peak": peak,
        "bars": [
            {
                "x": round(i * bar, 2),
                "width": round(max(bar - gap, 1), 2),
                "height": round(height * row["total"] / peak, 2),
                "y": round(height - height * row["total"] / peak, 2),
                "title": f"{row['period'].strftime(label_format)}: {row['total']}",
            }
            for i, row in enumerate(rows)
        ],
    }


def _filled(rows: list[dict], start: datetime.datetime, end: datetime.datetime, step: datetime.timedelta) -> list:
    """Every period from ``start`` to ``end``, with zeros where nobody signed up."""
    by_period = {row["period"]: row for row in rows}
    filled, period = [], start
    while period < end:
        filled.append(by_period.get(period, {"period": period, "total": 0, "run": 0, "volunteer": 0}))
        period += step
    return filled


@require_GET
@organizer_required
def activity(request):
    """Sign-ups per day and per hour (a livestream's spike shows in the hours)."""
    filters, errors = page_filters(request)
    tz = timezone.get_current_timezone()
    now = timezone.localtime()
    last_day = filters.until or now.date()
    first_day = filters.since or (last_day - datetime.timedelta(days=DAYS_SHOWN - 1))
    day_start = datetime.datetime.combine(first_day, datetime.time.min, tzinfo=tz)
    day_end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    hour_end = min(day_end, now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1))
    hour_start = max(day_start, hour_end - datetime.timedelta(hours=HOURS_SHOWN))

    def series(unit: str, start: datetime.datetime, end: datetime.datetime, step: datetime.timedelta) -> list:
        rows = coverage.signups_over_time(scope=request.user.scope, filters=filters, unit=unit, start=start, end=end)
        return _filled(rows, start, end, step)

    def build() -> dict:
        days = series("day", day_start, day_end, datetime.timedelta(days=1))
        hours = series("hour", hour_start, hour_end, datetime.timedelta(hours=1))
        return {
            **filter_context(scope=request.user.scope, filters=filters, errors=errors),
            "days": days,
            "hours": hours,
            "day_chart": _bars(days, label_format="%Y-%m-%d"),
            "hour_chart": _bars(hours, label_format="%Y-%m-%d %H:00"),
            "day_range": (first_day, last_day),
            "hour_range": (hour_start, hour_end),
            "time_zone": timezone.get_current_timezone_name(),
        }

    # The hours shown end with the current one: a new hour is a new page.
    part = f"{timezone.get_current_timezone_name()}:{hour_end.isoformat()}"
    title = "Sign-ups over time"
    return pages.page(request, kind="activity", title=title, filters=filters, errors=errors, part=part, build=build)


AUDIT_PER_PAGE = 50


@require_GET
@organizer_required
def audit_log(request):
    """Who was shown which people's data, newest first; only for organizers with every state."""
    if not request.user.scope.all_states:
        raise PermissionDenied("The audit log is for organizers with every state.")
    events = AuditEvent.objects.select_related("user")
    organizer = request.GET.get("organizer") or ""
    action = request.GET.get("action") or ""
    if organizer.isdigit():
        events = events.filter(user_id=int(organizer))
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    page = Paginator(events, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "organizer": organizer,
        "action": action,
        # Every account (a few dozen), not only those in the log: no scan of the log for the menu.
        "organizers": User.objects.order_by("email").only("pk", "email"),
        "action_choices": AuditEvent.Action.choices,
        "query": urlencode([(k, v) for k, v in (("organizer", organizer), ("action", action)) if v]),
    }
    return render(request, "organizing/audit.html", context)

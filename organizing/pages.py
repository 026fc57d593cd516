"""What every coverage page shares: its filters, their links, and its content from the coverage cache.

The dashboard, the state pages and the activity page show counts only, the same for
everyone with the same ``Scope``, filters and language. Their content (everything
below the header: the filter form, the figures, the tables, the map) is rendered
once and kept in the coverage cache (``coverage.cache``, the summary's and the
tiles': a minute, keyed by scope and filters, served without Redis when it is down)
with what else it depends on (the language, the sort, the map's chamber). The
header with the organizer's email and the sign-out form's CSRF token is rendered
on every request, so nothing personal to one account is ever kept or shared.
A page whose filters had errors is rendered afresh: the error text is what was typed.
"""

import dataclasses
from collections.abc import Callable
from urllib.parse import urlencode

from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

import coverage
from accounts.scope import Scope
from coverage import HEADLINE, CoverageFilters
from coverage import cache as coverage_cache
from coverage.layers import BY_KEY, LOCAL
from districts.states import BY_USPS
from pipeline.models import Stage
from signups.models import BallotLine, LocationQuality, Office

CHAMBER_LABELS = {key: BY_KEY[key].label for key in HEADLINE}
# What a map can show: the chambers, then the local layers (state pages).
MAP_LABELS = {key: BY_KEY[key].label for key in (*HEADLINE, *LOCAL)}


def page_filters(request, **overrides) -> tuple[CoverageFilters, dict]:
    """The page's filters from its query string (``overrides`` replacing some), and their errors."""
    filters, errors = CoverageFilters.from_query(request.GET)
    if overrides:
        filters = dataclasses.replace(filters, **overrides)
    return filters, errors


def query(filters: CoverageFilters, **extra) -> str:
    """``?...`` for links that keep the filters (and ``extra`` parameters), or ''."""
    params = filters.to_params() + [(key, value) for key, value in extra.items() if value not in (None, "")]
    if not params:
        return ""
    return "?" + urlencode(params)


def filter_context(
    *, scope: Scope, filters: CoverageFilters, errors: dict, sort: str | None = None, fixed_state: str | None = None
) -> dict:
    """What ``organizing/includes/_filters.html`` and the page header need."""
    states = coverage.visible_states(scope=scope, filters=CoverageFilters())
    toggled = dataclasses.replace(filters, confirmed_only=not filters.confirmed_only)
    return {
        "filters": filters,
        "filter_errors": errors,
        "query": query(filters),
        "confirmed_toggle_query": query(toggled, sort=sort),
        "state_choices": [(code, BY_USPS[code].name) for code in states] if not fixed_state else [],
        "fixed_state": fixed_state,
        "ballot_line_choices": BallotLine.choices,
        "office_choices": Office.choices,
        "stage_choices": Stage.choices,
        "vintage_choices": coverage.vintage_choices(),
        "chosen_vintages": filters.vintage_values(),
        "chamber_labels": CHAMBER_LABELS,
        "layer_labels": MAP_LABELS,
        "national": coverage.is_national(scope=scope, filters=filters),
    }


def page(
    request,
    *,
    kind: str,
    title: str,
    filters: CoverageFilters,
    errors: dict,
    part: str,
    build: Callable[[], dict],
    on_view: Callable[[object], None] | None = None,
):
    """The organizer page ``kind``: its content (``organizing/includes/_<kind>.html``) from the
    coverage cache when the same scope, filters, ``part`` and language were asked within its
    minute, inside the asker's own header.

    ``build()`` gives the content template's context, and may add ``"kept"``: what the view
    must still act on at every view, cached or not; ``on_view(kept)`` is then called (to record
    in the audit log what the page shows).
    """

    def rendered() -> dict:
        context = build()
        kept = context.pop("kept", None)
        # No request: the content must not depend on who asks beyond the scope in the key.
        return {"content": render_to_string(f"organizing/includes/_{kind}.html", context), "kept": kept}

    if errors:
        cached = rendered()
    else:
        key = coverage_cache.cache_key(
            f"page:{kind}", scope=request.user.scope, filters=filters, part=f"{get_language()}:{part}"
        )
        cached = coverage_cache.cached(key, rendered)
    if on_view is not None:
        on_view(cached["kept"])
    content = mark_safe(cached["content"])  # noqa: S308 (our own template's output)
    return render(request, "organizing/page.html", {"title": title, "content": content})


# The fields ``people_rows`` shows, for a QuerySet's ``only()``.
PEOPLE_ROW_FIELDS = (
    "first_name",
    "last_name",
    "wants_to_run",
    "wants_to_volunteer",
    "offices",
    "ballot_line",
    "confirmed_at",
    "location_quality",
    "created_at",
)
_PK_SLOT = 987654321  # a primary key no URL part can be mistaken for


def _url_pattern(name: str) -> str:
    """``name``'s URL for one object, with ``{}`` where its primary key goes."""
    return reverse(name, args=[_PK_SLOT]).replace(str(_PK_SLOT), "{}")


def people_rows(people) -> list[str]:
    """A page of people as the district pages list them: one table row of HTML each.

    Made here rather than in the template language, where a row of seven cells cost about
    0.3 ms (two URL reversals, three dates, three translated labels, a dozen variables):
    most of the page's time at 100 people a page. ``format_html`` escapes every value.
    Dates are the site's local time, as the ``date`` filter gives them.
    """
    offices = {code: str(label) for code, label in Office.choices}
    ballot_lines = {code: str(label) for code, label in BallotLine.choices}
    qualities = {code: str(label) for code, label in LocationQuality.choices}
    signup_url, candidate_url = _url_pattern("organizing:signup"), _url_pattern("candidates:detail")
    zone = timezone.get_current_timezone()
    rows = []
    for person in people:
        kinds = []
        if person.wants_to_run:
            kinds.append(format_html('<a href="{}" title="Pipeline">run</a>', candidate_url.format(person.pk)))
        if person.wants_to_volunteer:
            kinds.append("volunteer")
        confirmed = person.confirmed_at.astimezone(zone) if person.confirmed_at else None
        created = person.created_at.astimezone(zone)
        rows.append(
            format_html(
                '<tr data-signup="{}"><th scope="row"><a href="{}">{} {}</a></th><td>{}</td><td>{}</td>'
                "<td>{}</td><td>{}</td><td>{}</td>"
                '<td><time datetime="{}">{}</time></td></tr>',
                person.pk,
                signup_url.format(person.pk),
                person.first_name,
                person.last_name,
                mark_safe(", ".join(kinds)),  # noqa: S308 (each part escaped above)
                ", ".join(offices.get(code, code) for code in person.offices) or "–",
                ballot_lines.get(person.ballot_line, person.ballot_line) or "–",
                format_html('<time datetime="{}">{}</time>', confirmed.isoformat(), f"{confirmed:%Y-%m-%d}")
                if confirmed
                else "not yet",
                qualities.get(person.location_quality),
                created.isoformat(),
                f"{created:%Y-%m-%d %H:%M}",
            )
        )
    return rows

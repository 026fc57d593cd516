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
A district page keeps only what it shows above its people (``cached_content``); its page of
people (``people_page``, ``people_rows``) is read and formatted at every view, never kept.
"""

import dataclasses
import functools
from collections import namedtuple
from collections.abc import Callable
from html import escape
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Window
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
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


def cached_content(request, *, kind: str, filters: CoverageFilters, errors: dict, part: str, build: Callable):
    """``build()``'s answer (what a page shows of counts, never of people) from the coverage cache
    for the asker's scope, ``filters``, ``part`` and language; built afresh and not kept when the
    filters had errors (the error text is what was typed)."""
    if errors:
        return build()
    key = coverage_cache.cache_key(
        f"page:{kind}", scope=request.user.scope, filters=filters, part=f"{get_language()}:{part}"
    )
    return coverage_cache.cached(key, build)


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

    cached = cached_content(request, kind=kind, filters=filters, errors=errors, part=part, build=rendered)
    if on_view is not None:
        on_view(cached["kept"])
    content = mark_safe(cached["content"])  # noqa: S308 (our own template's output)
    return render(request, "organizing/page.html", {"title": title, "content": content})


# The fields ``people_rows`` shows, for a QuerySet's ``values_list()`` (with ``pk``).
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


class CountedPaginator(Paginator):
    """A ``Paginator`` told how many objects there are (``count``) instead of asking the database,
    for a ``Page`` whose rows were read already."""

    def __init__(self, object_list, per_page: int, *, count: int):
        super().__init__(object_list, per_page)
        self.count = count  # the cached_property's value, set ahead


PersonRow = namedtuple("PersonRow", ("pk", *PEOPLE_ROW_FIELDS, "people_total"))


@dataclasses.dataclass(frozen=True)
class PeopleShape:
    """Whose people a page lists: ``key`` holds everything their query depends on (scope, filters,
    district, the site's time zone), or is None for a query not to keep; ``build`` makes that query
    (an ordered QuerySet of sign-ups)."""

    key: tuple | None
    build: Callable = dataclasses.field(compare=False, hash=False)


def _listed(people):
    """``people`` as ``people_page`` reads them: ``PersonRow``'s columns, with how many there are in
    all in each row (``count(*) OVER ()``, computed before the LIMIT over exactly the rows listed)."""
    rows = people.annotate(people_total=Window(Count("pk")))
    return rows.values_list("pk", *PEOPLE_ROW_FIELDS, "people_total", named=True)


@functools.lru_cache(maxsize=1024)
def _page_sql(shape: PeopleShape, number: int, per_page: int) -> tuple[str, tuple]:
    """Page ``number``'s SQL and parameters, built and compiled once per process for each ``shape``:
    the ORM's building and compiling cost more than PostgreSQL's answer (0.16 ms for a district's
    first 100 people at 100,000 sign-ups). The values are parameters, so the same SQL serves each view."""
    sql, params = _listed(shape.build())[(number - 1) * per_page : number * per_page].query.sql_with_params()
    return sql, tuple(params)


def people_page(people: PeopleShape, number, *, per_page: int) -> Page:
    """Page ``number`` of ``people``, as ``Paginator.get_page`` gives it: each person a ``PersonRow``
    of ``pk`` and ``PEOPLE_ROW_FIELDS`` (no model instances: a tenth of the cost).

    How many people there are in all comes with the page, in the same query, instead of a COUNT of
    its own: one round trip, and the count as fresh as the list. The rows are read as the QuerySet
    would (none of these columns needs a converter on PostgreSQL). A page past the end (or below 1)
    has no row to carry the count: then the pager counts and gives the last page as ``get_page``
    does (two queries).
    """
    try:
        wanted = int(number) if number is not None else 1
    except (TypeError, ValueError):
        wanted = 1  # as get_page: not a number, the first page
    if wanted >= 1:
        page_sql = _page_sql if people.key is not None else _page_sql.__wrapped__
        with connection.cursor() as cursor:
            cursor.execute(*page_sql(people, wanted, per_page))
            shown = [PersonRow._make(row) for row in cursor.fetchall()]
        if shown or wanted == 1:
            # The pager needs only the count: no QuerySet is built for it.
            paginator = CountedPaginator((), per_page, count=shown[0].people_total if shown else 0)
            return Page(shown, wanted, paginator)
    return Paginator(_listed(people.build()), per_page).get_page(number)


@functools.cache
def _reversed(name: str, args: tuple, urlconf, prefix: str, language: str | None) -> str:
    return reverse(name, args=args)


def reversed_once(name: str, *args) -> str:
    """``reverse(name, args=args)``, made once per process for the URLconf, script prefix and
    language in use (all a reversal depends on): the organizer header's dozen links otherwise cost
    a quarter of a millisecond a page, a twentieth of a cached one."""
    return _reversed(name, args, get_urlconf(), get_script_prefix(), get_language())


def _url_pattern(name: str) -> str:
    """``name``'s URL for one object, with ``{}`` where its primary key goes."""
    return reversed_once(name, _PK_SLOT).replace(str(_PK_SLOT), "{}")


@functools.cache
def _row_parts(language: str | None, urlconf, prefix: str) -> tuple:
    """What every row of ``people_rows`` shares, escaped: the offices', ballot lines' and location
    qualities' labels in ``language`` and the person's and candidate's URL patterns under the
    ``urlconf`` and ``prefix`` in use (the arguments: all they depend on). Made once per process
    (a quarter of a millisecond a page otherwise)."""
    return (
        {code: escape(str(label)) for code, label in Office.choices},
        {code: escape(str(label)) for code, label in BallotLine.choices},
        {code: escape(str(label)) for code, label in LocationQuality.choices},
        escape(_url_pattern("organizing:signup")),
        escape(_url_pattern("candidates:detail")),
    )


def people_rows(people) -> SafeString:
    """A page of people (``people_page``'s rows) as the district pages list them: a table row of
    HTML each, joined.

    Made here rather than in the template language, where a row of seven cells cost about
    0.3 ms (two URL reversals, three dates, three translated labels, a dozen variables), and
    with the standard library's ``html.escape`` (what Django's ``escape`` calls) on every typed
    value rather than ``format_html``, which checks each argument for lazy text: 27 µs a row
    then, 4 now, most of a cached page's own time at 100 people a page. Labels and URLs are
    escaped once per process (``_row_parts``); dates are cut from their ISO form (digits and
    ``-:T+.``, nothing to escape), in the site's local time as the ``date`` filter gives them.
    """
    if not people:
        return mark_safe("")
    offices, ballot_lines, qualities, signup_url, candidate_url = _row_parts(
        get_language(), get_urlconf(), get_script_prefix()
    )
    zone = timezone.get_current_timezone()
    rows = []
    for person in people:
        pk = person.pk
        kinds = f'<a href="{candidate_url.format(pk)}" title="Pipeline">run</a>' if person.wants_to_run else ""
        if person.wants_to_volunteer:
            kinds = f"{kinds}, volunteer" if kinds else "volunteer"
        if person.confirmed_at:
            confirmed = person.confirmed_at.astimezone(zone).isoformat()
            confirmed = f'<time datetime="{confirmed}">{confirmed[:10]}</time>'
        else:
            confirmed = "not yet"
        created = person.created_at.astimezone(zone).isoformat()
        sought = ", ".join([offices.get(code) or escape(code) for code in person.offices]) or "–"
        rows.append(
            f'<tr data-signup="{pk}"><th scope="row"><a href="{signup_url.format(pk)}">'
            f"{escape(person.first_name)} {escape(person.last_name)}</a></th><td>{kinds}</td><td>{sought}</td>"
            f"<td>{ballot_lines.get(person.ballot_line) or escape(person.ballot_line or '–')}</td>"
            f"<td>{confirmed}</td><td>{qualities.get(person.location_quality, 'None')}</td>"
            f'<td><time datetime="{created}">{created[:10]} {created[11:16]}</time></td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every typed value escaped above)

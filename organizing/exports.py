"""CSV exports of the current view, streamed: the people, and the per-district counts.

Both take the dashboard's filters from the query string, plus

* people: ``chamber`` and ``district`` (a GEOID) for one district's people (the
  district page's export), or ``state`` as a filter;
* districts: ``chamber`` (``cd``, ``sldu``, ``sldl``, or a local layer: ``county``,
  ``cousub``, ``place``, ``unsd``, ``elsd``, ``scsd``) or ``lens`` (``school_board``,
  ``council``, ``county``: its layers); default the three chambers. ``status``
  (``none``, ``volunteers``, ``candidate``, ``filed``) keeps only those districts.

Rows come from the database in chunks (a server-side cursor) and leave as they
are written, so an export of 100,000 people never sits in memory. Districts are
given by OCD division ID and Census GEOID, to join with Open States and other
civic data. Answers are ``Cache-Control: no-store``: they carry personal data.
A bad parameter is a 400 ``{"errors": {"parameter": ["message"]}}`` (JSON, never HTML).
"""

import csv
import datetime

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

import coverage
from accounts.access import organizer_required
from coverage import HEADLINE, CoverageFilters
from coverage.layers import BY_KEY, layers_asked
from coverage.rules import status_asked
from districts.models import LocalLayer
from pipeline.models import Stage

from .audit import audited_rows, coverage_filters

CHUNK = 2000
LOCAL_LAYERS = LocalLayer.values
# A would-be candidate's pipeline stage ("new" without a candidacy); empty for a volunteer only.
PIPELINE_STAGE = Case(
    When(wants_to_run=True, then=Coalesce(F("candidacy__stage"), Value(Stage.NEW.value))),
    default=Value(""),
    output_field=CharField(),
)
PEOPLE_COLUMNS = [
    ("id", "pk"),
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("email", "email"),
    ("phone", "phone"),
    ("street", "street"),
    ("city", "city"),
    ("state", "state"),
    ("zip", "zip"),
    ("wants_to_run", "wants_to_run"),
    ("wants_to_volunteer", "wants_to_volunteer"),
    ("offices", "offices"),
    ("ballot_line", "ballot_line"),
    ("stage", "stage"),
    ("timeframe", "timeframe"),
    ("skills", "skills"),
    ("hours_per_week", "hours_per_week"),
    ("confirmed_at", "confirmed_at"),
    ("location_quality", "location_quality"),
    ("created_at", "created_at"),
    ("cd_geoid", "cd__geoid"),
    ("cd_ocd_id", "cd__ocd_id"),
    ("cd_name", "cd__name"),
    ("sldu_geoid", "sldu__geoid"),
    ("sldu_ocd_id", "sldu__ocd_id"),
    ("sldu_name", "sldu__name"),
    ("sldl_geoid", "sldl__geoid"),
    ("sldl_ocd_id", "sldl__ocd_id"),
    ("sldl_name", "sldl__name"),
    # The local units the person is assigned to (governing ones; see signups.models.SignUp).
    *((f"{layer}_{field}", f"{layer}__{field}") for layer in LOCAL_LAYERS for field in ("geoid", "name")),
]
DISTRICT_COLUMNS = [
    "chamber",
    "vintage",
    "state",
    "geoid",
    "ocd_id",
    "name",
    "seats",
    "voting",
    "candidates",
    "filed",
    "volunteers",
    "status",
]
DISTRICT_FIELDS = ("vintage", "state", "geoid", "ocd_id", "name", "seats", "voting")
# A spreadsheet runs a cell that starts with one of these as a formula; supporters
# type their own names, so such a cell is written with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _stream(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, no_store=True, private=True)
    return response


def _bad_filters(errors: dict[str, list[str]]) -> JsonResponse:
    # JSON like the coverage API's and the tiles' 400s: the messages quote what was typed,
    # and as text/html a tag in a parameter would be a page of ours (a meta refresh
    # passes the content security policy).
    return JsonResponse({"errors": errors}, status=400)


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@require_GET
@organizer_required
def people_csv(request):
    """The people of the current view (the dashboard's filters; one district with ``chamber`` + ``district``)."""
    filters, errors = CoverageFilters.from_query(request.GET)
    chamber, geoid = request.GET.get("chamber"), request.GET.get("district")
    if geoid and chamber not in BY_KEY:
        errors.setdefault("chamber", []).append(f"Give the district's layer: one of {', '.join(BY_KEY)}.")
    if errors:
        return _bad_filters(errors)
    if geoid:
        district = coverage.coverage_district(
            scope=request.user.scope, filters=filters, layer_key=chamber or "", geoid=geoid
        )
        if district is None:
            raise Http404("No such district.")
        people = coverage.district_signups(scope=request.user.scope, filters=filters, district=district)
        name = f"people-{chamber}-{geoid}"
        resource = f"district {chamber} {district.geoid}"
    else:
        people = coverage.coverage_people(scope=request.user.scope, filters=filters)
        name = resource = "people"
    people = people.annotate(stage=PIPELINE_STAGE)
    rows = people.order_by("pk").values_list(*(field for _column, field in PEOPLE_COLUMNS)).iterator(chunk_size=CHUNK)
    # Recorded in the audit log with the number of rows that left, once the stream ends.
    rows = audited_rows(rows, user=request.user, resource=resource, filters=coverage_filters(filters))
    return _stream(f"{name}-{_stamp()}.csv", [column for column, _field in PEOPLE_COLUMNS], rows)


@require_GET
@organizer_required
def districts_csv(request):
    """Per-district counts of the current view: every district of one chamber or local layer (default
    the three chambers); a local layer's governing units, counting candidates for its office."""
    filters, errors = CoverageFilters.from_query(request.GET)
    chambers = layers_asked(request.GET, errors, default=HEADLINE)
    status = status_asked(request.GET, errors)
    if errors:
        return _bad_filters(errors)
    scope = request.user.scope

    def rows():
        # One chamber at a time, counted in one pass each (district_count_rows), so a
        # nationwide export costs a few scans, not a count per district.
        for each in chambers:
            rows = coverage.district_rows(
                scope=scope, filters=filters, layer_key=each, fields=DISTRICT_FIELDS, status=status
            )
            for row in rows:
                yield [each if column == "chamber" else row[column] for column in DISTRICT_COLUMNS]

    name = f"districts-{request.GET.get('chamber') or request.GET.get('lens') or 'all'}-{_stamp()}.csv"
    return _stream(name, DISTRICT_COLUMNS, rows())

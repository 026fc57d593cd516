"""The count engine: candidates, filed candidates and volunteers per district of any layer, in SQL.

Everything that counts people per district (the summary, the district lists, the
API, the CSV export, one district's page, the map tiles) is built here from one
common table expression, ``counts(id, everyone, candidates, filed, volunteers)``:

* stored layers are read from the rollups (``coverage.rollup``: a few thousand rows the
  database's triggers keep exact) when they can answer the filters (``rollup.folds``);
* otherwise the candidates and the volunteers (``coverage.people``) are read once each, with
  the district ids of every ``stored`` layer (index-only scans of the sign-ups'
  ``signup_*_coverage`` indexes); a candidate's local unit is kept only where they
  chose its office (``Layer.office``: school board, council, county office);
* stored layers (``coverage.layers``) are summed per combination of districts, then
  per district of every asked layer at once (``GROUPING SETS``; district ids are
  unique across layers), plus one row with ``everyone`` true that counts them all,
  located or not;
* a layer counted by location (no stored district, or another vintage than the
  current one) counts, per district, the people whose point is inside its area
  (one GiST-indexed lookup per district, on the sign-ups' ``location`` index).

District columns come from a whitelist (``DISTRICT_FIELDS``) and tables and columns
from the models, so nothing an organizer typed reaches the SQL; values are parameters.
"""

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When

from accounts.scope import Scope
from districts.models import District
from pipeline.models import FILED_STAGES

from . import rollup
from .filters import CoverageFilters
from .layers import STORED, layer
from .people import coverage_candidates, coverage_volunteers
from .rules import status_sql

# District columns a row may carry, and the columns of its boundary set.
DISTRICT_FIELDS = ("id", "boundary_set_id", "chamber", "state", "code", "geoid", "ocd_id", "name", "seats", "voting")
ROW_EXPRESSIONS = {"vintage": F("boundary_set__vintage"), "is_current": F("boundary_set__is_current")}
COUNTS = ("candidates", "filed", "volunteers")

# 1 for a candidate who has filed or is on the ballot (the second lens), else 0.
_FILED_FLAG = Case(
    When(Q(candidacy__stage__in=FILED_STAGES), then=Value(1)), default=Value(0), output_field=IntegerField()
)


class _Count(Func):
    """``COUNT(*)`` as a plain function, so a correlated subquery counts without a GROUP BY."""

    function = "COUNT"
    template = "%(function)s(*)"
    output_field = IntegerField()

    def __init__(self):
        super().__init__()


def _inside(people):
    """How many of ``people`` live inside the district of the outer row (a correlated subquery)."""
    inside = people.filter(location__intersects=OuterRef("geometry")).order_by().annotate(n=_Count()).values("n")
    return Subquery(inside[:1], output_field=IntegerField())


def checked_fields(fields) -> tuple:
    """``fields`` without repeats, each a known district column (``ValueError`` otherwise)."""
    unknown = [field for field in fields if field not in DISTRICT_FIELDS and field not in ROW_EXPRESSIONS]
    if unknown:
        raise ValueError(f"not a district column: {', '.join(map(str, unknown))}")
    return tuple(dict.fromkeys(fields))


def layer_districts(*, scope: Scope, filters: CoverageFilters, layer_key: str, state: str | None = None):
    """Countable, governing districts of a layer (current maps, or ``filters.vintage_for(layer_key)``)
    that ``scope`` may see, narrowed by ``filters.states`` and ``state``; no counts."""
    vintage = filters.vintage_for(layer_key)
    districts = District.objects.vintage(layer_key, vintage) if vintage else District.objects.current()
    # Governing units only: a census-designated place has no council to run for (chambers all govern).
    districts = districts.filter(chamber=layer_key).countable().governing().visible_to(scope)
    if filters.states:
        districts = districts.filter(state__in=filters.states)
    if state is not None:
        districts = districts.filter(state=state)
    return districts


def is_stored(layer_key: str, filters: CoverageFilters) -> bool:
    """Whether the layer's people are found by their stored district (else by location)."""
    return layer(layer_key).stored and filters.vintage_for(layer_key) is None


def _carried(key: str) -> str:
    """The ``people`` column holding a person's district of layer ``key``."""
    return f"at_{key}"


def _district_columns(*, candidates: bool) -> dict:
    """``people``'s district columns of every stored layer. A candidate is carried into a
    local unit only if they chose its office (``Layer.office``); elsewhere the column is NULL."""
    columns = {}
    for key in STORED:
        column = F(layer(key).signup_column)
        if candidates and layer(key).office:
            column = Case(When(layer(key).runs_here, then=column), default=None)
        columns[_carried(key)] = column
    return columns


def _people_sql(people, *, candidates: bool) -> tuple[str, list]:
    """SQL selecting the stored district ids of ``people`` (for ``candidates``, with the second
    lens's ``filed`` flag); a typed empty row set for an empty QuerySet."""
    extra = {"filed": _FILED_FLAG} if candidates else {}
    try:
        return people.order_by().values(**_district_columns(candidates=candidates), **extra).query.sql_with_params()
    except EmptyResultSet:  # kind= leaves one side empty, an empty scope both
        typed = [f"NULL::bigint AS {_carried(key)}" for key in STORED] + (["0 AS filed"] if candidates else [])
        return f"SELECT {', '.join(typed)} WHERE false", []


def _located_sql(*, scope: Scope, filters: CoverageFilters, layer_key: str, state: str | None):
    """A located layer's counts per district, in ``counts``' columns."""
    candidates = coverage_candidates(scope=scope, filters=filters).filter(layer(layer_key).runs_here)
    filed = candidates.filter(candidacy__stage__in=FILED_STAGES)
    volunteers = coverage_volunteers(scope=scope, filters=filters)
    districts = layer_districts(scope=scope, filters=filters, layer_key=layer_key, state=state).order_by()
    counted = districts.annotate(
        everyone=Value(False), candidates=_inside(candidates), filed=_inside(filed), volunteers=_inside(volunteers)
    )
    return counted.values("id", "everyone", *COUNTS).query.sql_with_params()


def counts_cte(*, scope: Scope, filters: CoverageFilters, layer_keys, state: str | None = None) -> tuple[str, list]:
    """``WITH ... counts AS (...)``: the people of ``scope`` and ``filters`` per district of
    ``layer_keys`` (``counts(id, everyone, candidates, filed, volunteers)``). The stored layers'
    counts come from the rollups when they can answer the filters (``rollup.folds``), else
    from one pass over the sign-ups (the ``people`` CTE)."""
    stored = [key for key in layer_keys if is_stored(key, filters)]
    located = [key for key in layer_keys if not is_stored(key, filters)]
    parts, params = [], []
    for key in located:
        try:
            located_sql, located_params = _located_sql(scope=scope, filters=filters, layer_key=key, state=state)
        except EmptyResultSet:  # an empty scope: no district
            continue
        parts.append(f"SELECT * FROM ({located_sql}) AS located_{key}")  # noqa: S608 (Django's own SQL)
        params.extend(located_params)
    if rollup.answers(scope=scope, filters=filters):
        rollup_sql, rollup_params = rollup.district_counts_sql(scope=scope, filters=filters, layer_keys=stored)
        parts.insert(0, rollup_sql)
        return f"WITH counts (id, everyone, candidates, filed, volunteers) AS ({' UNION ALL '.join(parts)})", [
            *rollup_params,
            *params,
        ]
    people_sql, people_params = _people_cte(scope=scope, filters=filters)
    sql = f"""{people_sql},
             counts (id, everyone, candidates, filed, volunteers) AS (
                 {" UNION ALL ".join([_grouped_counts([_carried(key) for key in stored]), *parts])})
    """  # noqa: S608 (Django's own compiled SQL and model column names; values are parameters)
    return sql, [*people_params, *params]


def _people_cte(*, scope: Scope, filters: CoverageFilters) -> tuple[str, list]:
    """``WITH people AS (...)``: the candidates' and volunteers' stored districts, one row each."""
    candidates_sql, candidates_params = _people_sql(coverage_candidates(scope=scope, filters=filters), candidates=True)
    volunteers_sql, volunteers_params = _people_sql(coverage_volunteers(scope=scope, filters=filters), candidates=False)
    carried = ", ".join(_carried(key) for key in STORED)
    sql = f"""
        WITH people AS (
                 SELECT {carried}, 1 AS c, filed AS f, 0 AS v FROM ({candidates_sql}) AS candidates
                 UNION ALL
                 SELECT {carried}, 0, 0, 1 FROM ({volunteers_sql}) AS volunteers
             )"""  # noqa: S608 (Django's own compiled SQL and model column names; values are parameters)
    return sql, [*candidates_params, *volunteers_params]


def _grouped_counts(columns: list[str]) -> str:
    """The stored layers' counts, and the ``everyone`` row, from ``people`` in one pass."""
    sums = "coalesce(sum(c), 0)::int, coalesce(sum(f), 0)::int, coalesce(sum(v), 0)::int"
    if not columns:
        return f"SELECT NULL::bigint, true, {sums} FROM people"  # noqa: S608
    listed = ", ".join(columns)
    sets = ", ".join(f"({column})" for column in columns)
    # Summed per combination of districts first (a few thousand rows), then per district.
    return f"""SELECT coalesce({listed}), GROUPING({listed}) = {2 ** len(columns) - 1}, {sums}
                 FROM (SELECT {listed}, sum(c) AS c, sum(f) AS f, sum(v) AS v
                         FROM people GROUP BY {listed}) AS places
                GROUP BY GROUPING SETS ({sets}, ())"""  # noqa: S608


def layer_rows_sql(
    *, scope: Scope, filters: CoverageFilters, layer_key: str, state: str | None, fields: tuple, bbox=None
) -> tuple[str, list] | None:
    """SQL for a layer's districts (whose bounding box meets ``bbox``, if given) with their
    ``fields`` and counts, to follow ``counts_cte``; None when ``scope`` may see no district."""
    fields = checked_fields(fields)
    districts = layer_districts(scope=scope, filters=filters, layer_key=layer_key, state=state).order_by()
    if bbox is not None:
        districts = districts.filter(geometry__bboverlaps=bbox)
    names = [field for field in ("id", *fields) if field not in ROW_EXPRESSIONS]
    expressions = {field: ROW_EXPRESSIONS[field] for field in fields if field in ROW_EXPRESSIONS}
    try:
        inner_sql, inner_params = districts.values(*dict.fromkeys(names), **expressions).query.sql_with_params()
    except EmptyResultSet:  # an empty scope: nothing to count
        return None
    columns = ", ".join(f"d.{field}" for field in fields)
    counted = ", ".join(f"coalesce(c.{count}, 0) AS {count}" for count in COUNTS)
    return (
        f"SELECT {columns}, {counted} FROM ({inner_sql}) AS d LEFT JOIN counts AS c ON c.id = d.id",  # noqa: S608
        inner_params,
    )


def district_rows_sql(
    *, scope: Scope, filters: CoverageFilters, layer_key: str, state: str | None = None, fields=(), bbox=None
) -> tuple[str, list] | None:
    """The SQL of ``district_rows`` (one query), to run or to build on (a map tile)."""
    filters = filters.narrowed_to(state)
    fields = checked_fields(("state", "geoid", *fields))
    part = layer_rows_sql(scope=scope, filters=filters, layer_key=layer_key, state=state, fields=fields, bbox=bbox)
    if part is None:
        return None
    cte_sql, cte_params = counts_cte(scope=scope, filters=filters, layer_keys=(layer_key,), state=state)
    rows_sql, rows_params = part
    sql = f"""{cte_sql}
        SELECT listed.*, {status_sql()} AS status FROM ({rows_sql}) AS listed ORDER BY state, geoid
    """  # noqa: S608
    return sql, [*cte_params, *rows_params]


def layers_district_rows(
    *, scope: Scope, filters: CoverageFilters, layer_keys, fields=(), state: str | None = None
) -> list[dict]:
    """``district_rows`` of several layers at once (of one ``state``, if given), each row with its
    ``chamber`` (the layer), by layer, state and GEOID: one query and one pass over the sign-ups
    however many layers (the public snapshot's local units and a state page's nine layers would
    otherwise pass over them once per layer)."""
    filters = filters.narrowed_to(state)
    fields = checked_fields(("chamber", "state", "geoid", *fields))
    parts = [
        part
        for key in layer_keys
        if (part := layer_rows_sql(scope=scope, filters=filters, layer_key=key, state=state, fields=fields))
    ]
    if not parts:  # an empty scope
        return []
    cte_sql, cte_params = counts_cte(scope=scope, filters=filters, layer_keys=tuple(layer_keys), state=state)
    listed = " UNION ALL ".join(sql for sql, _params in parts)
    sql = f"""{cte_sql}
        SELECT listed.*, {status_sql()} AS status FROM ({listed}) AS listed ORDER BY chamber, state, geoid
    """  # noqa: S608
    return fetch_dicts(sql, [*cte_params, *(param for _sql, params in parts for param in params)])


def execute_count(cursor, sql: str, params: list) -> None:
    """Execute one of the engine's counts with ``COVERAGE_WORK_MEM`` for its sorts and hashes.

    ``set_config(..., true)`` lasts until the end of the transaction. Sent in one message with
    the count, PostgreSQL runs both in one implicit transaction (outside an ``atomic`` block),
    so the setting holds for this query alone, at no extra round trip or query. At a million
    sign-ups it took the summary from 1.14 s to 0.91 s: its grouping no longer sorts on disk.
    """
    cursor.execute(f"SELECT set_config('work_mem', %s, true); {sql}", [settings.COVERAGE_WORK_MEM, *params])


def fetch_dicts(sql: str, params: list) -> list[dict]:
    """Run the count ``sql`` and return its rows as dicts by column name."""
    with connection.cursor() as cursor:
        execute_count(cursor, sql, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def district_rows(
    *,
    scope: Scope,
    filters: CoverageFilters,
    layer_key: str,
    state: str | None = None,
    fields=(),
    status: str | None = None,
) -> list[dict]:
    """Every countable district of a layer that ``scope`` may see, as dicts of ``fields`` (district
    columns, ``vintage``, ``is_current``) plus ``state``, ``geoid``, ``candidates``, ``filed``,
    ``volunteers`` and ``status``, by state and GEOID; only those of one ``status`` when given
    (e.g. ``"none"``: the gaps). One query, one pass over the sign-ups."""
    found = district_rows_sql(scope=scope, filters=filters, layer_key=layer_key, state=state, fields=fields)
    rows = fetch_dicts(*found) if found else []
    return rows if status is None else [row for row in rows if row["status"] == status]

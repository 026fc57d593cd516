"""Reads of district data: which districts contain a point, or many points at once."""

import functools
from collections.abc import Sequence

from django.contrib.gis.geos import Point
from django.db import connection

from berniecrat.memo import remembered
from berniecrat.prepared import prepared

from .models import LAYERS, Chamber, District, DistrictPiece, ZipCode

CHAMBERS = [c.value for c in Chamber]


# Columns a lookup reads (what the API, the sign-up flow and the CSV export show of a district),
# in the model's field order, which ``Model.from_db`` expects.
LOOKUP_FIELDS = tuple(
    f.attname
    for f in District._meta.concrete_fields
    if f.attname in {"id", "chamber", "geoid", "ocd_id", "name", "kind", "state"}
)


@functools.cache
def _lookup_sql() -> str:
    """The lookup's SQL as the ORM writes it, with the point as ``$1`` (longitude), ``$2`` (latitude).

    The lookup is the hottest read (every sign-up and every finder search): building and
    compiling the QuerySet cost twice what PostgreSQL spends answering it, and planning it
    as much again. So the ORM compiles it once per process with a stand-in point, and
    PostgreSQL plans it once per connection (``berniecrat.prepared``); each call sends
    only its coordinates (``bench/RESULTS.md``, district lookup; ``bench/findings.md``, finder).
    """
    stand_in = Point(0, 0, srid=4326)
    query = (
        District.objects.current()
        .countable()
        .governing()
        .containing(stand_in)
        .one_per_chamber()
        .values_list(*LOOKUP_FIELDS)
    )
    sql, params = query.query.sql_with_params()
    if len(params) != 1 or not isinstance(params[0], connection.ops.Adapter):
        raise RuntimeError(f"expected the point as the lookup query's only parameter, found {params!r}")
    # %-formatting, as the database driver does: "%s" takes the point, "%%" becomes "%".
    return sql % ("ST_SetSRID(ST_MakePoint($1, $2), 4326)",)


def district_lookup(*, lat: float, lng: float) -> dict[str, District | None]:
    """The district of each chamber and local layer at a point (``None`` where there is none), in one query.

    Keys are ``LAYERS``: ``cd``, ``sldu``, ``sldl``, then ``county``, ``cousub``, ``place``,
    ``unsd``, ``elsd``, ``scsd``. Only governing local units answer: a point in a
    census-designated place has no ``place``. The query is
    ``District.objects.current().countable().governing().containing(point).one_per_chamber()``
    (see ``_lookup_sql``); the districts come back with the ``LOOKUP_FIELDS`` loaded.
    """
    with connection.cursor() as cursor:
        name = prepared(cursor, "district_lookup", ("float8", "float8"), _lookup_sql)
        cursor.execute(f"EXECUTE {name} (%s, %s)", [float(lng), float(lat)])
        rows = cursor.fetchall()
    districts = (District.from_db(connection.alias, LOOKUP_FIELDS, row) for row in rows)
    found = {d.chamber: d for d in districts}
    return {layer: found.get(layer) for layer in LAYERS}


def district_lookup_at_zip(zip_row: ZipCode) -> dict[str, District | None]:
    """``district_lookup`` at a ZIP code's centre, remembered by the process (``berniecrat.memo``):
    sign-ups and finder searches that give only a ZIP code ask it again and again."""
    return _district_lookup_at(zip_row.point.y, zip_row.point.x)


@remembered(maxsize=20_000)
def _district_lookup_at(lat: float, lng: float) -> dict[str, District | None]:
    return district_lookup(lat=lat, lng=lng)


def district_hits_sql(*, rows: str, key: str, location: str) -> tuple[str, list]:
    """SQL (and its parameters) selecting ``key, chamber, district_id``: for each row of ``rows``
    (a table or a CTE, aliased ``r``) whose ``r.<location>`` is set, the district of each chamber
    and local layer whose area holds it (the districts ``district_lookup`` answers with).

    One statement for many points: PostgreSQL tests each point against the districts' small
    pieces (see ``DistrictQuerySet.containing``) through their GiST index. Per layer the first
    district by GEOID wins (a point on a shared border), and a point on the seam of two pieces
    of one district is one row, after DISTINCT ON. Which districts count is the ORM's own SQL,
    selecting ids only: joining on a subquery that selects the geometry would hide the index.
    """
    current = District.objects.current().countable().governing().filter(chamber__in=LAYERS)
    ids_sql, params = current.order_by().values("id").query.sql_with_params()
    sql = f"""
        SELECT DISTINCT ON (r.{key}, d.chamber) r.{key} AS key, d.chamber, d.id AS district_id
        FROM {rows} r
        JOIN {DistrictPiece._meta.db_table} AS piece ON ST_Intersects(piece.geometry, r.{location})
        JOIN {District._meta.db_table} AS d ON d.id = piece.district_id
        WHERE d.id IN ({ids_sql})
        ORDER BY r.{key}, d.chamber, d.geoid
    """  # noqa: S608 (names from the models and the caller's code, values as parameters)
    return sql, list(params)


def layer_columns_sql(hits: str) -> tuple[str, list]:
    """``max(...) FILTER (...) AS <layer>_id`` for every layer: the rows of ``district_hits_sql``
    (aliased ``hits``), grouped by their key, as one column per layer (NULL where none)."""
    columns = ", ".join(f"max({hits}.district_id) FILTER (WHERE {hits}.chamber = %s) AS {layer}_id" for layer in LAYERS)
    return columns, list(LAYERS)


def districts_for_points(points: Sequence[tuple[float, float]]) -> list[dict[str, dict | None]]:
    """Districts of many ``(lat, lng)`` points in one set-based query (``district_hits_sql``).

    Returns, per input point in order, ``{layer: {"id", "geoid", "ocd_id", "name", "kind", "state"} | None}``
    for every chamber and local layer (``LAYERS``), governing local units only, as ``district_lookup``.
    """
    results = [dict.fromkeys(LAYERS) for _ in points]
    if not points:
        return results
    hits, params = district_hits_sql(rows="points", key="idx", location="point")
    sql = f"""
        WITH points AS (
            SELECT idx, ST_SetSRID(ST_MakePoint(lng, lat), 4326) AS point
            FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS p(idx, lat, lng)
        )
        SELECT h.key, d.chamber, d.id, d.geoid, d.ocd_id, d.name, d.kind, d.state
        FROM ({hits}) AS h JOIN {District._meta.db_table} AS d ON d.id = h.district_id
    """  # noqa: S608
    indexes = list(range(len(points)))
    lats = [float(lat) for lat, _ in points]
    lngs = [float(lng) for _, lng in points]
    with connection.cursor() as cursor:
        cursor.execute(sql, [indexes, lats, lngs, *params])
        for idx, chamber, pk, geoid, ocd_id, name, kind, state in cursor.fetchall():
            results[idx][chamber] = {
                "id": pk,
                "geoid": geoid,
                "ocd_id": ocd_id,
                "name": name,
                "kind": kind,
                "state": state,
            }
    return results

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


def districts_for_points(points: Sequence[tuple[float, float]]) -> list[dict[str, dict | None]]:
    """Districts of many ``(lat, lng)`` points in one set-based query.

    Returns, per input point in order, ``{layer: {"id", "geoid", "ocd_id", "name", "kind", "state"} | None}``
    for every chamber and local layer (``LAYERS``), governing local units only, as ``district_lookup``.
    """
    results = [dict.fromkeys(LAYERS) for _ in points]
    if not points:
        return results
    # Which districts count is the ORM's own SQL (parameters kept separate). It selects ids
    # only: joining on a subquery that selects the geometry (as ``::bytea``, sorted by the
    # model's ordering) would hide the GiST index and test every point against every district.
    # Points are tested against the districts' small pieces (see ``DistrictQuerySet.containing``);
    # a point on the seam of two pieces of one district is one row after DISTINCT ON.
    ids_sql, params = District.objects.current().countable().governing().order_by().values("id").query.sql_with_params()
    sql = f"""
        SELECT DISTINCT ON (p.idx, d.chamber) p.idx, d.chamber, d.id, d.geoid, d.ocd_id, d.name, d.kind, d.state
        FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS p(idx, lat, lng)
        JOIN {DistrictPiece._meta.db_table} AS piece
          ON ST_Intersects(piece.geometry, ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326))
        JOIN {District._meta.db_table} AS d ON d.id = piece.district_id
        WHERE d.id IN ({ids_sql})
        ORDER BY p.idx, d.chamber, d.geoid
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

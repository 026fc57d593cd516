"""Reads of district data: which districts contain a point, or many points at once."""

from collections.abc import Sequence

from django.contrib.gis.geos import Point
from django.db import connection

from .models import Chamber, District

CHAMBERS = [c.value for c in Chamber]


def district_lookup(*, lat: float, lng: float) -> dict[str, District | None]:
    """The district of each chamber at a point (``None`` where there is none), in one query."""
    point = Point(lng, lat, srid=4326)
    districts = (
        District.objects.current()
        .countable()
        .containing(point)
        .one_per_chamber()
        .only("id", "chamber", "geoid", "ocd_id", "name", "state")
    )
    found = {d.chamber: d for d in districts}
    return {chamber: found.get(chamber) for chamber in CHAMBERS}


def districts_for_points(points: Sequence[tuple[float, float]]) -> list[dict[str, dict | None]]:
    """Districts of many ``(lat, lng)`` points in one set-based query.

    Returns, per input point in order, ``{chamber: {"id", "geoid", "ocd_id", "name", "state"} | None}``.
    """
    results = [dict.fromkeys(CHAMBERS) for _ in points]
    if not points:
        return results
    # Which districts count is the ORM's own SQL (parameters kept separate). It selects ids
    # only: joining on a subquery that selects the geometry (as ``::bytea``, sorted by the
    # model's ordering) would hide the GiST index and test every point against every district.
    ids_sql, params = District.objects.current().countable().order_by().values("id").query.sql_with_params()
    sql = f"""
        SELECT DISTINCT ON (p.idx, d.chamber) p.idx, d.chamber, d.id, d.geoid, d.ocd_id, d.name, d.state
        FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS p(idx, lat, lng)
        JOIN {District._meta.db_table} AS d
          ON ST_Intersects(d.geometry, ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326))
        WHERE d.id IN ({ids_sql})
        ORDER BY p.idx, d.chamber, d.geoid
    """  # noqa: S608
    indexes = list(range(len(points)))
    lats = [float(lat) for lat, _ in points]
    lngs = [float(lng) for _, lng in points]
    with connection.cursor() as cursor:
        cursor.execute(sql, [indexes, lats, lngs, *params])
        for idx, chamber, pk, geoid, ocd_id, name, state in cursor.fetchall():
            results[idx][chamber] = {"id": pk, "geoid": geoid, "ocd_id": ocd_id, "name": name, "state": state}
    return results

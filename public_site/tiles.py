"""Public vector tiles: one chamber's districts with their public status only.

Each feature carries ``geoid``, ``name``, ``state`` and ``status`` (``none`` |
``candidate`` | ``filed``, from ``public_site.coverage``), never a count: the organizers'
tiles (``coverage.tiles``) add counts of people and are private. The geometry is
drawn exactly as theirs (``coverage.tiles.tile_geometry_sql``); the statuses come
from the public snapshot, so the map, the pages and the JSON always agree.
"""

from django.db import connection

from coverage.cache import cached
from coverage.tiles import BUFFER, EXTENT, LAYER, tile_bbox, tile_geometry_sql, tile_is_valid
from districts.models import District

from .coverage import CHAMBERS, Snapshot

CACHE_PREFIX = "public:tile:v1"


def public_tile_build(snapshot: Snapshot, *, chamber: str, z: int, x: int, y: int) -> bytes:
    """The tile's bytes, made by PostGIS in one query (empty when no district meets the tile)."""
    if chamber not in CHAMBERS or not tile_is_valid(z, x, y):
        raise ValueError(f"no such tile: {chamber}/{z}/{x}/{y}")
    rows = snapshot.districts[chamber]
    geom_sql, geom_params = tile_geometry_sql(z, x, y)
    west, south, east, north = tile_bbox(z, x, y, margin=BUFFER / EXTENT).extent
    sql = f"""
        WITH statuses AS (SELECT * FROM unnest(%s::bigint[], %s::text[]) AS s(id, status)),
        features AS (
            SELECT d.id, d.geoid, d.name, d.state, statuses.status, {geom_sql} AS geom
              FROM {District._meta.db_table} d JOIN statuses ON statuses.id = d.id
             WHERE d.geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
        )
        SELECT ST_AsMVT(features, %s, %s, 'geom', 'id') FROM features WHERE geom IS NOT NULL
    """  # noqa: S608 (the table name is the model's; values are parameters)
    params = [
        [d.id for d in rows],
        [d.status for d in rows],
        *geom_params,
        west,
        south,
        east,
        north,
        LAYER,
        EXTENT,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (tile,) = cursor.fetchone()
    return bytes(tile or b"")


def public_tile(snapshot: Snapshot, *, chamber: str, z: int, x: int, y: int) -> bytes:
    """The tile, from Redis when anyone asked for it since this snapshot was built (the coverage
    cache's rule: a Redis outage costs only the cache)."""
    database = connection.settings_dict["NAME"]
    key = f"{CACHE_PREFIX}:{database}:{snapshot.version}:{chamber}:{z}/{x}/{y}"
    return cached(key, lambda: public_tile_build(snapshot, chamber=chamber, z=z, x=x, y=y), 2 * 60)

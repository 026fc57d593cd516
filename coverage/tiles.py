"""Coverage vector tiles: one chamber's districts, shaded by who signed up there.

A tile is one Mapbox Vector Tile (``ST_AsMVT``) with one layer, ``districts``,
made by PostGIS in one query: the districts an organizer may see (their states,
the current boundary sets or the filtered vintage, no Census placeholder areas)
whose bounding box meets the tile, each with ``geoid``, ``ocd_id``, ``name``,
``state``, ``status`` (``none`` | ``volunteers`` | ``candidate`` | ``filed``),
``candidates``, ``filed`` (candidates who have filed or are on the ballot) and
``volunteers``, and the District's primary key as the feature id (MapLibre's
hover state keys on it). The counts come from the count engine
(``coverage.engine.district_rows_sql``), the same numbers as the dashboard's
tables; this module only adds the geometry.

Geometry is simplified to half a screen pixel of the tile's zoom in Web Mercator
before ``ST_AsMVTGeom`` quantises it to the tile grid, so a country-level tile
carries a few points per district instead of every TIGER/Line vertex.
"""

import math

from django.contrib.gis.db.models import Extent, GeometryField
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import Func

from accounts.scope import Scope
from districts.models import District

from . import cache
from .engine import district_rows_sql, execute_count, layer_districts
from .filters import CoverageFilters
from .layers import BY_KEY
from .summary import is_national

LAYER = "districts"
MAX_ZOOM = 22
# Tile coordinate space and the margin drawn around it (in those units): MapLibre
# clips at the tile edge, and the margin keeps outlines from showing seams there.
EXTENT = 4096
BUFFER = 64
# Half a 256 px screen pixel: a 4096 tile has 16 units to the pixel.
SIMPLIFY_UNITS = 8
# Web Mercator's world width in metres (EPSG:3857), and its metres per degree of longitude.
WORLD_METRES = 2 * math.pi * 6378137
DEGREE_METRES = WORLD_METRES / 360
# Transforming every vertex to Web Mercator is most of a low-zoom tile's cost, so the
# geometry is first simplified in degrees with a tolerance that stays under the
# Mercator one: a degree of latitude is DEGREE_METRES / cos(latitude) Mercator metres,
# at most 3.2 times DEGREE_METRES up to 72 degrees north (Alaska's north coast, 71.4).
PRESIMPLIFY_FACTOR = math.cos(math.radians(72))

# How long a tile is kept, in Redis (``coverage.cache``) and by the organizer's
# browser: short enough for a livestream's sign-ups to show on the map while someone
# watches, long enough that panning about a country-level view (the expensive
# tiles, a few hundred milliseconds each) hits the cache.
CACHE_SECONDS = cache.SECONDS

# The contiguous United States, shown to organizers with every state.
US_BOUNDS = (-125.0, 24.4, -66.9, 49.4)


def tile_is_valid(z: int, x: int, y: int) -> bool:
    """A tile that exists in the Web Mercator pyramid, up to ``MAX_ZOOM``."""
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def tile_bbox(z: int, x: int, y: int, *, margin: float = 0.0) -> Polygon:
    """The tile's longitude/latitude rectangle (a Mercator tile is one), widened by
    ``margin`` tile widths on each side, for the GiST-indexed ``&&`` filter."""
    n = 2**z

    def lng(tx: float) -> float:
        return min(max(tx, 0), n) / n * 360 - 180

    def lat(ty: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * min(max(ty, 0), n) / n))))

    return Polygon.from_bbox((lng(x - margin), lat(y + 1 + margin), lng(x + 1 + margin), lat(y - margin)))


def tile_cache_key(*, scope: Scope, filters: CoverageFilters, chamber: str, z: int, x: int, y: int) -> str:
    """Everything that decides a tile's bytes: two organizers share a cached tile only when
    they may see the same states and asked with the same filters."""
    return cache.cache_key("tile", scope=scope, filters=filters, part=f"{chamber}/{z}/{x}/{y}")


def tile_geometry_sql(z: int, x: int, y: int) -> tuple[str, list]:
    """SQL (and its parameters) of ``d.geometry`` simplified and clipped for tile z/x/y (see the
    module docstring): the one way every map tile of districts, the organizers' and the public's, is drawn."""
    tolerance = WORLD_METRES / 2**z / EXTENT * SIMPLIFY_UNITS
    tolerance_degrees = tolerance / DEGREE_METRES * PRESIMPLIFY_FACTOR
    sql = """ST_AsMVTGeom(
                       ST_Simplify(ST_Transform(ST_Simplify(d.geometry, %s, true), 3857), %s, true),
                       ST_TileEnvelope(%s, %s, %s), %s, %s, true
                   )"""
    return sql, [tolerance_degrees, tolerance, z, x, y, EXTENT, BUFFER]


def coverage_tile_build(*, scope: Scope, filters: CoverageFilters, chamber: str, z: int, x: int, y: int) -> bytes:
    """The tile's bytes, straight from PostGIS (empty when no district ``scope`` may see meets the tile)."""
    if chamber not in BY_KEY or not tile_is_valid(z, x, y):
        raise ValueError(f"no such tile: {chamber}/{z}/{x}/{y}")
    found = district_rows_sql(
        scope=scope, filters=filters, layer_key=chamber, fields=("id",), bbox=tile_bbox(z, x, y, margin=BUFFER / EXTENT)
    )
    if found is None:  # the organizer may see no district (no states)
        return b""
    counts_sql, counts_params = found
    geom_sql, geom_params = tile_geometry_sql(z, x, y)
    # The counts (one pass over the sign-ups, grouped) are a subquery; the geometry is
    # joined to its result, so it is never part of a GROUP BY.
    sql = f"""
        WITH listed AS ({counts_sql}),
        features AS (
            SELECT d.id, d.geoid, d.ocd_id, d.name, d.state,
                   listed.status::text AS status,
                   listed.candidates::integer AS candidates,
                   listed.filed::integer AS filed,
                   listed.volunteers::integer AS volunteers,
                   {geom_sql} AS geom
              FROM listed JOIN {District._meta.db_table} d ON d.id = listed.id
        )
        SELECT ST_AsMVT(features, %s, %s, 'geom', 'id') FROM features WHERE geom IS NOT NULL
    """  # noqa: S608 (counts_sql is Django's own compiled SQL; values are parameters)
    params = [*counts_params, *geom_params, LAYER, EXTENT]
    with connection.cursor() as cursor:
        execute_count(cursor, sql, params)
        (tile,) = cursor.fetchone()
    return bytes(tile or b"")


def coverage_tile(*, scope: Scope, filters: CoverageFilters, chamber: str, z: int, x: int, y: int) -> bytes:
    """The tile, from the coverage cache when someone with the same scope and filters asked in
    the last ``CACHE_SECONDS`` (a Redis outage costs only the cache)."""
    key = tile_cache_key(scope=scope, filters=filters, chamber=chamber, z=z, x=x, y=y)
    return cache.cached(key, lambda: coverage_tile_build(scope=scope, filters=filters, chamber=chamber, z=z, x=x, y=y))


class _ShiftLongitude(Func):
    function = "ST_ShiftLongitude"
    output_field = GeometryField(srid=4326)


def coverage_map_bounds(*, scope: Scope, filters: CoverageFilters, chamber: str) -> tuple[float, float, float, float]:
    """West, south, east, north of the districts the organizer's map shows, to fit the map to. One query.

    National figures (all states, no state filter) get the contiguous US. Alaska's
    Aleutians cross the 180th meridian, so the extent is also taken with longitudes
    shifted to 0..360 and the narrower of the two is used (west may then be below
    -180, which MapLibre draws as the world copy to the left).
    """
    if is_national(scope=scope, filters=filters):
        return US_BOUNDS
    extents = layer_districts(scope=scope, filters=filters, layer_key=chamber).aggregate(
        plain=Extent("geometry"), shifted=Extent(_ShiftLongitude("geometry"))
    )
    plain, shifted = extents["plain"], extents["shifted"]
    if plain is None:  # nothing to show: the country, empty
        return US_BOUNDS
    if shifted is not None and shifted[2] - shifted[0] < plain[2] - plain[0]:
        return (shifted[0] - 360, shifted[1], shifted[2] - 360, shifted[3])
    return tuple(plain)

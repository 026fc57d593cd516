"""Share images (Open Graph): a PNG of the coverage map and its headline, drawn from the data.

One image per page and language: the national page shows the congressional districts
of the contiguous states, a state page its state house districts (the state senate
where there is no house: Nebraska, DC). Each district is filled with its public status
(``public_site.coverage``), in the map's colours; beside it, each chamber's share of
districts where someone wants to run. Drawn with Pillow from geometry simplified by
PostGIS to the image's pixel size, cached in Redis for ``SHARE_SECONDS``: link
previews (which fetch on every share during a livestream) cost one Redis read.
"""

import io
import json
import logging

from django.core.cache import cache
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from districts.models import Chamber, District
from districts.states import BY_USPS

from .coverage import CHAMBERS, Snapshot

logger = logging.getLogger(__name__)

# Link previews show 1.91:1 images; 1200x630 is what the big sites ask for.
WIDTH, HEIGHT = 1200, 630
MAP_BOX = (24, 24, 724, 606)  # left, top, right, bottom of the map area
# Rebuilt at most this often: the "refreshed every few minutes" of a shared link.
SHARE_SECONDS = 5 * 60
CACHE_PREFIX = "public:share:v1"
# static/css/coverage-map.css's swatches (Okabe-Ito), so the image matches the page's map.
COLOURS = {"none": "#e8e8e8", "candidate": "#0072b2", "filed": "#332288"}
OUTLINE = "#4d4d4d"
# The national image: the contiguous states (Alaska, Hawaii and Puerto Rico would shrink
# the rest to a sliver), in Web Mercator like the page's map.
CONTIGUOUS_BOUNDS = (-125.0, 24.4, -66.9, 49.4)


def share_chamber(state: str | None) -> str:
    """The chamber an image shows: Congress for the country, the state house for a state (its
    senate where there is none)."""
    if state is None:
        return Chamber.CD.value
    return Chamber.SLDU.value if state in ("NE", "DC") else Chamber.SLDL.value


def _shapes(snapshot: Snapshot, *, chamber: str, state: str | None) -> list[tuple[str, list]]:
    """(status, polygons as Web Mercator rings) of each district, simplified to about a pixel."""
    rows = [d for d in snapshot.districts[chamber] if state is None or d.state == state]
    if not rows:
        return []
    where, params = "", []
    if state is None:
        # Intersects, not the bounding box: Alaska's box spans every longitude.
        where = "AND ST_Intersects(d.geometry, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"
        params = list(CONTIGUOUS_BOUNDS)
    sql = f"""
        WITH statuses AS (SELECT * FROM unnest(%s::bigint[], %s::text[]) AS s(id, status)),
        shapes AS (
            SELECT statuses.status, ST_Transform(d.geometry, 3857) AS geom
              FROM {District._meta.db_table} d JOIN statuses ON statuses.id = d.id
             WHERE true {where}
        ),
        extent AS (SELECT ST_Extent(geom) AS box FROM shapes)
        SELECT status,
               ST_AsGeoJSON(ST_Simplify(
                   geom, greatest(ST_XMax(box) - ST_XMin(box), ST_YMax(box) - ST_YMin(box)) / 700
               )),
               ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box)
          FROM shapes, extent
    """  # noqa: S608 (the table name is the model's; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [[d.id for d in rows], [d.status for d in rows], *params])
        return cursor.fetchall()


def _draw_map(draw: ImageDraw.ImageDraw, rows: list) -> None:
    if not rows:
        return
    _, _, xmin, ymin, xmax, ymax = rows[0]
    left, top, right, bottom = MAP_BOX
    scale = min((right - left) / max(xmax - xmin, 1), (bottom - top) / max(ymax - ymin, 1))
    # Centred in the map area.
    ox = left + ((right - left) - (xmax - xmin) * scale) / 2
    oy = top + ((bottom - top) - (ymax - ymin) * scale) / 2

    def pixel(point):
        return (ox + (point[0] - xmin) * scale, oy + (ymax - point[1]) * scale)

    # Filled first, outlined after, so no fill covers a neighbour's outline.
    polygons = []
    for status, geojson, *_ in rows:
        if not geojson:
            continue
        shape = json.loads(geojson)
        parts = shape["coordinates"] if shape["type"] == "MultiPolygon" else [shape["coordinates"]]
        for part in parts:
            outer = [pixel(point) for point in part[0]]
            if len(outer) >= 3:
                polygons.append((status, outer))
    for status, ring in polygons:
        draw.polygon(ring, fill=COLOURS.get(status, COLOURS["none"]))
    for _status, ring in polygons:
        draw.line([*ring, ring[0]], fill=OUTLINE, width=1)


def _font(size: int) -> ImageFont.FreeTypeFont:
    # Pillow's own scalable font: no system font needed.
    return ImageFont.load_default(size=size)


def share_image_build(snapshot: Snapshot, *, state: str | None, language: str) -> bytes:
    """The PNG for the national page (``state`` None) or a state page, with text in ``language``."""
    from .views import chamber_label  # one label per chamber for pages and images

    chamber = share_chamber(state)
    image = Image.new("RGB", (WIDTH, HEIGHT), "#f7f9fc")
    draw = ImageDraw.Draw(image)
    _draw_map(draw, _shapes(snapshot, chamber=chamber, state=state))
    figures = snapshot.chambers if state is None else (snapshot.state(state) or {})
    with translation.override(language):
        title = _("Who wants to run where") if state is None else BY_USPS[state].name
        x, y = 760, 40
        draw.text((x, y), title, fill="#1b1b1b", font=_font(44))
        y += 80
        for name in CHAMBERS:
            chamber_figures = figures.get(name)
            if not chamber_figures or not chamber_figures["total"]:
                continue
            percent = chamber_figures["percent"] or 0
            draw.text((x, y), f"{percent:g}%", fill=COLOURS["candidate"], font=_font(56))
            y += 64
            draw.text((x, y), str(chamber_label(name)), fill="#1b1b1b", font=_font(26))
            y += 30
            draw.text((x, y), _("districts where someone wants to run"), fill="#4d4d4d", font=_font(20))
            y += 50
        draw.text((x, HEIGHT - 60), _("Be the first to run where you live."), fill="#1b1b1b", font=_font(24))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def share_image(snapshot: Snapshot, *, state: str | None, language: str) -> bytes:
    """The PNG, from Redis when made in the last ``SHARE_SECONDS``."""
    database = connection.settings_dict["NAME"]
    key = f"{CACHE_PREFIX}:{database}:{state or 'national'}:{language}"
    try:
        png = cache.get(key)
    except Exception:  # noqa: BLE001 - any Redis failure: draw it instead
        logger.warning("share image cache unavailable (read)", exc_info=True)
        png = None
    if png is None:
        png = share_image_build(snapshot, state=state, language=language)
        try:
            cache.set(key, png, SHARE_SECONDS)
        except Exception:  # noqa: BLE001
            logger.warning("share image cache unavailable (write)", exc_info=True)
    return png

"""The coverage map: vector tiles of one chamber's districts, and the map that draws them.

``district_tile`` answers MapLibre's tile requests; ``coverage_map_context`` is
what a page passes to ``organizing/includes/_map.html`` to show the map;
``coverage_map`` is a page with nothing but the map of one chamber.
"""

import json

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from accounts.access import organizer_required
from berniecrat.middleware import no_personal_data
from coverage import CoverageFilters
from coverage.layers import BY_KEY, LAYERS
from coverage.tiles import CACHE_SECONDS, coverage_map_bounds, coverage_tile, tile_is_valid

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"

# The legend, in the order shown. The colours are in static/css/coverage-map.css
# (the map takes them from the legend's swatches, so the two always agree).
STATUS_LABELS = {
    "none": _("Nobody yet"),
    "volunteers": _("Volunteers only"),
    "candidate": _("At least one would-be candidate"),
    "filed": _("A candidate who has filed or is on the ballot"),
}
# Stands for the GEOID in the district page's URL until the browser fills it in.
GEOID_SLOT = "GEOID"


def _check_chamber(chamber: str) -> None:
    if chamber not in BY_KEY:  # a chamber or a local layer
        raise Http404("No such chamber.")


@require_GET
@organizer_required
@no_personal_data  # counts per district only: the browser may keep a tile for CACHE_SECONDS
@gzip_page
def district_tile(request, chamber: str, z: int, x: int, y: int):
    """One Mapbox Vector Tile of the organizer's districts of ``chamber``, shaded by coverage.

    Takes the dashboard's filters (``coverage.filters``) as GET parameters; a bad
    one is a 400 with the errors as JSON. An empty tile (no district of the
    organizer's states there) is a 200 with an empty body, which MapLibre draws as
    nothing.
    """
    _check_chamber(chamber)
    if not tile_is_valid(z, x, y):
        raise Http404("No such tile.")
    filters, errors = CoverageFilters.from_query(request.GET)
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    tile = coverage_tile(scope=request.user.scope, filters=filters, chamber=chamber, z=z, x=x, y=y)
    response = HttpResponse(tile, content_type=MVT_CONTENT_TYPE)
    # private: the tile depends on who asks, so no shared cache may keep it.
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response


def coverage_map_context(request, *, chamber: str, filters: CoverageFilters) -> dict:
    """What ``organizing/includes/_map.html`` needs, as ``coverage_map`` in the page's context.

    The tiles and the district links carry ``filters`` (as ``CoverageFilters.to_query``
    writes them, so a page's fixed state or other override is kept); the map is fitted
    to the districts the organizer may see (the contiguous US for national figures).
    """
    _check_chamber(chamber)
    query = filters.to_query()
    suffix = f"?{query}" if query else ""
    tile_url = reverse("organizing-tiles:tile", kwargs={"chamber": chamber, "z": 0, "x": 0, "y": 0})
    tile_url = tile_url.removesuffix("/0/0/0.pbf") + "/{z}/{x}/{y}.pbf"
    bounds = coverage_map_bounds(scope=request.user.scope, filters=filters, chamber=chamber)
    district_url = district_url_template(chamber)
    return {
        "chamber": chamber,
        "chamber_label": BY_KEY[chamber].label,
        "tile_url": tile_url + suffix,
        "bounds_list": bounds,
        "bounds": json.dumps([round(value, 5) for value in bounds]),
        "district_url": district_url + suffix if district_url else "",
        "legend": [{"status": status, "label": label} for status, label in STATUS_LABELS.items()],
    }


def district_url_template(chamber: str) -> str:
    """The district page's URL with ``{geoid}`` for the GEOID, or "" while there is no such page
    (the map then shows the district's name and counts in a popup instead)."""
    try:
        url = reverse("organizing:district", kwargs={"chamber": chamber, "geoid": GEOID_SLOT})
    except NoReverseMatch:
        return ""
    return url.replace(GEOID_SLOT, "{geoid}")


@require_GET
@organizer_required
def coverage_map(request, chamber: str):
    """A page with the coverage map of one chamber (the dashboard's pages include the same partial).

    A bad filter is left out (as ``CoverageFilters.from_query`` does) and listed above the map.
    """
    _check_chamber(chamber)
    filters, errors = CoverageFilters.from_query(request.GET)
    query = filters.to_query()
    chambers = [
        {
            "label": each.label,
            "url": reverse("organizing-tiles:map", kwargs={"chamber": each.key}) + (f"?{query}" if query else ""),
            "current": each.key == chamber,
        }
        for each in LAYERS
    ]
    context = {
        "coverage_map": coverage_map_context(request, chamber=chamber, filters=filters),
        "chambers": chambers,
        "filter_errors": [f"{name}: {message}" for name, messages in errors.items() for message in messages],
    }
    return render(request, "organizing/map.html", context)

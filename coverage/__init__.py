"""Coverage: who signed up where, counted per district by one engine, for organizers and the public.

The interface (every function takes keyword arguments; ``scope`` is an
``accounts.scope.Scope``: ``request.user.scope`` for an organizer,
``Scope.everywhere()`` for figures shown to the public; ``filters`` a
``CoverageFilters``, ``CoverageFilters()`` for everyone on the current maps):

National and per-state figures
    ``coverage_summary(scope=, filters=)``: covered / total / percent / filed per
    headline layer, overall and per state, and the people counted (cached a minute,
    survives a Redis outage). ``is_national(scope=, filters=)``.
Per-district status
    ``district_rows(scope=, filters=, layer_key=, state=None, fields=(), status=None)``: dicts with
    the district's ``fields``, ``candidates``, ``filed``, ``volunteers`` and ``status``
    (``coverage.rules``: ``filed`` > ``candidate`` > ``volunteers`` > ``none``).
    ``layers_district_rows(scope=, filters=, layer_keys=, fields=())``: the same for several layers
    in one query, each row with its ``chamber``.
    ``district_list(...)``: the same as ``District`` objects (``layers_district_list``: of several
    layers in one query); ``coverage_district(scope=,
    filters=, layer_key=, geoid=)``: one. ``gaps(districts)``: the gap lists.
People behind the figures (QuerySets; never for the public)
    ``coverage_people``, ``coverage_candidates``, ``coverage_volunteers``,
    ``district_signups``, ``signup_for_organizer``; ``signups_over_time``.
Map
    ``coverage_tile(scope=, filters=, chamber=, z=, x=, y=)`` (Mapbox Vector Tile bytes,
    cached), ``coverage_map_bounds(...)``, ``tile_is_valid``.
Layers
    ``LAYERS`` / ``HEADLINE`` (``coverage.layers``): the kinds of district counted, as data.
"""

from .activity import signups_over_time
from .districts import coverage_district, district_list, layers_district_list, vintage_choices, visible_states
from .engine import district_rows, layers_district_rows
from .filters import CoverageFilters
from .layers import HEADLINE, LAYERS, layer
from .people import (
    coverage_candidates,
    coverage_people,
    coverage_volunteers,
    district_signups,
    signup_for_organizer,
)
from .rules import gaps, status
from .summary import coverage_summary, is_national
from .tiles import coverage_map_bounds, coverage_tile, tile_is_valid

__all__ = [
    "HEADLINE",
    "LAYERS",
    "CoverageFilters",
    "coverage_candidates",
    "coverage_district",
    "coverage_map_bounds",
    "coverage_people",
    "coverage_summary",
    "coverage_tile",
    "coverage_volunteers",
    "district_list",
    "district_rows",
    "district_signups",
    "gaps",
    "is_national",
    "layer",
    "layers_district_list",
    "layers_district_rows",
    "signup_for_organizer",
    "signups_over_time",
    "status",
    "tile_is_valid",
    "vintage_choices",
    "visible_states",
]

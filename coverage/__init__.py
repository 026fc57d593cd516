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

import importlib

# Where each name of the interface lives. Imported on first use (PEP 562), not here:
# ``coverage`` is also a Django app (its rollup tables), and an app's package is imported
# while the app registry is still loading, before any model may be.
_EXPORTS = {
    "signups_over_time": "activity",
    **dict.fromkeys(
        ("coverage_district", "district_list", "layers_district_list", "vintage_choices", "visible_states"),
        "districts",
    ),
    **dict.fromkeys(("district_rows", "layers_district_rows"), "engine"),
    "CoverageFilters": "filters",
    **dict.fromkeys(("HEADLINE", "LAYERS", "layer"), "layers"),
    **dict.fromkeys(
        ("coverage_candidates", "coverage_people", "coverage_volunteers", "district_signups", "signup_for_organizer"),
        "people",
    ),
    **dict.fromkeys(("gaps", "status"), "rules"),
    **dict.fromkeys(("coverage_summary", "is_national"), "summary"),
    **dict.fromkeys(("coverage_map_bounds", "coverage_tile", "tile_is_valid"), "tiles"),
}


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)


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

"""The coverage summary: covered / total per headline layer, overall and per state (one query, cached)."""

from accounts.scope import Scope
from districts.states import BY_USPS

from . import cache
from .engine import counts_cte, fetch_dicts, layer_rows_sql
from .filters import CoverageFilters
from .layers import HEADLINE, LENSES, LOCAL

FIGURES = ("covered", "total", "seats_covered", "seats_total", "filed", "candidates", "volunteers")
# Per state and layer: (column, what it counts over the layer's districts with counts).
_PER_STATE = """
    SELECT %s AS layer, state,
           count(*) FILTER (WHERE candidates > 0) AS covered,
           count(*) AS total,
           coalesce(sum(seats) FILTER (WHERE candidates > 0), 0) AS seats_covered,
           coalesce(sum(seats), 0) AS seats_total,
           count(*) FILTER (WHERE filed > 0) AS filed,
           coalesce(sum(candidates), 0) AS candidates,
           coalesce(sum(volunteers), 0) AS volunteers,
           count(*) FILTER (WHERE voting AND candidates > 0) AS voting_covered,
           count(*) FILTER (WHERE voting) AS voting_total,
           coalesce(sum(seats) FILTER (WHERE voting AND candidates > 0), 0) AS voting_seats_covered,
           coalesce(sum(seats) FILTER (WHERE voting), 0) AS voting_seats_total,
           count(*) FILTER (WHERE voting AND filed > 0) AS voting_filed
      FROM ({}) AS per_district
     GROUP BY state
"""
_EVERYONE = "SELECT NULL, NULL, 0, 0, 0, 0, 0, candidates, volunteers, 0, 0, 0, 0, 0 FROM counts WHERE everyone"


def is_national(*, scope: Scope, filters: CoverageFilters) -> bool:
    """Whether figures for ``scope`` and ``filters`` are the whole country's (all states, no state filter)."""
    return scope.all_states and not filters.states


def _rows(*, scope: Scope, filters: CoverageFilters) -> list[dict]:
    parts, params = [], []
    for key in (*HEADLINE, *LOCAL):
        part = layer_rows_sql(
            scope=scope, filters=filters, layer_key=key, state=None, fields=("state", "voting", "seats")
        )
        if part is not None:
            parts.append(_PER_STATE.format(part[0]))
            params.extend([key, *part[1]])
    if not parts:  # an empty scope
        return []
    cte_sql, cte_params = counts_cte(scope=scope, filters=filters, layer_keys=(*HEADLINE, *LOCAL))
    return fetch_dicts(cte_sql + " UNION ALL ".join([*parts, _EVERYONE]), [*cte_params, *params])


def _figures(covered: int, total: int, filed: int = 0, **extra) -> dict:
    return {
        "covered": covered,
        "total": total,
        "percent": round(100 * covered / total, 1) if total else None,
        "filed": filed,
        "filed_percent": round(100 * filed / total, 1) if total else None,
        **extra,
    }


def _lens_figures(per_layer: dict[str, dict]) -> dict:
    """Each lens's figures: the sums of its layers' (their units are distinct areas)."""
    empty = dict.fromkeys(FIGURES, 0)
    return {
        lens.key: _figures(
            **{figure: sum(per_layer.get(key, empty)[figure] for key in lens.layers) for figure in FIGURES}
        )
        for lens in LENSES
    }


def coverage_summary_build(*, scope: Scope, filters: CoverageFilters) -> dict:
    """The summary, computed now (one query). See ``coverage_summary``."""
    states: dict[str, dict] = {}
    totals = {key: dict.fromkeys(FIGURES, 0) for key in HEADLINE}
    signups = {"run": 0, "volunteer": 0}
    for row in _rows(scope=scope, filters=filters):
        key, state = row["layer"], row["state"]
        if key is None:  # everyone, located or not (a sign-up still being geocoded has no district yet)
            signups = {"run": int(row["candidates"]), "volunteer": int(row["volunteers"])}
            continue
        per_state = states.setdefault(state, {each: dict.fromkeys(FIGURES, 0) for each in (*HEADLINE, *LOCAL)})
        per_state[key] = {figure: int(row[figure]) for figure in FIGURES}
        if key not in totals:  # a local layer: added up per lens below
            continue
        # The headline counts districts with a vote: the House delegates of DC and
        # Puerto Rico appear in their state rows but not in the 435.
        for figure in FIGURES:
            voting = f"voting_{figure}"
            totals[key][figure] += int(row[voting] if voting in row else row[figure])
    # A state is listed when it has districts of a chamber: the Island Areas have county
    # equivalents in the Census county file but no legislative districts here. The local
    # lenses add up the listed states, so the national line is the sum of the state rows.
    listed = {code: figures for code, figures in states.items() if any(figures[key]["total"] for key in HEADLINE)}
    local = {key: {f: sum(each[key][f] for each in listed.values()) for f in FIGURES} for key in LOCAL}
    return {
        "national": is_national(scope=scope, filters=filters),
        "signups": signups,
        "chambers": {key: _figures(**totals[key]) for key in HEADLINE},
        "lenses": _lens_figures(local),
        "states": [
            {
                "state": code,
                "name": BY_USPS[code].name,
                **{key: _figures(**listed[code][key]) for key in HEADLINE},
                "lenses": _lens_figures(listed[code]),
            }
            for code in sorted(listed)
        ],
        "vintages": {key: filters.vintage_for(key) for key in HEADLINE},
    }


def coverage_summary(*, scope: Scope, filters: CoverageFilters) -> dict:
    """Coverage figures for ``scope`` and ``filters``, cached (``coverage.cache``)::

        {
          "national": bool,            # all states and no state filter: the whole country
          "signups": {"run": n, "volunteer": n},   # people, as in the headline's "N supporters"
          "chambers": {"sldl"|"sldu"|"cd": {covered, total, percent, seats_covered, seats_total,
                                             filed, filed_percent, candidates, volunteers}},
          "lenses": {"school_board"|"council"|"county": {covered, total, percent, ...}},
          "states": [{"state": "NY", "name": "New York", "sldl": {...}, "sldu": {...}, "cd": {...},
                      "lenses": {...}}, ...],
          "vintages": {"sldl"|"sldu"|"cd": vintage or None},   # None: the current maps
        }

    ``chambers`` (the headline layers, ``coverage.layers.HEADLINE``) adds up the visible
    states (the country only when ``national``) and counts districts with a vote (the DC
    and Puerto Rico House delegates are in their state rows only). Totals are countable
    districts of the current boundary sets (or the asked vintage): no Census
    placeholders, so Nebraska's unicameral legislature has no ``sldl`` figures and an
    at-large state has one ``cd``. ``percent`` is covered/total in percent to one
    decimal, None when total is 0. ``filed`` counts the districts with a candidate who
    has filed or is on the ballot, ``filed_percent`` that of the total. ``states`` lists
    the states with at least one district in scope, each with every headline layer.
    ``lenses`` (``coverage.layers.LENSES``) are the local offices: a school district,
    city, town or county is covered when someone assigned to it would run for its office
    (school board, council, county office); totals count governing units only.
    """
    key = cache.cache_key("summary", scope=scope, filters=filters)
    return cache.cached(key, lambda: coverage_summary_build(scope=scope, filters=filters))

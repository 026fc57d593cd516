"""Districts with their counts, for pages: a layer's list, one district, and the filter form's choices."""

from django.db import connection

from accounts.scope import Scope
from districts.models import BoundarySet, District
from districts.states import BY_FIPS, BY_USPS

from . import cache
from .engine import district_rows, layers_district_rows
from .filters import CoverageFilters
from .layers import BY_KEY, HEADLINE, LAYERS

# District fields a page shows; the geometry stays in the database.
LIST_FIELDS = ("id", "boundary_set_id", "chamber", "state", "code", "geoid", "ocd_id", "name", "seats", "voting")
EXTRAS = ("candidates", "filed", "volunteers", "status", "vintage", "is_current")


def _districts(rows: list[dict]) -> list[District]:
    names = [field.attname for field in District._meta.concrete_fields if field.attname in LIST_FIELDS]
    districts = []
    for row in rows:
        district = District.from_db(connection.alias, names, [row[name] for name in names])
        for extra in EXTRAS:
            setattr(district, extra, row.get(extra))
        districts.append(district)
    return districts


def district_list(
    *, scope: Scope, filters: CoverageFilters, layer_key: str, state: str | None = None
) -> list[District]:
    """A layer's countable districts that ``scope`` may see (``LIST_FIELDS`` loaded), each with
    ``candidates``, ``filed``, ``volunteers``, ``status``, ``vintage`` and ``is_current``. One query."""
    fields = (*LIST_FIELDS, "vintage", "is_current")
    return _districts(district_rows(scope=scope, filters=filters, layer_key=layer_key, state=state, fields=fields))


def layers_district_list(
    *, scope: Scope, filters: CoverageFilters, layer_keys, state: str | None = None
) -> dict[str, list[District]]:
    """``district_list`` of several layers (a state page's chambers and local layers) in one query
    and one pass over the sign-ups: ``{layer_key: [District, ...]}``, every asked layer present."""
    fields = (*LIST_FIELDS, "vintage", "is_current")
    found: dict[str, list[dict]] = {key: [] for key in layer_keys}
    for row in layers_district_rows(scope=scope, filters=filters, layer_keys=layer_keys, fields=fields, state=state):
        found[row["chamber"]].append(row)
    return {key: _districts(rows) for key, rows in found.items()}


def coverage_district(*, scope: Scope, filters: CoverageFilters, layer_key: str, geoid: str) -> District | None:
    """The district ``geoid`` of a layer (current maps, or the filters' vintage) with its counts,
    if ``scope`` may see it; None otherwise. Its state's ``district_list`` (one query over the
    state's people), kept in the coverage cache: counts only, at most a minute behind, as every
    figure of the organizer pages; a district page reads its list of people at each view."""
    state = BY_FIPS.get(geoid[:2])  # a GEOID starts with its state's FIPS code
    if layer_key not in BY_KEY or state is None:
        return None
    key = cache.cache_key("district_list", scope=scope, filters=filters, part=f"{layer_key}:{state.usps}")
    listed = cache.cached(
        key, lambda: district_list(scope=scope, filters=filters, layer_key=layer_key, state=state.usps)
    )
    found = [district for district in listed if district.geoid == geoid]
    return found[0] if found else None


def visible_states(*, scope: Scope, filters: CoverageFilters) -> list[str]:
    """USPS codes ``scope`` may see, narrowed by ``filters.states``."""
    allowed = scope.within(BY_USPS)
    return [code for code in allowed if code in filters.states] if filters.states else allowed


def vintage_choices() -> list[dict]:
    """Every loaded vintage with its layers, current ones marked: ``[{"vintage", "value", "chambers",
    "current"}]``; ``value`` is how the ``vintage`` filter names it (``CoverageFilters``): the bare
    vintage for the chambers, ``county:2026`` for a local layer's. The chambers' first, newest
    first, then the local layers'. One query."""
    vintages: dict[str, dict] = {}
    for key, vintage, is_current in (
        BoundarySet.objects.order_by().values_list("chamber", "vintage", "is_current").distinct()
    ):
        # A bare vintage redraws every chamber loaded in it; a local layer's is chosen on its own.
        value = vintage if key in HEADLINE else f"{key}:{vintage}"
        entry = vintages.setdefault(value, {"vintage": vintage, "value": value, "chambers": set(), "current": False})
        entry["chambers"].add(key)
        entry["current"] = entry["current"] or is_current
    order = [each.key for each in LAYERS]
    entries = sorted(
        ({**entry, "chambers": [key for key in order if key in entry["chambers"]]} for entry in vintages.values()),
        key=lambda entry: entry["vintage"],
        reverse=True,
    )
    return sorted(entries, key=lambda entry: entry["chambers"][0] not in HEADLINE)

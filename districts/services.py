"""Writes to the district tables: loading boundary sets and choosing the current vintage."""

from collections import Counter
from dataclasses import dataclass

from django.db import transaction

from berniecrat.memo import forget_reference_data

from .importers import Layer
from .models import RESOLUTION_RANK, BoundarySet, District


@dataclass
class LoadResult:
    boundary_set: BoundarySet
    status: str  # "loaded", "replaced" or "unchanged"
    per_state: dict[str, int]


@transaction.atomic
def boundary_set_load(*, layer: Layer, source: str, checksum: str, make_current: bool = False) -> LoadResult:
    """Store one layer as a boundary set, replacing an older load of the same file whole.

    Safe to repeat: the same file (by checksum) changes nothing. Runs in one
    transaction, so readers see the old set or the new one, never a mix.
    """
    boundary_set = (
        BoundarySet.objects.select_for_update()
        .filter(chamber=layer.chamber, vintage=layer.vintage, name=layer.name)
        .first()
    )
    per_state = dict(sorted(Counter(r.state for r in layer.records).items()))
    if boundary_set and boundary_set.checksum == checksum:
        status = "unchanged"
    else:
        status = "replaced" if boundary_set else "loaded"
        if boundary_set is None:
            boundary_set = BoundarySet(chamber=layer.chamber, vintage=layer.vintage, name=layer.name)
        boundary_set.source = source
        boundary_set.checksum = checksum
        boundary_set.resolution = layer.resolution
        boundary_set.states = layer.states
        boundary_set.save()
        boundary_set.districts.all().delete()
        District.objects.bulk_create(
            (
                District(
                    boundary_set=boundary_set,
                    chamber=layer.chamber,
                    state=r.state,
                    state_fips=r.state_fips,
                    code=r.code,
                    geoid=r.geoid,
                    ocd_id=r.ocd_id,
                    name=r.name,
                    kind=r.kind,
                    governing=r.governing,
                    is_placeholder=r.is_placeholder,
                    voting=r.voting,
                    geometry=r.geometry,
                    internal_point=r.internal_point,
                    attributes=r.attributes,
                )
                for r in layer.records
            ),
            batch_size=200,
        )
        districts_mark_superseded(chamber=layer.chamber, vintage=layer.vintage)
        transaction.on_commit(forget_reference_data)
    has_current = BoundarySet.objects.filter(chamber=layer.chamber, is_current=True).exists()
    if make_current or not has_current:
        boundary_set_make_current(chamber=layer.chamber, vintage=layer.vintage)
    elif BoundarySet.objects.filter(chamber=layer.chamber, vintage=layer.vintage, is_current=True).exists():
        # A further file of the current vintage (another state, say) is current too.
        BoundarySet.objects.filter(pk=boundary_set.pk).update(is_current=True)
    boundary_set.refresh_from_db()
    return LoadResult(boundary_set=boundary_set, status=status, per_state=per_state)


def districts_mark_superseded(*, chamber: str, vintage: str) -> None:
    """Per state, keep only the finest-resolution set of this vintage visible."""
    sets = BoundarySet.objects.filter(chamber=chamber, vintage=vintage)
    best: dict[str, BoundarySet] = {}
    for boundary_set in sets.order_by("loaded_at", "pk"):
        for state in boundary_set.states:
            held = best.get(state)
            # Ties go to the most recently loaded set.
            if held is None or RESOLUTION_RANK[boundary_set.resolution] >= RESOLUTION_RANK[held.resolution]:
                best[state] = boundary_set
    districts = District.objects.filter(boundary_set__in=sets)
    districts.update(superseded=True)
    for state, boundary_set in best.items():
        districts.filter(boundary_set=boundary_set, state=state).update(superseded=False)


@transaction.atomic
def boundary_set_make_current(*, chamber: str, vintage: str) -> int:
    """Make ``vintage`` the chamber's current map; returns how many sets it has."""
    sets = BoundarySet.objects.filter(chamber=chamber)
    if not sets.filter(vintage=vintage).exists():
        raise ValueError(f"no {chamber} boundary set of vintage {vintage} is loaded")
    sets.exclude(vintage=vintage).update(is_current=False)
    transaction.on_commit(forget_reference_data)
    return sets.filter(vintage=vintage).update(is_current=True)

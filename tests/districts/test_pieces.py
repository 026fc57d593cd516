"""Point lookups test a district's small pieces: whoever writes a district, lookups follow its area.

The pieces are cut by the database (a trigger), so the loader, the admin, a factory or raw SQL
that adds, moves or removes a district is seen by the next lookup, by the single lookup and the
batched one alike.
"""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point

from districts.models import PIECE_MAX_VERTICES, BoundarySet, District
from districts.selectors import district_lookup, districts_for_points

pytestmark = pytest.mark.django_db

BURLINGTON = (44.4759, -73.2121)
MONTPELIER = (44.2601, -72.5754)


def _round_town(lat: float, lng: float) -> MultiPolygon:
    # About 5 km across with 400 vertices: a detailed outline, cut into several pieces.
    circle = Point(lng, lat, srid=4326).buffer(0.05, quadsegs=100)
    circle.srid = 4326
    return MultiPolygon(circle, srid=4326)


@pytest.fixture
def town() -> District:
    boundary_set = BoundarySet.objects.create(
        chamber="place", vintage="2024", name="test-places", source="test", checksum="x", resolution="full",
        states=["VT"], is_current=True,
    )  # fmt: skip
    return District.objects.create(
        boundary_set=boundary_set, chamber="place", state="VT", state_fips="50", code="10675", geoid="5010675",
        name="Burlington city", kind="city", governing=True, geometry=_round_town(*BURLINGTON),
    )  # fmt: skip


def _place_at(lat: float, lng: float):
    single = district_lookup(lat=lat, lng=lng)["place"]
    batched = districts_for_points([(lat, lng)])[0]["place"]
    assert (single and single.pk) == (batched and batched["id"])
    return single


def test_a_detailed_district_is_found_inside_and_on_its_edge_and_not_outside(town):
    assert town.geometry.num_points > PIECE_MAX_VERTICES
    assert town.pieces.count() > 1

    lat, lng = BURLINGTON
    assert _place_at(lat, lng) == town
    edge_lng, edge_lat = town.geometry[0].exterior_ring[37]
    assert _place_at(edge_lat, edge_lng) == town
    assert _place_at(lat, lng + 0.06) is None


def test_a_moved_district_is_found_where_it_is_now_and_a_deleted_one_nowhere(town):
    town.geometry = _round_town(*MONTPELIER)
    town.save()

    assert _place_at(*BURLINGTON) is None
    assert _place_at(*MONTPELIER) == town

    town.delete()

    assert _place_at(*MONTPELIER) is None


def test_saving_a_district_without_moving_it_keeps_it_found(town):
    pieces = set(town.pieces.values_list("pk", flat=True))
    town.name = "City of Burlington"
    town.save()

    assert _place_at(*BURLINGTON) == town
    # Not cut again: its area did not change.
    assert set(town.pieces.values_list("pk", flat=True)) == pieces

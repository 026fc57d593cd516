"""Coverage of another loaded vintage (before/after redistricting): people counted by where they live."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.http import QueryDict

from coverage import CoverageFilters
from coverage.engine import district_rows
from coverage.summary import coverage_summary_build
from districts.models import BoundarySet, District
from tests.factories import signup_in
from tests.organizing.conftest import current_districts
from tests.organizing.test_pages import text

pytestmark = pytest.mark.django_db

# Two made-up 2032 Assembly districts: lower and upper Manhattan.
LOWER = Polygon.from_bbox((-74.03, 40.70, -73.95, 40.76))
UPPER = Polygon.from_bbox((-74.03, 40.76, -73.90, 40.88))


@pytest.fixture
def vintage_2032():
    boundary_set = BoundarySet.objects.create(
        chamber="sldl",
        vintage="2032",
        name="synthetic_2032_sldl",
        source="test",
        checksum="synthetic",
        resolution="full",
        states=["NY"],
        is_current=False,
    )
    districts = [
        District.objects.create(
            boundary_set=boundary_set,
            chamber="sldl",
            state="NY",
            state_fips="36",
            code=code,
            geoid=f"36{code}",
            ocd_id=f"ocd-division/country:us/state:ny/sldl:{int(code)}",
            name=f"New York Assembly District {int(code)} (2032)",
            geometry=MultiPolygon(polygon, srid=4326),
        )
        for code, polygon in (("901", LOWER), ("902", UPPER))
    ]
    # A Census placeholder in the new vintage is no more a district than in the old one.
    District.objects.create(
        boundary_set=boundary_set,
        chamber="sldl",
        state="NY",
        state_fips="36",
        code="ZZZ",
        geoid="36ZZZ",
        ocd_id="",
        name="placeholder",
        is_placeholder=True,
        geometry=MultiPolygon(Polygon.from_bbox((-74.3, 40.5, -74.1, 40.6)), srid=4326),
    )
    return districts


def test_another_vintage_counts_people_inside_its_districts(ny_organizer, vintage_2032):
    lower, upper = vintage_2032
    any_house = current_districts("sldl", "NY")[0]
    signup_in(any_house, location=Point(-73.99, 40.72, srid=4326), wants_to_run=True)
    signup_in(any_house, location=Point(-73.98, 40.75, srid=4326), wants_to_run=True)
    signup_in(any_house, location=Point(-73.94, 40.80, srid=4326), wants_to_run=False, wants_to_volunteer=True)
    signup_in(any_house, location=Point(-78.88, 42.89, srid=4326), wants_to_run=True)  # Buffalo: in neither

    filters, errors = CoverageFilters.from_query(QueryDict("vintage=2032"))
    assert errors == {} and filters.vintages == {"sldl": "2032"}

    counts = {row["geoid"]: row for row in district_rows(scope=ny_organizer.scope, filters=filters, layer_key="sldl")}
    counts = {
        geoid: {k: row[k] for k in ("geoid", "candidates", "volunteers", "status")} for geoid, row in counts.items()
    }
    assert counts == {
        "36901": {"geoid": "36901", "candidates": 2, "volunteers": 0, "status": "candidate"},
        "36902": {"geoid": "36902", "candidates": 0, "volunteers": 1, "status": "volunteers"},
    }

    summary = coverage_summary_build(scope=ny_organizer.scope, filters=filters)
    assert summary["chambers"]["sldl"] == {
        "covered": 1,
        "total": 2,
        "percent": 50.0,
        "seats_covered": 1,
        "seats_total": 2,
        "filed": 0,
        "filed_percent": 0.0,
        "candidates": 2,
        "volunteers": 1,
    }
    assert summary["vintages"]["sldl"] == "2032"
    # The other chambers stay on their current maps.
    assert summary["chambers"]["sldu"]["total"] == 63
    current = coverage_summary_build(scope=ny_organizer.scope, filters=CoverageFilters())
    assert current["chambers"]["sldl"]["total"] == 150


def test_pages_of_another_vintage(ny_client, vintage_2032):
    lower, _upper = vintage_2032
    person = signup_in(current_districts("sldl", "NY")[0], location=Point(-73.99, 40.72, srid=4326), first_name="Zoe")

    dashboard = ny_client.get("/organize/?vintage=2032")
    district = ny_client.get(f"/organize/districts/sldl/{lower.geoid}/?vintage=2032")

    assert dashboard.context["summary"]["chambers"]["sldl"]["total"] == 2
    assert "1 of 2 state house districts covered" in text(dashboard)
    assert district.status_code == 200
    assert [p.pk for p in district.context["page"].object_list] == [person.pk]
    # Without the vintage, the 2032 district is not one of the current maps.
    assert ny_client.get(f"/organize/districts/sldl/{lower.geoid}/").status_code == 404

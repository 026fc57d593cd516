"""Coverage of another loaded vintage (before/after redistricting): people counted by where they live."""

import csv
import io
import re

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.http import QueryDict
from rest_framework.test import APIClient

from coverage import CoverageFilters
from coverage.engine import district_rows
from coverage.summary import coverage_summary_build
from districts.models import BoundarySet, District
from tests.factories import TotpOrganizerFactory, api_key, signup_in
from tests.organizing.conftest import current_districts
from tests.organizing.test_pages import text
from tests.plugins.organizers import client_for

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


# Two made-up 2031 Vermont counties, redrawn: the north-west (Burlington) and the rest of the state.
NORTH_WEST = Polygon.from_bbox((-73.45, 44.30, -72.90, 45.02))
REST = Polygon.from_bbox((-72.90, 42.72, -71.46, 45.02))


@pytest.fixture
def counties_2031():
    """A second vintage of a local layer (the session's current one is the Census 2023 county file)."""
    boundary_set = BoundarySet.objects.create(
        chamber="county",
        vintage="2031",
        name="synthetic_2031_county",
        source="test",
        checksum="synthetic",
        resolution="full",
        states=["VT"],
        is_current=False,
    )
    return [
        District.objects.create(
            boundary_set=boundary_set,
            chamber="county",
            state="VT",
            state_fips="50",
            code=code,
            geoid=f"50{code}",
            ocd_id="",
            name=name,
            kind="County",
            geometry=MultiPolygon(polygon, srid=4326),
        )
        for code, name, polygon in (("901", "Champlain County", NORTH_WEST), ("902", "Green Mountain County", REST))
    ]


@pytest.fixture
def vt_organizer(db):
    return TotpOrganizerFactory(states=["VT"])


def test_a_local_layer_of_another_vintage_counts_its_office_by_location(vt_organizer, counties_2031):
    house = current_districts("sldl", "VT")[0]
    burlington = Point(-73.2121, 44.4759, srid=4326)
    signup_in(house, location=burlington, offices=["county"])
    signup_in(house, location=burlington, offices=["state_house"])  # not a county officer
    signup_in(house, location=Point(-72.58, 44.26, srid=4326), wants_to_run=False, wants_to_volunteer=True)

    filters, errors = CoverageFilters.from_query(QueryDict("vintage=county:2031"))
    assert errors == {} and filters.vintages == {"county": "2031"}

    rows = district_rows(scope=vt_organizer.scope, filters=filters, layer_key="county", fields=("name",))
    assert [(row["name"], row["candidates"], row["volunteers"], row["status"]) for row in rows] == [
        ("Champlain County", 1, 0, "candidate"),
        ("Green Mountain County", 0, 1, "volunteers"),
    ]
    lenses = coverage_summary_build(scope=vt_organizer.scope, filters=filters)["lenses"]
    assert (lenses["county"]["covered"], lenses["county"]["total"]) == (1, 2)
    # The chambers and the current counties are untouched.
    assert (
        coverage_summary_build(scope=vt_organizer.scope, filters=CoverageFilters())["lenses"]["county"]["total"] == 14
    )


def test_the_coverage_api_csv_export_and_pages_take_a_local_vintage(vt_organizer, counties_2031):
    signup_in(current_districts("sldl", "VT")[0], location=Point(-73.2121, 44.4759, srid=4326), offices=["county"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(vt_organizer)}")
    browser = client_for(vt_organizer)
    query = "chamber=county&state=VT&vintage=county:2031"

    listed = api.get(f"/api/v1/coverage/districts/?{query}").json()
    exported = list(
        csv.DictReader(
            io.StringIO(b"".join(browser.get(f"/organize/export/districts.csv?{query}").streaming_content).decode())
        )
    )
    state_page = browser.get("/organize/states/VT/?vintage=county:2031").content.decode()
    dashboard = browser.get("/organize/?vintage=county:2031").content.decode()

    assert [(row["name"], row["status"]) for row in listed] == [
        ("Champlain County", "candidate"),
        ("Green Mountain County", "none"),
    ]
    assert [(row["vintage"], row["name"], row["status"]) for row in exported] == [
        ("2031", "Champlain County", "candidate"),
        ("2031", "Green Mountain County", "none"),
    ]
    county = state_page.split('id="lens-county"')[1].split("</section>")[0]
    assert "1 of 2 counties covered" in re.sub(r"<[^>]+>", "", county)
    assert "Green Mountain County" in county.split('data-gap="nobody"')[1].split("</details>")[0]
    assert 'value="county:2031" selected' in dashboard
    assert api.get("/api/v1/coverage/districts/?chamber=county&vintage=county:1812").status_code == 400

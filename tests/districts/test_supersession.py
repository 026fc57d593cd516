"""Finer sources supersede coarser ones per state; national counts of current districts."""

import csv

import pytest
from django.contrib.gis.geos import Point
from django.db.models import Count

from districts.models import BoundarySet, District, Resolution

from .conftest import lookup

pytestmark = pytest.mark.django_db

COARSE = {
    "cd": "us_cd119_cb2024_20m.geojson.gz",
    "sldu": "us_sldu_tiger2024_simplified.geojson.gz",
    "sldl": "us_sldl_tiger2024_simplified.geojson.gz",
}


@pytest.mark.parametrize(("chamber", "count"), [("cd", 26), ("sldu", 63), ("sldl", 150)])
def test_new_york_districts_are_current_once_per_chamber_from_the_full_resolution_file(chamber, count):
    current = District.objects.current().countable().filter(chamber=chamber, state="NY")

    assert current.count() == count
    assert current.values("geoid").distinct().count() == count
    assert set(current.values_list("boundary_set__resolution", flat=True)) == {Resolution.FULL}


@pytest.mark.parametrize(("chamber", "count"), [("cd", 26), ("sldu", 63), ("sldl", 150)])
def test_coarse_new_york_districts_from_nationwide_files_are_superseded(chamber, count):
    coarse = District.objects.filter(boundary_set__name=COARSE[chamber], state="NY")

    assert coarse.count() == count
    assert coarse.filter(superseded=True).count() == count
    # The nationwide set itself stays current for every other state.
    assert BoundarySet.objects.get(chamber=chamber, name=COARSE[chamber]).is_current


def test_georgia_congressional_districts_come_from_the_full_resolution_file_only():
    current = District.objects.current().filter(chamber="cd", state="GA")

    assert current.count() == 14
    assert set(current.values_list("boundary_set__name", flat=True)) == {"tl_2024_13_cd119.zip"}
    assert District.objects.filter(boundary_set__name=COARSE["cd"], state="GA", superseded=True).count() == 14


@pytest.mark.parametrize("chamber", ["cd", "sldu", "sldl"])
def test_a_state_with_only_coarse_data_is_served_by_the_nationwide_set(chamber):
    vermont = District.objects.current().countable().filter(chamber=chamber, state="VT")

    assert vermont.count() == {"cd": 1, "sldu": 16, "sldl": 109}[chamber]
    assert set(vermont.values_list("boundary_set__name", flat=True)) == {COARSE[chamber]}


def test_lookup_in_vermont_answers_from_the_nationwide_sets(api_client):
    found = lookup(api_client, 44.26, -72.575)  # Montpelier

    assert found["cd"]["ocd_id"] == "ocd-division/country:us/state:vt/cd:at-large"
    assert found["sldu"]["state"] == found["sldl"]["state"] == "VT"


def test_lookup_where_the_coarse_map_is_wrong_answers_from_the_full_resolution_map(api_client):
    # Bay Ridge, Brooklyn: NY-11. The 1:20,000,000 map puts the point in NY-10, which has the
    # lower GEOID, so a lookup that did not skip superseded rows would answer NY-10.
    lat, lng = 40.630, -74.010
    coarse = District.objects.filter(boundary_set__name=COARSE["cd"], geometry__intersects=Point(lng, lat, srid=4326))
    assert list(coarse.values_list("geoid", flat=True)) == ["3610"]

    assert lookup(api_client, lat, lng)["cd"]["geoid"] == "3611"


@pytest.mark.parametrize(("chamber", "count"), [("cd", 437), ("sldu", 1942), ("sldl", 4833)])
def test_national_count_of_current_districts_per_chamber(chamber, count):
    current = District.objects.current().countable().filter(chamber=chamber)

    assert current.count() == count
    # No district is counted twice (a GEOID appears once among current districts).
    assert current.values("geoid").distinct().count() == count


def test_placeholder_areas_are_loaded_but_not_countable():
    placeholders = District.objects.current().filter(is_placeholder=True)

    assert placeholders.count() == 10
    assert set(placeholders.values_list("code", flat=True)) == {"ZZZ"}
    assert dict(placeholders.values_list("chamber").annotate(n=Count("id")).order_by()) == {"sldu": 5, "sldl": 5}


def test_congress_has_435_voting_districts_and_two_non_voting_delegates():
    current = District.objects.current().countable().filter(chamber="cd")

    assert current.filter(voting=True).count() == 435
    delegates = current.filter(voting=False)
    assert sorted(delegates.values_list("geoid", "state", "ocd_id")) == [
        ("1198", "DC", "ocd-division/country:us/district:dc/cd:at-large"),
        ("7298", "PR", "ocd-division/country:us/territory:pr/cd:at-large"),
    ]


def test_current_congressional_districts_match_the_census_list(data_dir):
    with (data_dir / "district_lists" / "cd119_districts_cb2024.csv").open(newline="") as fh:
        expected = sorted((row["geoid"], row["voting"] == "1") for row in csv.DictReader(fh))

    current = District.objects.current().countable().filter(chamber="cd")
    assert sorted(current.values_list("geoid", "voting")) == expected


@pytest.mark.parametrize("chamber", ["sldu", "sldl"])
def test_current_legislative_districts_match_the_census_list(data_dir, chamber):
    with (data_dir / "district_lists" / "tiger2024_sld_districts.csv").open(newline="") as fh:
        expected = sorted(
            row["geoid"] for row in csv.DictReader(fh) if row["chamber"] == chamber and row["is_zzz_placeholder"] == "0"
        )

    current = District.objects.current().countable().filter(chamber=chamber)
    assert sorted(current.values_list("geoid", flat=True)) == expected

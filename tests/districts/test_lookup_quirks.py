"""Lookups at the odd places: at-large states, delegates, unicameral Nebraska, placeholders, borders."""

import csv
from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from districts.models import District

from .conftest import lookup, run_command

pytestmark = pytest.mark.django_db


def test_alaska_is_one_at_large_congressional_district(api_client):
    found = lookup(api_client, 61.2181, -149.9003)  # Anchorage

    assert found["cd"] == {
        "geoid": "0200",
        "ocd_id": "ocd-division/country:us/state:ak/cd:at-large",
        "name": "Alaska Congressional District (at Large)",
        "state": "AK",
        "chamber": "cd",
    }
    assert found["sldu"]["state"] == found["sldl"]["state"] == "AK"
    assert found["sldu"]["ocd_id"].startswith("ocd-division/country:us/state:ak/sldu:")
    assert found["sldl"]["ocd_id"].startswith("ocd-division/country:us/state:ak/sldl:")


def test_white_house_is_in_the_dc_delegate_district_with_no_state_legislature(api_client):
    found = lookup(api_client, 38.8977, -77.0365)

    assert found["cd"]["geoid"] == "1198"
    assert found["cd"]["ocd_id"] == "ocd-division/country:us/district:dc/cd:at-large"
    assert found["cd"]["state"] == "DC"
    assert found["sldu"] is None
    assert found["sldl"] is None
    assert District.objects.get(geoid="1198", chamber="cd").voting is False


def test_san_juan_is_in_the_puerto_rico_resident_commissioner_district(api_client):
    found = lookup(api_client, 18.40, -66.06)  # San Juan (Río Piedras)

    assert found["cd"]["geoid"] == "7298"
    assert found["cd"]["ocd_id"] == "ocd-division/country:us/territory:pr/cd:at-large"
    assert found["cd"]["state"] == "PR"
    assert found["sldu"] is None
    assert found["sldl"] is None
    assert District.objects.get(geoid="7298", chamber="cd").voting is False


def test_nebraska_has_a_state_senate_but_no_state_house(api_client):
    found = lookup(api_client, 40.8136, -96.7026)  # Lincoln

    assert found["cd"]["ocd_id"] == "ocd-division/country:us/state:ne/cd:1"
    assert found["sldu"]["state"] == "NE"
    assert found["sldu"]["ocd_id"].startswith("ocd-division/country:us/state:ne/sldu:")
    assert found["sldl"] is None


@pytest.mark.parametrize(("geoid", "chamber"), [("17ZZZ", "sldu"), ("17ZZZ", "sldl"), ("55ZZZ", "sldu")])
def test_a_point_in_a_placeholder_area_has_no_district_in_that_chamber(api_client, geoid, chamber):
    placeholder = District.objects.current().get(chamber=chamber, geoid=geoid)
    assert placeholder.is_placeholder
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Y(p), ST_X(p) FROM (SELECT ST_PointOnSurface(%s::geometry) AS p) s", [placeholder.geometry.ewkb]
        )
        lat, lng = cursor.fetchone()
    # The point is in the placeholder area and in no real district of the chamber.
    point = Point(lng, lat, srid=4326)
    assert placeholder.geometry.intersects(point)
    assert not District.objects.current().countable().filter(chamber=chamber, geometry__intersects=point).exists()

    found = lookup(api_client, lat, lng)

    assert found[chamber] is None


def test_the_census_internal_point_of_lake_michigan_placeholder_has_no_legislative_district(api_client):
    placeholder = District.objects.current().get(chamber="sldu", geoid="17ZZZ")
    lat, lng = placeholder.internal_point.y, placeholder.internal_point.x
    assert placeholder.geometry.intersects(placeholder.internal_point)

    found = lookup(api_client, lat, lng)

    assert found["sldu"] is None
    assert found["sldl"] is None


@pytest.mark.parametrize(("lat", "lng"), [(0.0, 0.0), (35.0, -40.0)], ids=["null-island", "mid-atlantic"])
def test_a_point_outside_every_district_has_no_districts(api_client, lat, lng):
    assert lookup(api_client, lat, lng) == {
        "cd": None,
        "sldu": None,
        "sldl": None,
        "local": {"county": None, "municipalities": [], "school_districts": []},
    }


def touching(chamber: str, lat: float, lng: float) -> list[str]:
    """GEOIDs of the current districts of ``chamber`` whose area (border included) holds the point."""
    point = Point(lng, lat, srid=4326)
    districts = District.objects.current().countable().filter(chamber=chamber, geometry__intersects=point)
    return sorted(districts.values_list("geoid", flat=True))


def shared_vertex(chamber: str, geoid: str, neighbour: str) -> tuple[float, float]:
    """(lat, lng) of a vertex of ``geoid``'s boundary that lies on ``neighbour`` and on no third district."""
    district = District.objects.current().get(chamber=chamber, geoid=geoid)
    other = District.objects.current().get(chamber=chamber, geoid=neighbour)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_Y(v.geom), ST_X(v.geom)
            FROM ST_DumpPoints(%s::geometry) AS v
            WHERE ST_Intersects(%s::geometry, v.geom)
            ORDER BY v.path
            LIMIT 20
            """,
            [district.geometry.ewkb, other.geometry.ewkb],
        )
        candidates = cursor.fetchall()
    for lat, lng in candidates:
        if touching(chamber, lat, lng) == sorted([geoid, neighbour]):
            return lat, lng
    raise AssertionError(f"no vertex shared by {geoid} and {neighbour} alone among {candidates}")


# Two full-resolution New York districts that share a border, the second with the higher GEOID.
@pytest.mark.parametrize(
    ("chamber", "lower", "higher"),
    [("sldl", "36073", "36075"), ("sldl", "36074", "36075"), ("cd", "3610", "3612"), ("sldu", "36027", "36028")],
)
def test_a_point_on_a_shared_border_gets_the_lower_geoid_every_time(api_client, tmp_path, chamber, lower, higher):
    lat, lng = shared_vertex(chamber, higher, lower)
    assert touching(chamber, lat, lng) == [lower, higher]

    answers = {lookup(api_client, lat, lng)[chamber]["geoid"] for _ in range(3)}

    assert answers == {lower}
    # The batch lookup (CSV) gives the same answer.
    people = tmp_path / "border.csv"
    people.write_text(f"lat,lng\n{lat!r},{lng!r}\n{lat!r},{lng!r}\n")
    rows = list(csv.DictReader(StringIO(run_command("lookup_districts", csv=str(people)))))
    assert [row[f"{chamber}_geoid"] for row in rows] == [lower, lower]

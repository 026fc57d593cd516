"""Local offices: sign-ups assigned to their county, town or city and school districts, and the
coverage lenses (school boards, councils, county offices) an organizer reads.

Places, county subdivisions and school districts are the made-up TIGER-format files of
``tests/districts/tiger.py`` (Vermont squares); the county figures are measured against
the real Census county file at hand (``DISTRICTS_DATA_DIR/local``, loaded for the session).
"""

import csv
import io
import re
from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from rest_framework.test import APIClient

from coverage import CoverageFilters
from coverage.engine import district_rows
from coverage.summary import coverage_summary_build
from districts.models import District
from signups.models import SignUp
from signups.services.locating import signup_place
from tests.districts import tiger
from tests.districts.conftest import lookup, run_command
from tests.factories import SignUpFactory, TotpOrganizerFactory, api_key, signup_in
from tests.plugins.organizers import client_for

pytestmark = pytest.mark.django_db

ALL = CoverageFilters()


@pytest.fixture
def vermont(tmp_path):
    """The made-up Vermont layers loaded, the fixture county file current over the real 2023 one."""
    for layer, path in tiger.write_all(tmp_path / "tiger").items():
        run_command("load_districts", path, *(["--make-current"] if layer == "county" else []))


@pytest.fixture
def vt_organizer(db):
    return TotpOrganizerFactory(states=["VT"])


def point(lat_lng: tuple[float, float]) -> Point:
    lat, lng = lat_lng
    return Point(lng, lat, srid=4326)


def placed(lat_lng, **fields) -> SignUp:
    """A sign-up placed by its map point, as the intake places one, and saved."""
    signup = SignUpFactory.build(state="VT", zip="05661", submitted_location=point(lat_lng), **fields)
    signup_place(signup)
    signup.save()
    return SignUp.objects.select_related("county", "cousub", "place", "unsd", "elsd", "scsd").get(pk=signup.pk)


def summary_lenses(scope, state: str) -> dict:
    summary = coverage_summary_build(scope=scope, filters=CoverageFilters(states=(state,)))
    return next(row for row in summary["states"] if row["state"] == state)["lenses"]


def test_a_supporter_in_a_governing_town_in_a_county_and_a_unified_school_district_is_assigned_all_three(vermont):
    signup = placed(tiger.MAPLE_JUNCTION, offices=["school_board"])

    assert signup.county.name == "Lamoille Test County"
    assert signup.cousub.name == "Maple town"
    assert signup.place.name == "Maple Junction village"  # the village inside the town governs too
    assert signup.unsd.name == "Maple Unified School District"
    assert (signup.elsd, signup.scsd) == (None, None)
    # The lookup tells the supporter the same three.
    local = lookup(APIClient(), *tiger.MAPLE_JUNCTION)["local"]
    assert local["county"]["geoid"] == signup.county.geoid
    assert [m["geoid"] for m in local["municipalities"]] == [signup.cousub.geoid, signup.place.geoid]
    assert [s["geoid"] for s in local["school_districts"]] == [signup.unsd.geoid]


def test_a_supporter_in_a_census_designated_place_is_assigned_the_town_that_governs_it(vermont):
    signup = placed(tiger.CEDAR_HOLLOW)

    assert (signup.cousub.name, signup.place) == ("Maple town", None)


def test_reassign_districts_assigns_the_local_units(vermont):
    village = SignUpFactory(state="VT", zip="05661", location=point(tiger.MAPLE_JUNCTION))
    city = SignUpFactory(state="VT", zip="05661", location=point(tiger.BIRCH))
    out = StringIO()

    call_command("reassign_districts", stdout=out)

    assert "2 changed" in out.getvalue()
    village = SignUp.objects.select_related("county", "cousub", "place", "unsd").get(pk=village.pk)
    city = SignUp.objects.select_related("county", "cousub", "place", "elsd", "scsd").get(pk=city.pk)
    assert (village.county.geoid, village.cousub.geoid, village.place.geoid, village.unsd.geoid) == (
        "50901",
        "5090144125",
        "5044200",
        "5000010",
    )
    # Birch city's county subdivision twin does not govern (counted once, as the place).
    assert (city.place.name, city.cousub, city.elsd.geoid, city.scsd.geoid) == (
        "Birch city",
        None,
        "5000020",
        "5000030",
    )
    # Run again, nothing changes.
    out = StringIO()
    call_command("reassign_districts", stdout=out)
    assert "0 changed" in out.getvalue()


def test_a_local_unit_is_covered_only_by_a_candidate_for_its_office(vermont, vt_organizer):
    placed(tiger.MAPLE_JUNCTION, offices=["school_board"])
    placed(tiger.BIRCH, offices=["state_house", "county"])
    placed(tiger.BIRCH, wants_to_run=False, wants_to_volunteer=True, offices=[])

    def rows(layer):
        found = district_rows(scope=vt_organizer.scope, filters=ALL, layer_key=layer, state="VT", fields=("name",))
        return {row["name"]: (row["candidates"], row["volunteers"], row["status"]) for row in found}

    assert rows("unsd") == {"Maple Unified School District": (1, 0, "candidate")}
    # Birch's would-be county officer lives in Birch city but would not run for its council.
    assert rows("place") == {"Birch city": (0, 1, "volunteers"), "Maple Junction village": (0, 0, "none")}
    assert rows("county") == {"Lamoille Test County": (1, 1, "candidate"), "Orleans Test County": (0, 0, "none")}
    lenses = summary_lenses(vt_organizer.scope, "VT")
    assert (lenses["school_board"]["covered"], lenses["school_board"]["total"]) == (1, 3)
    assert (lenses["council"]["covered"], lenses["council"]["total"]) == (0, 3)
    assert (lenses["county"]["covered"], lenses["county"]["total"]) == (1, 2)


def test_census_designated_places_and_statistical_areas_count_in_no_denominator(vermont, vt_organizer):
    lenses = summary_lenses(vt_organizer.scope, "VT")

    # Councils: Maple town, Maple Junction village, Birch city; not Cedar Hollow CDP, Pine CCD,
    # nor Birch city's county subdivision twin.
    assert lenses["council"]["total"] == 3
    # School boards: not "School District Not Defined".
    assert lenses["school_board"]["total"] == 3
    places = district_rows(scope=vt_organizer.scope, filters=ALL, layer_key="place", state="VT", fields=("name",))
    assert "Cedar Hollow CDP" not in {row["name"] for row in places}
    assert District.objects.filter(name="Cedar Hollow CDP", governing=False).exists()


def test_only_confirmed_sign_ups_count_where_only_confirmed_ones_are_asked_for(vermont, vt_organizer):
    placed(tiger.MAPLE_JUNCTION, offices=["school_board"])

    filters = CoverageFilters(states=("VT",), confirmed_only=True)
    summary = coverage_summary_build(scope=vt_organizer.scope, filters=filters)

    assert summary["states"][0]["lenses"]["school_board"]["covered"] == 0


def _readme_county_counts(data_dir) -> dict[str, int]:
    """The per-state county counts the README of the county file verified ("36 NY: 62/62")."""
    text = (data_dir / "local" / "README.md").read_text()
    return {state: int(found) for state, found in re.findall(r"\d\d ([A-Z]{2}): (\d+)/\d+", text)}


def test_county_totals_are_the_counties_of_the_census_file_in_every_state(data_dir, national_organizer):
    expected = _readme_county_counts(data_dir)
    assert len(expected) == 51 and sum(expected.values()) == 3144

    summary = coverage_summary_build(scope=national_organizer.scope, filters=ALL)

    found = {row["state"]: row["lenses"]["county"]["total"] for row in summary["states"]}
    assert {state: found.get(state) for state in expected} == expected


def test_a_would_be_county_officer_in_manhattan_covers_new_york_county(national_organizer):
    assembly = District.objects.current().get(chamber="sldl", geoid="36075")
    signup_in(assembly, location=Point(-73.9857, 40.7484, srid=4326), offices=["county"])

    ny = summary_lenses(national_organizer.scope, "NY")
    counties = district_rows(scope=national_organizer.scope, filters=ALL, layer_key="county", state="NY")

    assert (ny["county"]["covered"], ny["county"]["total"]) == (1, 62)
    assert [row["geoid"] for row in counties if row["status"] == "candidate"] == ["36061"]


def test_the_organizer_state_page_lists_the_school_boards_councils_and_counties_with_nobody(vermont, vt_organizer):
    placed(tiger.MAPLE_JUNCTION, offices=["school_board", "city_council"])

    page = client_for(vt_organizer).get("/organize/states/VT/").content.decode()

    lens = {key: page.split(f'id="lens-{key}"')[1].split("</section>")[0] for key in ("school_board", "council")}
    assert "1 of 3 school districts covered" in re.sub(r"<[^>]+>", "", lens["school_board"])
    nobody = lens["school_board"].split('data-gap="nobody"')[1].split("</details>")[0]
    assert "Birch Elementary School District" in nobody
    assert "Maple Unified School District" not in nobody
    nobody = lens["council"].split('data-gap="nobody"')[1].split("</details>")[0]
    assert "Birch city" in nobody and "Maple town" not in nobody and "Cedar Hollow" not in nobody
    county = page.split('id="lens-county"')[1].split("</section>")[0]
    assert "Lamoille Test County" in county.split('data-gap="nobody"')[1].split("</details>")[0]


def test_the_district_api_csv_exports_and_map_take_the_local_layers(vermont, vt_organizer):
    placed(tiger.MAPLE_JUNCTION, offices=["school_board"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(vt_organizer)}")
    browser = client_for(vt_organizer)

    schools = api.get("/api/v1/coverage/districts/?chamber=unsd&state=VT").json()
    places = browser.get("/organize/export/districts.csv?chamber=place&state=VT")
    people = browser.get("/organize/export/people.csv?state=VT")
    tile = browser.get("/organize/tiles/county/6/19/23.pbf")

    assert [(row["name"], row["status"]) for row in schools] == [("Maple Unified School District", "candidate")]
    assert {row["name"]: row["status"] for row in csv_rows(places)} == {
        "Birch city": "none",
        "Maple Junction village": "none",
    }
    (person,) = csv_rows(people)
    assert (person["county_name"], person["cousub_name"], person["place_name"], person["unsd_geoid"]) == (
        "Lamoille Test County",
        "Maple town",
        "Maple Junction village",
        "5000010",
    )
    assert tile.status_code == 200 and tile.content  # Lamoille Test County is in that tile
    assert api.get("/api/v1/coverage/districts/?chamber=ward").status_code == 400


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_county_page_lists_its_would_be_county_officers_and_volunteers_not_other_runners(vermont, vt_organizer):
    officer = placed(tiger.BIRCH, offices=["county"], first_name="Officer")
    placed(tiger.BIRCH, offices=["state_house"], first_name="Legislator")
    helper = placed(tiger.MAPLE_JUNCTION, wants_to_run=False, wants_to_volunteer=True, offices=[], first_name="Helper")

    page = client_for(vt_organizer).get("/organize/districts/county/50901/")

    listed = {person.pk for person in page.context["page"]}
    assert listed == {officer.pk, helper.pk}


def api_for(organizer) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(organizer)}")
    return api


def test_the_sign_ups_api_filters_by_a_county_in_the_organizers_states_only(vermont, vt_organizer):
    lamoille = placed(tiger.MAPLE_JUNCTION, offices=["school_board"])
    placed(tiger.PINE)  # Orleans Test County
    placed(tiger.BIRCH)  # Lamoille too, but asked for by its city below

    rows = api_for(vt_organizer).get("/api/v1/signups/?layer=county&district=50901&kind=run").json()["results"]
    city = api_for(vt_organizer).get("/api/v1/signups/?layer=place&district=5044200").json()["results"]
    elsewhere = api_for(TotpOrganizerFactory(states=["NY"])).get("/api/v1/signups/?layer=county&district=50901")
    # Without a layer a GEOID is a chamber's district, as before the local layers.
    chambers_only = api_for(vt_organizer).get("/api/v1/signups/?district=50901").json()["results"]

    assert len(rows) == 2 and lamoille.pk in {row["id"] for row in rows}
    (person,) = city
    assert person["id"] == lamoille.pk
    local = person["districts"]["local"]
    assert (local["county"]["name"], [m["name"] for m in local["municipalities"]]) == (
        "Lamoille Test County",
        ["Maple town", "Maple Junction village"],
    )
    assert local["school_districts"][0]["geoid"] == "5000010"
    assert elsewhere.status_code == 200 and elsewhere.json()["results"] == []
    assert chambers_only == []


def test_the_sign_ups_api_answers_a_bad_layer_with_a_field_error(vt_organizer):
    api = api_for(vt_organizer)

    ward = api.get("/api/v1/signups/?layer=ward&district=50901")
    alone = api.get("/api/v1/signups/?layer=county")

    assert ward.status_code == 400 and list(ward.json()["errors"]) == ["layer"]
    assert alone.status_code == 400 and list(alone.json()["errors"]) == ["district"]


def test_the_finder_and_public_api_tell_a_supporter_their_county_town_village_and_school_district(vermont, client):
    lat, lng = tiger.MAPLE_JUNCTION

    page = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", client.post("/find/", {"lat": lat, "lng": lng}).content.decode())
    )

    api = client.get(f"/api/v1/public/districts/?lat={lat}&lng={lng}").json()

    assert [(unit["layer"], unit["name"]) for unit in api["local"]] == [
        ("county", "Lamoille Test County"),
        ("cousub", "Maple town"),
        ("place", "Maple Junction village"),
        ("unsd", "Maple Unified School District"),
    ]
    assert "Your local governments" in page
    for label, name in (
        ("County or equivalent", "Lamoille Test County"),
        ("Town or township (county subdivision)", "Maple town"),
        ("City, town or village (incorporated place)", "Maple Junction village"),
        ("Unified school district", "Maple Unified School District"),
    ):
        assert f"{label}: {name}" in page


def test_an_organizer_lists_the_school_boards_of_a_state_that_have_nobody(vermont, vt_organizer):
    placed(tiger.MAPLE_JUNCTION, offices=["school_board"])
    nobody = "lens=school_board&state=VT&status=none"

    rows = api_for(vt_organizer).get(f"/api/v1/coverage/districts/?{nobody}").json()
    exported = csv_rows(client_for(vt_organizer).get(f"/organize/export/districts.csv?{nobody}"))

    assert [(row["layer"], row["state"], row["name"]) for row in rows] == [
        ("elsd", "VT", "Birch Elementary School District"),
        ("scsd", "VT", "Birch Union High School District"),
    ]
    assert [(row["chamber"], row["name"]) for row in exported] == [(row["layer"], row["name"]) for row in rows]


@pytest.mark.parametrize(
    ("query", "field"),
    [("lens=ward", "lens"), ("lens=county&chamber=county", "lens"), ("chamber=unsd&status=empty", "status")],
)
def test_a_bad_lens_or_status_is_a_400_with_a_field_error(vt_organizer, query, field):
    api = api_for(vt_organizer).get(f"/api/v1/coverage/districts/?{query}")
    export = client_for(vt_organizer).get(f"/organize/export/districts.csv?{query}")

    assert (api.status_code, list(api.json()["errors"])) == (400, [field])
    assert (export.status_code, list(export.json()["errors"])) == (400, [field])


@pytest.mark.parametrize("query", ["chamber=ward&district=50901", "district=50901"])
def test_one_units_people_csv_without_a_known_layer_is_a_400_naming_chamber(vt_organizer, query):
    response = client_for(vt_organizer).get(f"/organize/export/people.csv?{query}")

    assert (response.status_code, list(response.json()["errors"])) == (400, ["chamber"])

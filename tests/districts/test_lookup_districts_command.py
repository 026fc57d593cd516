"""``lookup_districts``: one point as text or JSON, or a CSV of points."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .conftest import run_command

pytestmark = pytest.mark.django_db

EMPIRE_STATE = ("40.7484", "-73.9857")
EMPIRE_STATE_DISTRICTS = {
    "cd": {
        "geoid": "3612",
        "ocd_id": "ocd-division/country:us/state:ny/cd:12",
        "name": "New York Congressional District 12",
        "state": "NY",
        "chamber": "cd",
    },
    "sldu": {
        "geoid": "36028",
        "ocd_id": "ocd-division/country:us/state:ny/sldu:28",
        "name": "New York State Senate District 28",
        "state": "NY",
        "chamber": "sldu",
    },
    "sldl": {
        "geoid": "36075",
        "ocd_id": "ocd-division/country:us/state:ny/sldl:75",
        "name": "New York Assembly District 75",
        "state": "NY",
        "chamber": "sldl",
    },
    # Only the generalised county layer is at hand; it has no NAMELSAD, so the type is the layer's noun.
    "local": {
        "county": {
            "geoid": "36061",
            "name": "New York",
            "type": "county",
            "ocd_id": "ocd-division/country:us/state:ny/county:new_york",
            "state": "NY",
            "layer": "county",
        },
        "municipalities": [],
        "school_districts": [],
    },
}
NO_LOCAL_LAYER = ["cousub none", "place none", "unsd  none", "elsd  none", "scsd  none"]


def test_text_output_for_the_empire_state_building():
    output = run_command("lookup_districts", "--lat", EMPIRE_STATE[0], "--lng", EMPIRE_STATE[1])

    assert output.splitlines() == [
        "cd    New York Congressional District 12 (3612, ocd-division/country:us/state:ny/cd:12)",
        "sldu  New York State Senate District 28 (36028, ocd-division/country:us/state:ny/sldu:28)",
        "sldl  New York Assembly District 75 (36075, ocd-division/country:us/state:ny/sldl:75)",
        "county New York (36061, ocd-division/country:us/state:ny/county:new_york)",
        *NO_LOCAL_LAYER,
    ]


def test_json_output_for_the_empire_state_building():
    output = run_command("lookup_districts", "--lat", EMPIRE_STATE[0], "--lng", EMPIRE_STATE[1], "--json")

    assert json.loads(output) == EMPIRE_STATE_DISTRICTS


def test_command_and_api_agree(api_client):
    output = run_command("lookup_districts", "--lat", EMPIRE_STATE[0], "--lng", EMPIRE_STATE[1], "--json")

    response = api_client.get("/api/v1/districts/lookup", {"lat": EMPIRE_STATE[0], "lng": EMPIRE_STATE[1]})

    assert response.json() == json.loads(output)


def test_text_and_json_output_where_there_is_no_district():
    text = run_command("lookup_districts", "--lat", "35", "--lng", "-40")
    data = json.loads(run_command("lookup_districts", "--lat", "35", "--lng", "-40", "--json"))

    assert text.splitlines() == ["cd    none", "sldu  none", "sldl  none", "county none", *NO_LOCAL_LAYER]
    assert data == {
        "cd": None,
        "sldu": None,
        "sldl": None,
        "local": {"county": None, "municipalities": [], "school_districts": []},
    }


def test_json_output_for_the_dc_delegate_district():
    data = json.loads(run_command("lookup_districts", "--lat", "38.8977", "--lng", "-77.0365", "--json"))

    assert data["cd"]["ocd_id"] == "ocd-division/country:us/district:dc/cd:at-large"
    assert data["sldu"] is None
    assert data["sldl"] is None


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ([], "Give --lat and --lng, or --csv FILE."),
        (["--lat", "40.7"], "Give --lat and --lng, or --csv FILE."),
        (["--lat", "91", "--lng", "0"], "--lat must be within -90..90"),
        (["--lat", "0", "--lng", "-181"], "--lng within -180..180"),
        (["--lat", "nan", "--lng", "0"], "--lat must be within -90..90"),
    ],
)
def test_bad_coordinates_are_refused(args, problem):
    with pytest.raises(CommandError) as excinfo:
        run_command("lookup_districts", *args)

    assert problem in str(excinfo.value)


def test_csv_keeps_every_column_and_row_and_leaves_unusable_rows_empty(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(
        "name,lat,lng,notes\n"
        'Empire State,40.7484,-73.9857,"has, a comma"\n'
        "Ocean,35,-40,\n"
        "No point,,,missing\n"
        "Bad,abc,-73.9,text\n"
        "Off the map,91,0,\n"
        "White House,38.8977,-77.0365,\n",
        encoding="utf-8",
    )
    stderr = StringIO()
    out = StringIO()
    call_command("lookup_districts", csv=str(people), stdout=out, stderr=stderr)

    rows = list(csv.DictReader(StringIO(out.getvalue())))
    assert [row["name"] for row in rows] == ["Empire State", "Ocean", "No point", "Bad", "Off the map", "White House"]
    assert rows[0]["notes"] == "has, a comma"
    assert (rows[0]["cd_geoid"], rows[0]["sldu_geoid"], rows[0]["sldl_geoid"]) == ("3612", "36028", "36075")
    assert rows[0]["sldl_ocd_id"] == "ocd-division/country:us/state:ny/sldl:75"
    assert rows[0]["cd_name"] == "New York Congressional District 12"
    for row in rows[1:5]:
        assert all(row[f"{c}_{f}"] == "" for c in ("cd", "sldu", "sldl") for f in ("geoid", "ocd_id", "name"))
    assert (rows[5]["cd_geoid"], rows[5]["sldu_geoid"], rows[5]["sldl_geoid"]) == ("1198", "", "")
    assert (rows[0]["county_geoid"], rows[0]["county_type"], rows[5]["county_geoid"]) == ("36061", "county", "11001")
    assert rows[1]["county_geoid"] == rows[1]["place_geoid"] == ""
    # Rows 4-6 of the file (after the header) had no usable point; each is reported by line.
    warnings = stderr.getvalue()
    assert f"{people}:4:" in warnings
    assert f"{people}:5:" in warnings
    assert f"{people}:6:" in warnings
    assert f"{people}:2:" not in warnings


def test_csv_without_lat_and_lng_columns_is_refused(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("name,latitude,longitude\nA,40.7,-73.9\n")

    with pytest.raises(CommandError) as excinfo:
        run_command("lookup_districts", csv=str(people))

    assert str(people) in str(excinfo.value)
    assert "'lat' and 'lng' columns" in str(excinfo.value)


def test_missing_csv_file_is_refused(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        run_command("lookup_districts", csv=str(tmp_path / "nope.csv"))

    assert "nope.csv" in str(excinfo.value)

"""Local government layers: TIGER/Line COUNTY, COUSUB, PLACE, UNSD, ELSD, SCSD files (made-up
fixtures written with GDAL, see ``tiger.py``), loaded, judged governing or not, and looked up."""

import json
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.db.models import Count

from districts.models import BoundarySet, District, LocalLayer
from districts.selectors import districts_for_points

from . import tiger
from .conftest import lookup, run_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiger_files(tmp_path):
    return tiger.write_all(tmp_path / "tiger")


@pytest.fixture
def loaded(tiger_files):
    """Every fixture layer loaded, the 2024 county file made current over the generalised 2023 one."""
    for layer, path in tiger_files.items():
        run_command("load_districts", path, *(["--make-current"] if layer == "county" else []))
    return tiger_files


def local(api_client, point) -> dict:
    return lookup(api_client, *point)["local"]


def names(units: list[dict]) -> list[tuple[str, str, str]]:
    return [(u["layer"], u["name"], u["type"]) for u in units]


def test_a_village_inside_a_town_inside_a_county_and_a_unified_school_district_is_told_all_of_them(api_client, loaded):
    found = local(api_client, tiger.MAPLE_JUNCTION)

    assert found["county"] == {
        "geoid": "50901",
        "name": "Lamoille Test County",
        "type": "County",
        "ocd_id": "ocd-division/country:us/state:vt/county:lamoille_test",
        "state": "VT",
        "layer": "county",
    }
    assert names(found["municipalities"]) == [
        ("cousub", "Maple town", "town"),
        ("place", "Maple Junction village", "village"),
    ]
    town, village = found["municipalities"]
    assert (town["geoid"], town["ocd_id"]) == ("5090144125", None)
    assert (village["geoid"], village["ocd_id"]) == ("5044200", "ocd-division/country:us/state:vt/place:maple_junction")
    assert found["school_districts"] == [
        {
            "geoid": "5000010",
            "name": "Maple Unified School District",
            "type": "unified school district",
            "ocd_id": None,
            "state": "VT",
            "layer": "unsd",
        }
    ]


def test_a_census_designated_place_is_no_municipality_the_town_governs_it(api_client, loaded):
    found = local(api_client, tiger.CEDAR_HOLLOW)

    assert names(found["municipalities"]) == [("cousub", "Maple town", "town")]
    assert District.objects.get(chamber="place", geoid="5011500").governing is False


def test_a_city_that_is_also_a_county_subdivision_is_named_once_with_its_elementary_and_secondary_districts(
    api_client, loaded
):
    found = local(api_client, tiger.BIRCH)

    assert names(found["municipalities"]) == [("place", "Birch city", "city")]
    assert names(found["school_districts"]) == [
        ("elsd", "Birch Elementary School District", "elementary school district"),
        ("scsd", "Birch Union High School District", "secondary school district"),
    ]


def test_a_statistical_town_and_an_undefined_school_district_answer_nothing(api_client, loaded):
    found = local(api_client, tiger.PINE)

    assert found["county"]["geoid"] == "50903"
    assert found["municipalities"] == []
    assert found["school_districts"] == []


def test_governments_are_told_from_statistical_areas_by_funcstat_and_classfp(loaded):
    def governing(layer: str) -> list[str]:
        rows = District.objects.current().filter(chamber=layer).countable().governing()
        return sorted(rows.values_list("name", flat=True))

    assert governing("cousub") == ["Maple town"]  # Pine CCD is statistical (S); Birch city counts as a place
    assert governing("place") == ["Birch city", "Maple Junction village"]  # not Cedar Hollow CDP
    assert governing("unsd") == ["Maple Unified School District"]  # not "School District Not Defined"
    # The statistical Alaska census area is loaded (its attributes kept) but governs nothing.
    census_area = District.objects.get(chamber="county", geoid="02905", boundary_set__vintage="2024")
    assert (census_area.governing, census_area.kind, census_area.ocd_id) == (False, "Census Area", "")
    assert census_area.attributes["FUNCSTAT"] == "S"
    assert census_area.attributes["CLASSFP"] == "H5"
    undefined = District.objects.get(chamber="unsd", geoid="5099997")
    assert (undefined.is_placeholder, undefined.governing) == (True, False)


def test_raw_census_attributes_are_kept(loaded):
    village = District.objects.get(chamber="place", geoid="5044200")

    assert village.attributes["NAMELSAD"] == "Maple Junction village"
    assert village.attributes["LSAD"] == "47"
    assert village.attributes["CLASSFP"] == "C1"
    assert village.attributes["MTFCC"] == "G4110"
    assert village.attributes["ALAND"] == 123456789
    assert village.internal_point is not None


def test_loading_the_same_files_again_changes_nothing(tiger_files):
    for path in tiger_files.values():
        run_command("load_districts", path)
    ids = sorted(District.objects.filter(chamber__in=LocalLayer.values).values_list("pk", flat=True))

    output = "".join(run_command("load_districts", path) for path in tiger_files.values())

    assert output.count("unchanged") == len(tiger_files)
    assert sorted(District.objects.filter(chamber__in=LocalLayer.values).values_list("pk", flat=True)) == ids


def test_a_directory_of_tiger_zips_loads_every_layer(tiger_files):
    output = run_command("load_districts", tiger_files["place"].parent)

    assert "place 2024 tl_2024_50_place.zip (full, current): loaded, 3 areas (2 governing) in 1 states" in output
    assert "unsd 2024 tl_2024_50_unsd.zip (full, current): loaded, 2 areas (1 governing) in 1 states" in output
    layers = set(BoundarySet.objects.filter(vintage="2024").values_list("chamber", flat=True))
    assert layers >= {"county", "cousub", "place", "unsd", "elsd", "scsd"}


def test_geojson_with_the_tiger_attributes_loads_like_the_zip(api_client, tmp_path):
    for layer in ("cousub", "place"):
        run_command("load_districts", tiger.write_geojson(tmp_path, layer))

    found = local(api_client, tiger.MAPLE_JUNCTION)

    assert names(found["municipalities"]) == [
        ("cousub", "Maple town", "town"),
        ("place", "Maple Junction village", "village"),
    ]


def test_a_new_county_file_is_loaded_beside_the_current_one_and_used_once_made_current(api_client, tiger_files):
    before = local(api_client, tiger.MAPLE_JUNCTION)["county"]

    output = run_command("load_districts", tiger_files["county"])

    assert "county 2024 tl_2024_us_county.zip (full, not current)" in output
    assert local(api_client, tiger.MAPLE_JUNCTION)["county"] == before
    assert before["layer"] == "county" and before["geoid"] != "50901"  # a real Vermont county, generalised 2023

    run_command("load_districts", tiger_files["county"], "--make-current")

    assert local(api_client, tiger.MAPLE_JUNCTION)["county"]["geoid"] == "50901"
    assert set(BoundarySet.objects.filter(chamber="county", is_current=True).values_list("vintage", flat=True)) == {
        "2024"
    }


def test_the_legislative_answer_is_unchanged_by_local_layers(api_client, tiger_files):
    before = lookup(api_client, *tiger.MAPLE_JUNCTION)

    for path in tiger_files.values():
        run_command("load_districts", path)

    after = lookup(api_client, *tiger.MAPLE_JUNCTION)
    assert {c: after[c] for c in ("cd", "sldu", "sldl")} == {c: before[c] for c in ("cd", "sldu", "sldl")}
    assert after["local"] != before["local"]


def test_lookup_command_prints_and_exports_the_local_part(loaded, tmp_path):
    text = run_command("lookup_districts", "--lat", tiger.BIRCH[0], "--lng", tiger.BIRCH[1])
    data = json.loads(run_command("lookup_districts", "--lat", tiger.BIRCH[0], "--lng", tiger.BIRCH[1], "--json"))
    people = tmp_path / "people.csv"
    people.write_text(f"id,lat,lng\n1,{tiger.MAPLE_JUNCTION[0]},{tiger.MAPLE_JUNCTION[1]}\n2,35,-40\n")
    csv_out = run_command("lookup_districts", "--csv", people).splitlines()

    assert "place Birch city (5005650, ocd-division/country:us/state:vt/place:birch)" in text.splitlines()
    assert "cousub none" in text.splitlines()
    assert names(data["local"]["municipalities"]) == [("place", "Birch city", "city")]
    header = csv_out[0].split(",")
    assert header[-24:-20] == ["county_geoid", "county_ocd_id", "county_name", "county_type"]
    first = dict(zip(header, csv_out[1].split(","), strict=True))
    assert (first["cousub_name"], first["cousub_type"]) == ("Maple town", "town")
    assert (first["place_geoid"], first["unsd_name"], first["elsd_name"]) == (
        "5044200",
        "Maple Unified School District",
        "",
    )
    ocean = dict(zip(header, csv_out[2].split(","), strict=True))
    assert ocean["county_geoid"] == ocean["place_geoid"] == ocean["unsd_geoid"] == ""


def test_the_openapi_schema_documents_the_local_part():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schemas = yaml.safe_load(out.getvalue())["components"]["schemas"]

    local = schemas["Districts"]["properties"]["local"]
    assert local["$ref"].endswith("/Local")
    assert set(schemas["Local"]["properties"]) == {"county", "municipalities", "school_districts"}
    assert schemas["Local"]["properties"]["municipalities"]["type"] == "array"
    assert set(schemas["LocalUnit"]["properties"]) == {"geoid", "name", "type", "ocd_id", "state", "layer"}
    assert schemas["LocalUnit"]["properties"]["ocd_id"]["nullable"] is True


# --- The real generalised county file of DISTRICTS_DATA_DIR/local (loaded for every test session) ---


def test_the_generalised_county_file_has_every_county_of_the_50_states_and_dc():
    counties = District.objects.current().filter(chamber="county").countable().governing()
    per_state = dict(counties.values_list("state").annotate(n=Count("id")).order_by())
    fifty_and_dc = {state: n for state, n in per_state.items() if state not in {"PR", "AS", "GU", "MP", "VI"}}

    assert len(fifty_and_dc) == 51
    assert sum(fifty_and_dc.values()) == 3144
    # Spot checks from the Census county-equivalent counts (CT: the 9 planning regions).
    assert (per_state["TX"], per_state["VA"], per_state["CT"], per_state["AK"]) == (254, 133, 9, 30)


def test_a_point_inside_every_county_is_assigned_to_that_county():
    counties = list(District.objects.current().filter(chamber="county").values_list("geoid", "geometry"))
    points = [(geometry.point_on_surface.y, geometry.point_on_surface.x) for _geoid, geometry in counties]

    found = districts_for_points(points)

    wrong = {geoid: f["county"] and f["county"]["geoid"] for (geoid, _g), f in zip(counties, found, strict=True)}
    wrong = {geoid: got for geoid, got in wrong.items() if got != geoid}
    assert len(counties) == 3233
    # Falls Church collapsed to zero area in the generalised file: its point lies on a neighbour's edge.
    assert set(wrong) == {"51610"}
    assert wrong["51610"] in {"51013", "51059"}


@pytest.mark.parametrize(
    ("point", "geoid", "name", "kind", "ocd_id"),
    [
        ((44.4759, -73.2121), "50007", "Chittenden", "county", "ocd-division/country:us/state:vt/county:chittenden"),
        ((29.9511, -90.0715), "22071", "Orleans", "county", "ocd-division/country:us/state:la/parish:orleans"),
        ((39.2904, -76.6122), "24510", "Baltimore", "city", "ocd-division/country:us/state:md/place:baltimore"),
        ((38.9072, -77.0369), "11001", "District of Columbia", "county", "ocd-division/country:us/district:dc"),
    ],
)
def test_real_counties_are_looked_up_with_their_type_and_ocd_id(api_client, point, geoid, name, kind, ocd_id):
    county = local(api_client, point)["county"]

    assert (county["geoid"], county["name"], county["type"], county["ocd_id"]) == (geoid, name, kind, ocd_id)

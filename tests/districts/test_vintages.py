"""Several district maps side by side: a new vintage is loaded beside the current one.

Synthetic GeoJSON layers (made-up squares) stand in for a redrawn 120th-Congress
map and a 2026 legislative map; every load happens inside the test's transaction.
"""

import pytest
from django.core.management.base import CommandError

from districts.models import BoundarySet, District, Resolution

from .conftest import NY_FILES, cd_properties, feature, lookup, run_command, square, write_geojson

pytestmark = pytest.mark.django_db

MONTPELIER = (44.26, -72.575)  # inside the made-up VT-01 square
BURLINGTON_EAST = (44.26, -72.3)  # inside the made-up VT-02 square
CASPER = (42.85, -106.3)  # inside the made-up WY square
EMPIRE_STATE = (40.7484, -73.9857)


def cd120_features() -> list[dict]:
    """A made-up 120th-Congress plan: Vermont split in two, a redrawn Wyoming at-large district."""
    wyoming = cd_properties("56", "00", name="Congressional District (at Large)") | {"LSAD": "C1"}
    return [
        feature(cd_properties("50", "01"), square(-73.0, 44.0, 0.5)),
        feature(cd_properties("50", "02"), square(-72.5, 44.0, 0.5)),
        feature(wyoming, square(-107.0, 42.5, 1.0)),
    ]


@pytest.fixture
def cd120_file(tmp_path):
    return write_geojson(tmp_path / "us_cd120_redrawn.geojson", cd120_features())


def cd119_district_count() -> int:
    return District.objects.filter(boundary_set__vintage="CD119").count()


def test_a_new_congress_is_loaded_beside_the_current_one_but_not_used(api_client, cd120_file):
    before = lookup(api_client, *MONTPELIER)
    cd119_count = cd119_district_count()

    output = run_command("load_districts", cd120_file)

    assert "cd CD120 us_cd120_redrawn.geojson" in output
    assert "not current" in output
    cd120 = BoundarySet.objects.get(chamber="cd", vintage="CD120")
    assert cd120.is_current is False
    assert cd120.resolution == Resolution.SIMPLIFIED
    assert cd120.states == ["VT", "WY"]
    assert sorted(District.objects.vintage("cd", "CD120").values_list("geoid", flat=True)) == ["5001", "5002", "5600"]
    assert set(BoundarySet.objects.filter(chamber="cd", is_current=True).values_list("vintage", flat=True)) == {"CD119"}
    assert cd119_district_count() == cd119_count
    assert lookup(api_client, *MONTPELIER) == before
    assert before["cd"]["geoid"] == "5000"


def test_make_current_switches_lookups_to_the_new_congress_and_keeps_the_old_one(api_client, cd120_file):
    cd119_count = cd119_district_count()
    legislatures = lookup(api_client, *MONTPELIER)

    output = run_command("load_districts", cd120_file, "--make-current")

    assert "cd CD120" in output
    assert "(simplified, current)" in output
    montpelier = lookup(api_client, *MONTPELIER)
    assert montpelier["cd"]["geoid"] == "5001"
    assert montpelier["cd"]["ocd_id"] == "ocd-division/country:us/state:vt/cd:1"
    assert montpelier["cd"]["name"] == "Vermont Congressional District 1"
    assert lookup(api_client, *BURLINGTON_EAST)["cd"]["geoid"] == "5002"
    casper = lookup(api_client, *CASPER)["cd"]
    assert (casper["geoid"], casper["ocd_id"]) == ("5600", "ocd-division/country:us/state:wy/cd:at-large")
    # State legislatures keep their own current map.
    assert (montpelier["sldu"], montpelier["sldl"]) == (legislatures["sldu"], legislatures["sldl"])
    # The 119th-Congress map is still loaded, just no longer current.
    assert cd119_district_count() == cd119_count
    assert not BoundarySet.objects.filter(chamber="cd", vintage="CD119", is_current=True).exists()
    assert BoundarySet.objects.get(chamber="cd", vintage="CD120").is_current


def test_make_current_on_an_already_loaded_file_switches_without_reloading(api_client, cd120_file, boundaries_dir):
    run_command("load_districts", cd120_file)
    ids = sorted(District.objects.vintage("cd", "CD120").values_list("pk", flat=True))

    output = run_command("load_districts", cd120_file, "--make-current")

    assert "unchanged" in output
    assert sorted(District.objects.vintage("cd", "CD120").values_list("pk", flat=True)) == ids
    assert lookup(api_client, *MONTPELIER)["cd"]["geoid"] == "5001"

    # And back: making any CD119 file current again restores the 119th-Congress map.
    output = run_command("load_districts", boundaries_dir / NY_FILES["cd"], "--make-current")

    assert "unchanged" in output
    assert lookup(api_client, *MONTPELIER)["cd"]["geoid"] == "5000"
    assert lookup(api_client, *EMPIRE_STATE)["cd"]["geoid"] == "3612"
    assert set(BoundarySet.objects.filter(chamber="cd", is_current=True).values_list("vintage", flat=True)) == {"CD119"}
    assert District.objects.vintage("cd", "CD120").count() == 3


def test_a_finer_file_of_the_new_vintage_supersedes_the_coarse_one_for_its_state_only(tmp_path):
    coarse = write_geojson(tmp_path / "cb_2026_us_cd120_20m.geojson", cd120_features())
    vermont_full = write_geojson(
        tmp_path / "tl_2026_50_cd120.geojson",
        [
            feature(cd_properties("50", "01"), square(-73.2, 43.8, 0.7)),
            feature(cd_properties("50", "02"), square(-72.5, 43.8, 0.7)),
        ],
    )
    run_command("load_districts", coarse)
    run_command("load_districts", vermont_full)

    cd120 = District.objects.vintage("cd", "CD120")
    assert sorted(cd120.values_list("geoid", "boundary_set__resolution")) == [
        ("5001", Resolution.FULL),
        ("5002", Resolution.FULL),
        ("5600", Resolution.CB_20M),
    ]
    assert District.objects.filter(boundary_set__name=coarse.name, superseded=True).count() == 2
    # The 119th-Congress map is untouched: its NY districts are still the full-resolution ones.
    ny = District.objects.vintage("cd", "CD119").filter(state="NY")
    assert set(ny.values_list("boundary_set__resolution", flat=True)) == {Resolution.FULL}


def test_a_new_legislative_session_map_is_loaded_beside_the_current_one(api_client, tmp_path):
    senate = {
        "STATEFP": "50",
        "SLDUST": "WAS",
        "GEOID": "50WAS",
        "NAMELSAD": "Washington-Orange Senatorial District",
        "LSAD": "LU",
        "LSY": "2026",
        "MTFCC": "G5210",
    }
    path = write_geojson(tmp_path / "vt_sldu_2026.geojson", [feature(senate, square(-73.0, 44.0, 1.0))])
    before = lookup(api_client, *MONTPELIER)

    run_command("load_districts", path)

    assert BoundarySet.objects.get(chamber="sldu", vintage="2026").is_current is False
    assert lookup(api_client, *MONTPELIER) == before

    run_command("load_districts", path, "--make-current")

    found = lookup(api_client, *MONTPELIER)
    assert found["sldu"]["ocd_id"] == "ocd-division/country:us/state:vt/sldu:washington-orange"
    assert found["cd"] == before["cd"]
    assert found["sldl"] == before["sldl"]


@pytest.mark.parametrize(("states", "expected"), [("VT", ["VT"]), ("wy", ["WY"]), ("vt, WY", ["VT", "WY"])])
def test_states_option_loads_only_the_named_states(cd120_file, states, expected):
    output = run_command("load_districts", cd120_file, "--states", states)

    cd120 = BoundarySet.objects.get(chamber="cd", vintage="CD120")
    assert cd120.states == expected
    assert sorted(set(cd120.districts.values_list("state", flat=True))) == expected
    assert f"in {len(expected)} states" in output


def test_states_option_naming_no_state_in_the_file_loads_nothing(cd120_file):
    with pytest.raises(CommandError) as excinfo:
        run_command("load_districts", cd120_file, "--states", "NY")

    assert str(cd120_file) in str(excinfo.value)
    assert "no districts for the states NY" in str(excinfo.value)
    assert not BoundarySet.objects.filter(vintage="CD120").exists()


def test_resolution_option_overrides_the_guess_from_the_file_name(cd120_file):
    run_command("load_districts", cd120_file, "--resolution", "500k")

    assert BoundarySet.objects.get(chamber="cd", vintage="CD120").resolution == Resolution.CB_500K


def test_state_filtered_load_beside_the_whole_file_keeps_both_sets(cd120_file):
    run_command("load_districts", cd120_file)
    run_command("load_districts", cd120_file, "--states", "VT")

    sets = BoundarySet.objects.filter(chamber="cd", vintage="CD120")
    assert sorted(sets.values_list("name", flat=True)) == [cd120_file.name, f"{cd120_file.name} [VT]"]
    visible = District.objects.filter(boundary_set__in=sets, superseded=False)
    # Wyoming still comes from the whole file; Vermont's districts come from one set only.
    by_state = {
        state: set(visible.filter(state=state).values_list("boundary_set__name", flat=True)) for state in ("VT", "WY")
    }
    assert by_state == {"VT": {f"{cd120_file.name} [VT]"}, "WY": {cd120_file.name}}
    assert (
        visible.filter(state="VT").count()
        == District.objects.filter(boundary_set__name=cd120_file.name, state="VT").count()
    )

"""Loading the real full-resolution New York TIGER/Line files (loaded once per session)."""

import pytest

from districts.models import BoundarySet, District, Resolution

from .conftest import NY_FILES, run_command

pytestmark = pytest.mark.django_db

NY_COUNTS = {"cd": 26, "sldu": 63, "sldl": 150}
NY_VINTAGES = {"cd": "CD119", "sldu": "2024", "sldl": "2024"}
# New York's bounding box (TIGER/Line includes its waters) in WGS 84 longitude/latitude, with slack.
NY_LNG = (-79.8, -71.7)
NY_LAT = (40.4, 45.1)


def ny_set(chamber: str) -> BoundarySet:
    return BoundarySet.objects.get(chamber=chamber, name=NY_FILES[chamber].rsplit("/", 1)[1])


@pytest.mark.parametrize("chamber", ["cd", "sldu", "sldl"])
def test_new_york_full_resolution_set_has_every_district_of_the_chamber(chamber):
    boundary_set = ny_set(chamber)

    assert boundary_set.districts.count() == NY_COUNTS[chamber]
    assert boundary_set.vintage == NY_VINTAGES[chamber]
    assert boundary_set.resolution == Resolution.FULL
    assert boundary_set.states == ["NY"]
    assert boundary_set.is_current
    assert not boundary_set.districts.filter(superseded=True).exists()
    assert not boundary_set.districts.filter(is_placeholder=True).exists()
    assert set(boundary_set.districts.values_list("state", flat=True)) == {"NY"}


@pytest.mark.parametrize("chamber", ["cd", "sldu", "sldl"])
def test_new_york_geometries_are_reprojected_to_wgs84_lon_lat(chamber):
    for district in ny_set(chamber).districts.all():
        assert district.geometry.srid == 4326
        assert district.geometry.valid, district.geoid
        min_lng, min_lat, max_lng, max_lat = district.geometry.extent
        assert NY_LNG[0] < min_lng <= max_lng < NY_LNG[1], district.geoid
        assert NY_LAT[0] < min_lat <= max_lat < NY_LAT[1], district.geoid
        # The Census internal point lies inside its district.
        assert district.geometry.intersects(district.internal_point), district.geoid


def test_new_york_districts_get_ocd_ids_names_and_raw_census_attributes():
    assembly_75 = District.objects.get(boundary_set=ny_set("sldl"), geoid="36075")

    assert assembly_75.ocd_id == "ocd-division/country:us/state:ny/sldl:75"
    assert assembly_75.name == "New York Assembly District 75"
    assert assembly_75.code == "075"
    assert assembly_75.state_fips == "36"
    assert assembly_75.attributes["GEOID"] == "36075"
    assert assembly_75.attributes["SLDLST"] == "075"
    assert assembly_75.attributes["MTFCC"] == "G5220"
    assert assembly_75.attributes["LSY"] == "2024"
    assert {"INTPTLAT", "INTPTLON", "ALAND", "AWATER", "NAMELSAD"} <= set(assembly_75.attributes)

    ny_12 = District.objects.get(boundary_set=ny_set("cd"), geoid="3612")
    assert ny_12.ocd_id == "ocd-division/country:us/state:ny/cd:12"
    assert ny_12.voting
    assert ny_12.attributes["CD119FP"] == "12"

    senate_28 = District.objects.get(boundary_set=ny_set("sldu"), geoid="36028")
    assert senate_28.ocd_id == "ocd-division/country:us/state:ny/sldu:28"
    assert senate_28.attributes["SLDUST"] == "028"


def test_new_york_ocd_ids_are_unique_per_chamber():
    for chamber in NY_COUNTS:
        ids = list(ny_set(chamber).districts.values_list("ocd_id", flat=True))
        assert len(set(ids)) == len(ids) == NY_COUNTS[chamber]


def _snapshot():
    sets = {bs.pk: (bs.checksum, bs.loaded_at, bs.is_current) for bs in BoundarySet.objects.all()}
    districts = set(District.objects.values_list("pk", "boundary_set_id", "geoid", "superseded"))
    return sets, districts


@pytest.mark.parametrize("chamber", ["cd", "sldu", "sldl"])
def test_reloading_an_unchanged_file_reports_unchanged_and_changes_nothing(boundaries_dir, chamber):
    before = _snapshot()

    output = run_command("load_districts", boundaries_dir / NY_FILES[chamber])

    assert "unchanged" in output
    assert NY_VINTAGES[chamber] in output
    assert _snapshot() == before


def test_reloading_the_whole_data_directory_changes_nothing(boundaries_dir):
    before = _snapshot()

    output = run_command("load_districts", boundaries_dir)

    # 7 sets of boundaries/, and the generalised counties of local/ beside them.
    assert output.count("unchanged") == len(before[0]) - 1 == 7
    assert _snapshot() == before


def test_state_filtered_reload_is_a_set_of_its_own_and_never_duplicates_districts(boundaries_dir):
    whole = ny_set("sldl")

    output = run_command("load_districts", boundaries_dir / NY_FILES["sldl"], "--states", "ny")

    assert "tl_2024_36_sldl.zip [NY]" in output and "loaded" in output
    filtered = BoundarySet.objects.get(chamber="sldl", name="tl_2024_36_sldl.zip [NY]")
    assert filtered.checksum != whole.checksum
    assert BoundarySet.objects.filter(pk=whole.pk).exists()  # the whole file's set is untouched
    current_ny = District.objects.current().filter(chamber="sldl", state="NY")
    assert current_ny.count() == 150
    # Same resolution: the newer load serves New York, once.
    assert set(current_ny.values_list("boundary_set_id", flat=True)) == {filtered.pk}

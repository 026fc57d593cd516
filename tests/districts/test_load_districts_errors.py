"""``load_districts`` refuses bad sources with a message naming the file, and keeps what was loaded."""

import gzip
import os
import zipfile

import pytest
from django.core.management.base import CommandError

from districts.models import BoundarySet, District

from .conftest import cd_properties, feature, run_command, square, write_geojson

pytestmark = pytest.mark.django_db


def loaded_state():
    """Everything a failed load must leave as it was."""
    return (
        sorted(BoundarySet.objects.values_list("pk", "name", "checksum", "loaded_at", "is_current")),
        District.objects.count(),
        District.objects.current().countable().count(),
        sorted(District.objects.filter(superseded=True).values_list("pk", flat=True)),
    )


@pytest.fixture
def unchanged_districts():
    before = loaded_state()
    assert before[2] == 437 + 1942 + 4833 + 3233  # chambers, and the generalised counties
    yield
    assert loaded_state() == before


def load_fails(*args, **options) -> str:
    with pytest.raises(CommandError) as excinfo:
        run_command("load_districts", *args, **options)
    return str(excinfo.value)


def test_random_bytes_named_zip_are_not_a_zip(tmp_path, unchanged_districts):
    path = tmp_path / "tl_2024_50_sldu.zip"
    path.write_bytes(os.urandom(4096))

    message = load_fails(path)

    assert str(path) in message
    assert "not a valid zip file" in message


def test_zip_without_a_shapefile_is_refused(tmp_path, unchanged_districts):
    path = tmp_path / "tl_2024_50_sldl.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("tl_2024_50_sldl.dbf", b"not really")
        zf.writestr("README.txt", "no shapes here")

    message = load_fails(path)

    assert str(path) in message
    assert "no shapefile" in message


def test_zip_with_a_broken_shapefile_is_refused(tmp_path, unchanged_districts):
    path = tmp_path / "tl_2024_50_sldl.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("tl_2024_50_sldl.shp", os.urandom(512))

    message = load_fails(path)

    assert str(path) in message
    assert "GDAL cannot read it" in message


def test_census_tract_layer_is_not_a_district_layer(tmp_path, unchanged_districts):
    tract = {
        "STATEFP": "50",
        "COUNTYFP": "023",
        "TRACTCE": "954500",
        "GEOID": "50023954500",
        "NAME": "9545",
        "NAMELSAD": "Census Tract 9545",
        "MTFCC": "G5020",
    }
    path = write_geojson(tmp_path / "tl_2024_50_tract.geojson", [feature(tract, square(-72.8, 44.1, 0.4))])

    message = load_fails(path)

    assert str(path) in message
    assert "G5020" in message
    assert "not a district or local government layer" in message


def test_layer_without_mtfcc_or_district_code_is_not_a_district_layer(tmp_path, unchanged_districts):
    tract = {"STATEFP": "50", "TRACTCE": "954500", "GEOID": "50023954500", "NAMELSAD": "Census Tract 9545"}
    path = write_geojson(tmp_path / "tracts.geojson", [feature(tract, square(-72.8, 44.1, 0.4))])

    message = load_fails(path)

    assert str(path) in message
    assert "not a district layer" in message


def test_county_layer_without_a_release_year_is_refused(tmp_path, unchanged_districts):
    county = {"STATEFP": "50", "COUNTYFP": "023", "GEOID": "50023", "NAME": "Washington"}
    path = write_geojson(tmp_path / "counties.geojson", [feature(county, square(-72.8, 44.1, 0.4))])

    message = load_fails(path)

    assert str(path) in message
    assert "cannot tell the Census release year of a county layer" in message


def test_district_layer_missing_attributes_is_refused(tmp_path, unchanged_districts):
    senate = {"STATEFP": "50", "SLDUST": "WAS", "MTFCC": "G5210", "LSY": "2024"}  # no GEOID, no NAMELSAD
    path = write_geojson(tmp_path / "vt_senate.geojson", [feature(senate, square(-72.8, 44.1, 0.4))])

    message = load_fails(path)

    assert str(path) in message
    assert "missing attribute(s) GEOID, NAMELSAD" in message


def test_district_layer_missing_its_code_attribute_is_refused(tmp_path, unchanged_districts):
    house = {"STATEFP": "50", "GEOID": "50WA4", "NAMELSAD": "Washington-4 State House District", "MTFCC": "G5220"}
    path = write_geojson(tmp_path / "vt_house.geojson", [feature(house, square(-72.8, 44.1, 0.4))])

    message = load_fails(path)

    assert str(path) in message
    assert "missing its district code attribute" in message


def test_a_bad_feature_late_in_the_file_loads_nothing_of_it(tmp_path, unchanged_districts):
    good = cd_properties("50", "01")
    bad = cd_properties("99", "01")  # no such state
    path = write_geojson(
        tmp_path / "cd120_bad_state.geojson",
        [feature(good, square(-73.0, 43.5, 0.5)), feature(bad, square(-72.5, 43.5, 0.5))],
    )

    message = load_fails(path)

    assert str(path) in message
    assert "unknown STATEFP '99'" in message
    assert not BoundarySet.objects.filter(name=path.name).exists()


def test_a_district_that_is_not_a_polygon_is_refused(tmp_path, unchanged_districts):
    path = write_geojson(
        tmp_path / "cd120_points.geojson",
        [feature(cd_properties("50", "01"), [-72.5, 44.0], geometry_type="Point")],
    )

    message = load_fails(path)

    assert str(path) in message
    assert "not a polygon" in message
    assert not BoundarySet.objects.filter(name=path.name).exists()


def test_truncated_gzip_geojson_is_refused(tmp_path, unchanged_districts):
    path = tmp_path / "us_sldu_broken.geojson.gz"
    path.write_bytes(gzip.compress(b'{"type": "FeatureCollection", "features": [{"type": "Feature", "prop')[:40])

    message = load_fails(path)

    assert str(path) in message
    assert "GDAL cannot read it" in message


def test_empty_feature_collection_is_refused(tmp_path, unchanged_districts):
    path = write_geojson(tmp_path / "empty.geojson", [])

    message = load_fails(path)

    assert str(path) in message
    assert "no features" in message


def test_nonexistent_path_is_refused(tmp_path, unchanged_districts):
    path = tmp_path / "nowhere" / "tl_2024_36_sldl.zip"

    message = load_fails(path)

    assert str(path) in message
    assert "no such file or directory" in message


def test_unsupported_file_type_is_refused(tmp_path, unchanged_districts):
    path = tmp_path / "districts.csv"
    path.write_text("geoid\n3612\n")

    message = load_fails(path)

    assert str(path) in message
    assert "unsupported file type" in message


def test_directory_without_boundary_files_is_refused(tmp_path, unchanged_districts):
    (tmp_path / "notes.txt").write_text("nothing to load")

    message = load_fails(tmp_path)

    assert str(tmp_path) in message
    assert "no shapefile zip or GeoJSON" in message


def test_unreachable_url_is_refused_and_caches_nothing(tmp_path, settings, unchanged_districts):
    settings.DISTRICTS_CACHE_DIR = tmp_path / "cache"
    url = "https://127.0.0.1:9/x.zip"

    message = load_fails(url)

    assert url in message
    assert "download failed" in message
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def test_plain_http_url_is_refused_except_on_this_machine(tmp_path, settings, unchanged_districts):
    settings.DISTRICTS_CACHE_DIR = tmp_path / "cache"
    url = "http://www2.census.gov/geo/tiger/TIGER2024/CD/tl_2024_us_cd119.zip"

    message = load_fails(url)

    assert url in message
    assert "only https:// URLs (or http:// on this machine)" in message
    # On loopback plain http is fetched (a test server, a local mirror): here nobody answers.
    assert "download failed" in load_fails("http://127.0.0.1:9/x.zip")


def test_no_source_at_all_is_refused(unchanged_districts):
    message = load_fails()

    assert "at least one source" in message


def test_one_bad_file_among_good_ones_names_the_bad_file(tmp_path, boundaries_dir, unchanged_districts):
    bad = tmp_path / "tl_2024_50_sldu.zip"
    bad.write_bytes(b"PK\x03\x04 truncated")

    message = load_fails(boundaries_dir / "tiger2024_full_resolution" / "tl_2024_36_sldu.zip", bad)

    assert str(bad) in message
    assert "not a valid zip file" in message

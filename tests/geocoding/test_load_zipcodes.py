"""load_zipcodes: the shared ZIP files into the ZipCode table."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from districts.models import ZipCode
from districts.zipcodes import CENTROIDS_FILE, ZCTA_CD_FILE, cd_geoid, zip_lookup

CENTROID_HEADER = "zip_code,zip_code_type,active,state,city,county,lat,long,timezone\n"
ZCTA_HEADER = "state_fips,state_abbr,zcta,cd\n"


def write_zip_dir(directory: Path, centroids: str, zcta: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CENTROIDS_FILE).write_text(centroids)
    (directory / ZCTA_CD_FILE).write_text(zcta)
    return directory


def test_loads_every_zip_of_the_shared_data(zipcodes):
    assert zipcodes == 42_789
    assert ZipCode.objects.count() == 42_789
    assert ZipCode.objects.filter(active=True).count() == 41_749


def test_split_zip_maps_to_several_districts(zipcodes):
    zip_code = ZipCode.objects.get(zip="35005")
    assert zip_code.state == "AL"
    assert zip_code.cd_geoids == ["0106", "0107"]
    assert zip_code.is_ambiguous


@pytest.mark.parametrize(
    ("zip_code", "state", "cd_geoids"),
    [
        ("78701", "TX", ["4837"]),  # Texas Capitol, TX-37
        ("10001", "NY", ["3610", "3612"]),
        ("82001", "WY", ["5600"]),  # at large: cd 0 -> 00
        ("20001", "DC", ["1198"]),  # DC delegate: Census code 98, as in the boundary files
        ("00501", "NY", []),  # IRS Holtsville: a unique ZIP with no ZCTA
    ],
)
def test_districts_and_states(zipcodes, zip_code, state, cd_geoids):
    row = zip_lookup(zip_code)
    assert (row.state, row.cd_geoids) == (state, cd_geoids)
    assert row.is_ambiguous is (len(cd_geoids) > 1)


def test_centroid_is_lng_lat(zipcodes):
    point = ZipCode.objects.get(zip="00601").point  # 00601,STANDARD,True,PR,Adjuntas,...,18.1967,-66.7367
    assert (point.srid, point.y, point.x) == (4326, 18.1967, -66.7367)


def test_zip_lookup_accepts_zip_plus_four_and_rejects_junk(zipcodes):
    assert zip_lookup(" 10001-1234 ").zip == "10001"
    assert zip_lookup("00000") is None
    assert zip_lookup("1000") is None
    assert zip_lookup("") is None


def test_rerun_changes_nothing(zipcodes):
    before = list(ZipCode.objects.order_by("zip").values_list("zip", "state", "city", "cd_geoids", "active")[:500])
    out = StringIO()
    call_command("load_zipcodes", stdout=out)
    assert "created 0, updated 0, deleted 0, unchanged 42789" in out.getvalue()
    assert "ZIP codes unchanged" in out.getvalue()
    after = list(ZipCode.objects.order_by("zip").values_list("zip", "state", "city", "cd_geoids", "active")[:500])
    assert before == after
    assert ZipCode.objects.count() == 42_789


def test_sync_creates_updates_and_deletes(db, tmp_path, django_capture_on_commit_callbacks):
    directory = write_zip_dir(
        tmp_path / "zip",
        CENTROID_HEADER
        + "10001,STANDARD,True,NY,New York,New York County,40.7484,-73.9967,America/New_York\n"
        + "82001,STANDARD,True,WY,Cheyenne,Laramie County,41.1400,-104.7900,America/Denver\n",
        ZCTA_HEADER + "36,NY,10001,10\n36,NY,10001,12\n56,WY,82001,0\n",
    )
    ZipCode.objects.all().delete()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_zipcodes", str(directory), stdout=out)
    assert "created 2, updated 0, deleted 0, unchanged 0" in out.getvalue()
    assert ZipCode.objects.get(zip="10001").cd_geoids == ["3610", "3612"]
    assert zip_lookup("82001").city == "Cheyenne"

    write_zip_dir(
        directory,
        CENTROID_HEADER + "10001,STANDARD,False,NY,New York,New York County,40.7484,-73.9967,America/New_York\n",
        ZCTA_HEADER + "36,NY,10001,12\n",
    )
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_zipcodes", str(directory), stdout=out)
    assert "created 0, updated 1, deleted 1, unchanged 0" in out.getvalue()
    row = ZipCode.objects.get()
    assert (row.zip, row.active, row.cd_geoids, row.is_ambiguous) == ("10001", False, ["3612"], False)
    # The loading process answers from the new rows at once, although it remembers ZIP codes.
    assert zip_lookup("10001").active is False
    assert zip_lookup("82001") is None


def test_default_directory_is_the_shared_data(settings):
    assert Path(settings.DISTRICTS_DATA_DIR, "zip", CENTROIDS_FILE).is_file()


def test_missing_directory(db, tmp_path):
    with pytest.raises(CommandError, match="no-such-dir: no such directory"):
        call_command("load_zipcodes", str(tmp_path / "no-such-dir"), stdout=StringIO())


def test_missing_file_is_named(db, tmp_path):
    (tmp_path / CENTROIDS_FILE).write_text(CENTROID_HEADER)
    with pytest.raises(CommandError, match=ZCTA_CD_FILE):
        call_command("load_zipcodes", str(tmp_path), stdout=StringIO())


def test_bad_columns_are_named(db, tmp_path):
    write_zip_dir(tmp_path, "zip,state,city\n10001,NY,New York\n", ZCTA_HEADER)
    with pytest.raises(CommandError, match=rf"{CENTROIDS_FILE}: missing column\(s\) active, lat, long, zip_code"):
        call_command("load_zipcodes", str(tmp_path), stdout=StringIO())


def test_bad_value_names_file_and_line(db, tmp_path):
    write_zip_dir(
        tmp_path,
        CENTROID_HEADER + "10001,STANDARD,True,NY,New York,New York County,north,-73.9967,America/New_York\n",
        ZCTA_HEADER,
    )
    with pytest.raises(CommandError, match=rf"{CENTROIDS_FILE}, line 2"):
        call_command("load_zipcodes", str(tmp_path), stdout=StringIO())


def test_failed_load_leaves_the_table_alone(zipcodes, tmp_path):
    write_zip_dir(tmp_path, CENTROID_HEADER, "zcta,cd\n")
    with pytest.raises(CommandError, match=ZCTA_CD_FILE):
        call_command("load_zipcodes", str(tmp_path), stdout=StringIO())
    assert ZipCode.objects.count() == 42_789


def test_cd_geoid():
    assert cd_geoid("36", "12") == "3612"
    assert cd_geoid("01", "7") == "0107"
    assert cd_geoid("56", "0") == "5600"
    assert cd_geoid("72", "0") == "7298"


@pytest.mark.django_db
def test_without_a_data_directory_the_zipcodes_package_supplies_the_centroids(settings):
    settings.DISTRICTS_DATA_DIR = None
    out = StringIO()
    call_command("load_zipcodes", "--from-package", stdout=out)
    assert "zipcodes package: 42789 ZIP codes" in out.getvalue()
    row = ZipCode.objects.get(zip="10001")
    assert (row.state, round(row.point.y, 2), round(row.point.x, 2)) == ("NY", 40.75, -74.0)
    assert row.cd_geoids == []  # the package has no ZIP -> district table

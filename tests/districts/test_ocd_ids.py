"""OCD division IDs of the loaded districts against the Open Civic Data lists."""

import csv

import pytest

from districts.models import District
from districts.ocd import ocd_division_id, ocd_local_id
from districts.selectors import CHAMBERS

pytestmark = pytest.mark.django_db

OCD_LISTS = ("ocd_us_congressional_districts.csv", "ocd_us_sldu.csv", "ocd_us_sldl.csv")

# Current Census districts whose OCD entry carries an end date (validThrough): the
# OCD lists (last edited 2022-2023) are stale there; the IDs themselves are right.
KNOWN_ENDED_IN_OCD = {
    # The 2023 court-ordered North Dakota plan made district 9 whole again;
    # OCD still ends it on 2022-11-30 in favour of subdistricts 9A/9B.
    "ocd-division/country:us/state:nd/sldl:9": "2022-11-30",
    # Kept by Vermont's 2022 House plan; OCD ends it on 2023-01-03.
    "ocd-division/country:us/state:vt/sldl:orange-caledonia": "2023-01-03",
}


@pytest.fixture(scope="module")
def ocd_entries(data_dir) -> dict[str, dict]:
    entries = {}
    for name in OCD_LISTS:
        with (data_dir / "district_lists" / "ocd" / name).open(newline="", encoding="utf-8") as fh:
            entries |= {row["id"]: row for row in csv.DictReader(fh)}
    return entries


def test_every_current_district_has_an_ocd_id_from_the_open_civic_data_lists(ocd_entries):
    current = District.objects.current().countable().filter(chamber__in=CHAMBERS)
    missing = sorted(ocd_id for ocd_id in current.values_list("ocd_id", flat=True) if ocd_id not in ocd_entries)

    assert missing == []


def test_current_districts_are_current_in_open_civic_data_except_known_stale_entries(ocd_entries):
    current = District.objects.current().countable().filter(chamber__in=CHAMBERS).values_list("ocd_id", flat=True)
    ended = {
        ocd_id: ocd_entries[ocd_id]["validThrough"]
        for ocd_id in current
        if ocd_id in ocd_entries and ocd_entries[ocd_id].get("validThrough")
    }

    assert ended == KNOWN_ENDED_IN_OCD


@pytest.mark.parametrize(
    ("geoid", "chamber", "ocd_id"),
    [
        # Vermont names its districts; OCD keeps "Grand Isle" together and writes "Southeast".
        ("50GIC", "sldl", "ocd-division/country:us/state:vt/sldl:grand_isle-chittenden"),
        ("50GRI", "sldu", "ocd-division/country:us/state:vt/sldu:grand_isle"),
        ("50CHS", "sldu", "ocd-division/country:us/state:vt/sldu:chittenden-southeast"),
        ("50WA4", "sldl", "ocd-division/country:us/state:vt/sldl:washington-4"),
        ("25001", "sldl", "ocd-division/country:us/state:ma/sldl:1st_barnstable"),
        ("25D01", "sldu", "ocd-division/country:us/state:ma/sldu:berkshire_hampden_franklin_and_hampshire"),
        ("33001", "sldl", "ocd-division/country:us/state:nh/sldl:belknap_1"),
        ("3804A", "sldl", "ocd-division/country:us/state:nd/sldl:4a"),
    ],
)
def test_named_and_lettered_districts_get_the_open_civic_data_id(ocd_entries, geoid, chamber, ocd_id):
    district = District.objects.current().get(chamber=chamber, geoid=geoid)

    assert district.ocd_id == ocd_id
    assert ocd_id in ocd_entries


@pytest.mark.parametrize("chamber", ["cd", "sldu", "sldl"])
def test_current_ocd_ids_are_unique_within_a_chamber(chamber):
    ids = list(District.objects.current().countable().filter(chamber=chamber).values_list("ocd_id", flat=True))

    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"chamber": "sldl", "state": "NY", "code": "075", "name": "Assembly District 75"}, "state:ny/sldl:75"),
        ({"chamber": "cd", "state": "AK", "code": "00", "name": "x", "at_large": True}, "state:ak/cd:at-large"),
        ({"chamber": "cd", "state": "DC", "code": "98", "name": "x", "at_large": True}, "district:dc/cd:at-large"),
        ({"chamber": "cd", "state": "PR", "code": "98", "name": "x", "at_large": True}, "territory:pr/cd:at-large"),
        ({"chamber": "cd", "state": "CA", "code": "07", "name": "x"}, "state:ca/cd:7"),
        ({"chamber": "sldl", "state": "MD", "code": "01A", "name": "x"}, "state:md/sldl:1a"),
        ({"chamber": "sldu", "state": "AK", "code": "00B", "name": "x"}, "state:ak/sldu:b"),
        (
            {"chamber": "sldl", "state": "VT", "code": "WA4", "name": "Washington-4 State House District"},
            "state:vt/sldl:washington-4",
        ),
        (
            {"chamber": "sldl", "state": "NH", "code": "101", "name": "State House District Belknap 01"},
            "state:nh/sldl:belknap_1",
        ),
        (
            {"chamber": "sldl", "state": "MA", "code": "001", "name": "1st Barnstable District"},
            "state:ma/sldl:1st_barnstable",
        ),
        (
            {"chamber": "sldu", "state": "MA", "code": "D01", "name": "Berkshire-Hampden-Franklin-Hampshire District"},
            "state:ma/sldu:berkshire_hampden_franklin_and_hampshire",
        ),
        (
            {"chamber": "sldl", "state": "VT", "code": "GIC", "name": "Grand Isle-Chittenden State House District"},
            "state:vt/sldl:grand_isle-chittenden",
        ),
    ],
)
def test_ocd_division_id_follows_the_open_civic_data_conventions(kwargs, expected):
    assert ocd_division_id(**kwargs) == f"ocd-division/country:us/{expected}"


@pytest.mark.parametrize(
    ("layer", "state", "name", "kind", "ocd_id"),
    [
        ("county", "AL", "St. Clair", "County", "ocd-division/country:us/state:al/county:st_clair"),
        ("county", "LA", "Orleans", "Parish", "ocd-division/country:us/state:la/parish:orleans"),
        ("county", "AK", "Juneau", "City and Borough", "ocd-division/country:us/state:ak/borough:juneau"),
        # Independent cities are places in OCD, peers of the counties.
        ("county", "VA", "Fairfax", "city", "ocd-division/country:us/state:va/place:fairfax"),
        ("county", "DC", "District of Columbia", "county", "ocd-division/country:us/district:dc"),
        ("place", "AL", "Alexander City", "city", "ocd-division/country:us/state:al/place:alexander_city"),
        ("place", "AL", "Gu-Win", "town", "ocd-division/country:us/state:al/place:gu-win"),
        ("place", "NY", "Coeymans Hollow", "CDP", ""),
        ("cousub", "VT", "Essex", "town", ""),
        ("unsd", "VT", "Burlington School District", "unified school district", ""),
    ],
)
def test_local_units_get_the_open_civic_data_id_where_ocd_defines_one(layer, state, name, kind, ocd_id):
    governing = kind != "CDP"

    assert ocd_local_id(layer=layer, state=state, name=name, kind=kind, governing=governing) == ocd_id

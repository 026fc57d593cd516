"""Every New York district's Census internal point resolves to that district (API and CSV command)."""

import csv
from io import StringIO

import pytest

from districts.models import District

from .conftest import NY_FILES, lookup, run_command

pytestmark = pytest.mark.django_db

CHAMBERS = ["cd", "sldu", "sldl"]
ADDED_COLUMNS = [f"{chamber}_{field}" for chamber in CHAMBERS for field in ("geoid", "ocd_id", "name")] + [
    f"{layer}_{field}"
    for layer in ("county", "cousub", "place", "unsd", "elsd", "scsd")
    for field in ("geoid", "ocd_id", "name", "type")
]


def ny_internal_points() -> list[dict]:
    """One row per full-resolution NY district: chamber, GEOID and the Census INTPTLAT/INTPTLON."""
    names = [path.rsplit("/", 1)[1] for path in NY_FILES.values()]
    districts = District.objects.filter(boundary_set__name__in=names).order_by("chamber", "geoid")
    rows = [
        {
            "chamber": chamber,
            "geoid": geoid,
            "ocd_id": ocd_id,
            "name": name,
            # As published: "+40.8030603", "-073.9471189".
            "lat": float(attributes["INTPTLAT"]),
            "lng": float(attributes["INTPTLON"]),
        }
        for chamber, geoid, ocd_id, name, attributes in districts.values_list(
            "chamber", "geoid", "ocd_id", "name", "attributes"
        )
    ]
    assert len(rows) == 26 + 63 + 150
    return rows


def test_every_new_york_internal_point_resolves_to_its_district_through_the_api(api_client):
    wrong = []
    for point in ny_internal_points():
        found = lookup(api_client, point["lat"], point["lng"])[point["chamber"]]
        if found is None or (found["geoid"], found["ocd_id"], found["name"]) != (
            point["geoid"],
            point["ocd_id"],
            point["name"],
        ):
            wrong.append((point["chamber"], point["geoid"], found))

    assert wrong == []


def test_every_new_york_internal_point_resolves_to_its_district_through_the_csv_command(tmp_path):
    points = ny_internal_points()
    people = tmp_path / "people.csv"
    with people.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["member_id", "lat", "lng"])
        for i, point in enumerate(points):
            writer.writerow([f"m-{i:03d}", repr(point["lat"]), repr(point["lng"])])

    output = run_command("lookup_districts", csv=str(people))

    reader = csv.DictReader(StringIO(output))
    assert reader.fieldnames == ["member_id", "lat", "lng", *ADDED_COLUMNS]
    rows = list(reader)
    assert len(rows) == len(points)
    for i, (row, point) in enumerate(zip(rows, points, strict=True)):
        assert row["member_id"] == f"m-{i:03d}"
        chamber = point["chamber"]
        got = (row[f"{chamber}_geoid"], row[f"{chamber}_ocd_id"], row[f"{chamber}_name"])
        assert got == (point["geoid"], point["ocd_id"], point["name"]), (chamber, point["geoid"])
        # A New York point lies in a New York district of every chamber.
        for other in CHAMBERS:
            assert row[f"{other}_geoid"].startswith("36"), (other, row)

"""CSV exports of the current view: streamed, never cached, with OCD IDs and GEOIDs."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from tests.factories import signup_in
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.django_db


def rows(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_people_export_has_everyone_of_the_view_with_their_districts(ny_client):
    house = current_districts("sldl", "NY")
    runner = signup_in(house[0], wants_to_run=True, offices=["state_house", "us_house"], confirmed_at=timezone.now())
    volunteer = signup_in(house[1], wants_to_run=False, wants_to_volunteer=True, skills=["data", "legal"])

    response = ny_client.get("/organize/export/people.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="people-')
    assert "no-store" in response["Cache-Control"]
    exported = {int(row["id"]): row for row in rows(response)}
    assert set(exported) == {runner.pk, volunteer.pk}
    row = exported[runner.pk]
    assert row["sldl_geoid"] == house[0].geoid
    assert row["sldl_ocd_id"] == house[0].ocd_id
    assert row["sldl_name"] == house[0].name
    assert row["cd_ocd_id"].startswith("ocd-division/country:us/state:ny/cd:")
    assert row["sldu_geoid"].startswith("36")
    assert row["offices"] == "state_house;us_house"
    assert row["wants_to_run"] == "true" and row["wants_to_volunteer"] == "false"
    assert row["confirmed_at"]
    assert exported[volunteer.pk]["skills"] == "data;legal"
    assert exported[volunteer.pk]["confirmed_at"] == ""


def test_people_export_follows_the_filters_and_one_district(ny_client):
    house = current_districts("sldl", "NY")
    confirmed = signup_in(house[0], wants_to_run=True, confirmed_at=timezone.now())
    signup_in(house[0], wants_to_run=True)
    volunteer = signup_in(house[0], wants_to_run=False, wants_to_volunteer=True, confirmed_at=timezone.now())
    signup_in(house[1], wants_to_run=True, confirmed_at=timezone.now())

    def ids(query):
        return sorted(int(row["id"]) for row in rows(ny_client.get("/organize/export/people.csv" + query)))

    district = f"?chamber=sldl&district={house[0].geoid}"
    assert len(ids(district)) == 3
    assert ids(district + "&confirmed=true") == sorted([confirmed.pk, volunteer.pk])
    assert ids(district + "&confirmed=true&kind=run") == [confirmed.pk]
    assert ids("?kind=volunteer") == [volunteer.pk]


def test_a_name_that_looks_like_a_formula_is_not_one(ny_client):
    signup_in(current_districts("sldl", "NY")[0], first_name='=HYPERLINK("http://x")', last_name="+1")

    (row,) = rows(ny_client.get("/organize/export/people.csv"))

    assert row["first_name"] == '\'=HYPERLINK("http://x")'
    assert row["last_name"] == "'+1"


def test_district_export_has_every_district_with_its_counts(ny_client):
    house = current_districts("sldl", "NY")
    signup_in(house[0], wants_to_run=True)
    signup_in(house[0], wants_to_run=False, wants_to_volunteer=True)

    response = ny_client.get("/organize/export/districts.csv?chamber=sldl")

    assert "no-store" in response["Cache-Control"]
    exported = rows(response)
    assert len(exported) == 150
    first = next(row for row in exported if row["geoid"] == house[0].geoid)
    assert first == {
        "chamber": "sldl",
        "vintage": "2024",
        "state": "NY",
        "geoid": house[0].geoid,
        "ocd_id": house[0].ocd_id,
        "name": house[0].name,
        "seats": "1",
        "voting": "true",
        "candidates": "1",
        "filed": "0",
        "volunteers": "1",
        "status": "candidate",
    }
    every_chamber = rows(ny_client.get("/organize/export/districts.csv"))
    assert {row["chamber"] for row in every_chamber} == {"cd", "sldu", "sldl"}
    assert len(every_chamber) == 26 + 63 + 150


def test_bad_export_parameters_are_refused(ny_client):
    assert ny_client.get("/organize/export/districts.csv?chamber=senate").status_code == 400
    assert ny_client.get("/organize/export/people.csv?since=yesterday").status_code == 400

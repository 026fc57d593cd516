"""A New York organizer tries every way to Vermont's people and counts, and gets none."""

import csv
import io

import pytest

from tests.factories import api_key, signup_in
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.django_db

SECRET_NAME = "Vermonter"


@pytest.fixture
def vermont():
    """Vermonters in every Vermont chamber: a runner who also volunteers, and a volunteer."""
    house = current_districts("sldl", "VT")
    runner = signup_in(house[0], first_name=SECRET_NAME, wants_to_run=True, wants_to_volunteer=True)
    volunteer = signup_in(house[1], first_name=SECRET_NAME, wants_to_run=False, wants_to_volunteer=True)
    return {"runner": runner, "volunteer": volunteer, "house": house}


@pytest.fixture
def new_yorker():
    return signup_in(current_districts("sldl", "NY")[0], first_name="Newyorker", wants_to_run=True)


def body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


@pytest.mark.parametrize("state", ["VT", "vt", "Vt"])
def test_another_states_page_is_not_found(ny_client, vermont, state):
    assert ny_client.get(f"/organize/states/{state}/").status_code == 404


def test_another_states_districts_and_people_are_not_found(ny_client, vermont):
    runner = vermont["runner"]
    for chamber in ("cd", "sldu", "sldl"):
        district = getattr(runner, chamber)
        response = ny_client.get(f"/organize/districts/{chamber}/{district.geoid}/")
        assert response.status_code == 404, chamber
        # Filters naming Vermont do not open it either.
        assert ny_client.get(f"/organize/districts/{chamber}/{district.geoid}/?state=VT").status_code == 404
    for signup in (vermont["runner"], vermont["volunteer"]):
        assert ny_client.get(f"/organize/signups/{signup.pk}/").status_code == 404


def test_guessing_sign_up_ids_finds_only_new_yorkers(ny_client, vermont, new_yorker):
    from accounts.models import AuditEvent

    found, refused = [], 0
    ids = [vermont["runner"].pk, vermont["volunteer"].pk, new_yorker.pk]
    # Every id around the real ones (the sequence has moved on through earlier tests).
    guesses = range(max(min(ids) - 20, 0), max(ids) + 20)
    for pk in guesses:
        response = ny_client.get(f"/organize/signups/{pk}/")
        if response.status_code == 200:
            found.append(pk)
        else:
            assert response.status_code == 404
            refused += 1
    assert found == [new_yorker.pk] and refused == len(guesses) - 1
    # The audit log holds the one person shown; a refused guess showed nobody and is no event.
    assert list(AuditEvent.objects.values_list("resource", flat=True)) == [f"signup {new_yorker.pk}"]


@pytest.mark.parametrize(
    "query",
    ["", "?state=VT", "?state=NY,VT", "?state=VT&state=NY", "?kind=run&state=VT", "?confirmed=false&state=vt"],
)
def test_pages_never_show_another_states_people_or_counts(ny_client, vermont, new_yorker, query):
    responses = {
        url: ny_client.get(url + query) for url in ("/organize/", "/organize/activity/", "/organize/states/NY/")
    }
    for url, response in responses.items():
        assert response.status_code == 200, url
        page = body(response)
        assert SECRET_NAME not in page
        assert "Vermont" not in page, url
    # The figures the dashboard was rendered with (asked again, it is served from the cache).
    summary = responses["/organize/"].context["summary"]
    assert [row["state"] for row in summary["states"]] in (["NY"], [])
    assert summary["signups"]["volunteer"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?state=VT",
        "?state=NY,VT",
        "?kind=volunteer",
        "?chamber=sldl&district={sldl}",
        "?chamber=cd&district={cd}&state=VT",
    ],
)
def test_people_export_never_has_another_states_people(ny_client, vermont, new_yorker, query):
    query = query.format(sldl=vermont["runner"].sldl.geoid, cd=vermont["runner"].cd.geoid)
    response = ny_client.get("/organize/export/people.csv" + query)

    if "district=" in query:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    rows = csv_rows(response)
    assert all(row["state"] == "NY" for row in rows)
    assert SECRET_NAME not in body(ny_client.get("/organize/export/people.csv" + query))


@pytest.mark.parametrize("query", ["", "?state=VT", "?chamber=cd&state=VT", "?chamber=sldl"])
def test_district_export_never_has_another_states_districts(ny_client, vermont, query):
    rows = csv_rows(ny_client.get("/organize/export/districts.csv" + query))

    assert {row["state"] for row in rows} <= {"NY"}
    if "VT" in query:
        assert rows == []


def test_the_api_never_answers_with_another_state(ny_organizer, vermont, new_yorker):
    client = api_client(ny_organizer)

    for query in ("", "?state=VT", "?state=NY,VT", "?kind=volunteer&state=VT"):
        data = client.get("/api/v1/coverage/" + query).json()
        assert [row["state"] for row in data["states"]] in (["NY"], []), query
        assert data["signups"]["volunteer"] == 0
    assert client.get("/api/v1/coverage/?state=VT").json() == {
        "signups": {"run": 0, "volunteer": 0},
        "chambers": {
            chamber: {"covered": 0, "total": 0, "percent": None, "filed": 0, "filed_percent": None}
            for chamber in ("cd", "sldu", "sldl")
        },
        "lenses": {
            lens: {"covered": 0, "total": 0, "percent": None, "filed": 0, "filed_percent": None}
            for lens in ("school_board", "council", "county")
        },
        "states": [],
    }
    for chamber in ("cd", "sldu", "sldl", "county"):  # New York has counties loaded (no places, school districts)
        assert client.get(f"/api/v1/coverage/districts/?chamber={chamber}&state=VT").json() == []
        geoids = {row["geoid"] for row in client.get(f"/api/v1/coverage/districts/?chamber={chamber}").json()}
        assert geoids and all(geoid.startswith("36") for geoid in geoids)


def test_an_organizer_without_states_sees_nothing(db, vermont, new_yorker):
    from tests.factories import TotpOrganizerFactory
    from tests.plugins.organizers import client_for

    nobody = TotpOrganizerFactory(states=[])
    client = client_for(nobody)

    summary = client.get("/organize/").context["summary"]
    assert summary["states"] == [] and summary["signups"] == {"run": 0, "volunteer": 0}
    assert csv_rows(client.get("/organize/export/people.csv")) == []
    assert client.get("/organize/states/NY/").status_code == 404
    assert client.get(f"/organize/signups/{new_yorker.pk}/").status_code == 404


def api_client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client

"""GET /api/v1/coverage/ and /api/v1/coverage/districts/: token authentication, the dashboard's filters."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import OrganizerFactory, api_key, signup_in
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(ny_organizer) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(ny_organizer)}")
    return client


def test_coverage_shape_and_numbers(api):
    house = current_districts("sldl", "NY")
    for district in house[:3]:
        signup_in(district, wants_to_run=True)
    signup_in(house[3], wants_to_run=False, wants_to_volunteer=True, confirmed_at=timezone.now())

    response = api.get("/api/v1/coverage/")

    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"signups", "chambers", "lenses", "states"}
    assert data["signups"] == {"run": 3, "volunteer": 1}
    assert data["chambers"]["sldl"] == {"covered": 3, "total": 150, "percent": 2.0, "filed": 0, "filed_percent": 0.0}
    assert set(data["chambers"]) == {"cd", "sldu", "sldl"}
    assert data["chambers"]["sldu"]["total"] == 63 and data["chambers"]["cd"]["total"] == 26
    assert data["states"] == [{"state": "NY", **data["chambers"], "lenses": data["lenses"]}]
    assert data["lenses"]["county"]["total"] == 62  # New York's counties, from the Census county file
    assert "no-store" in response["Cache-Control"]

    confirmed = api.get("/api/v1/coverage/?confirmed=true").json()
    assert confirmed["signups"] == {"run": 0, "volunteer": 1}
    assert confirmed["chambers"]["sldl"]["covered"] == 0


def test_districts_of_a_chamber_with_counts(api):
    house = current_districts("sldl", "NY")
    signup_in(house[0], wants_to_run=True)
    signup_in(house[0], wants_to_run=False, wants_to_volunteer=True)

    response = api.get("/api/v1/coverage/districts/?chamber=sldl&state=NY")

    assert response.status_code == 200
    data = response.json()
    assert len(data) == 150
    assert data[0] == {
        "layer": "sldl",
        "state": "NY",
        "geoid": house[0].geoid,
        "ocd_id": house[0].ocd_id,
        "name": house[0].name,
        "candidates": 1,
        "filed": 0,
        "volunteers": 1,
        "status": "candidate",
    }
    assert all(row["candidates"] == 0 for row in data[1:])


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/api/v1/coverage/?kind=all", {"kind"}),
        ("/api/v1/coverage/?state=XX&since=tomorrow", {"state", "since"}),
        ("/api/v1/coverage/?vintage=CD999", {"vintage"}),
        ("/api/v1/coverage/districts/", {"chamber"}),
        ("/api/v1/coverage/districts/?chamber=house", {"chamber"}),
        ("/api/v1/coverage/districts/?chamber=sldl&confirmed=perhaps", {"confirmed"}),
    ],
)
def test_bad_parameters_answer_400_with_the_errors(api, url, fields):
    response = api.get(url)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields


def test_without_a_valid_token_nothing(ny_organizer):
    anonymous = APIClient()
    assert anonymous.get("/api/v1/coverage/").status_code == 401
    assert anonymous.get("/api/v1/coverage/districts/?chamber=sldl").status_code == 401
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert anonymous.get("/api/v1/coverage/").status_code == 401


def test_the_schema_documents_both_endpoints(client):
    schema = client.get("/api/v1/schema/?format=json").json()

    assert "/api/v1/coverage/" in schema["paths"]
    assert "/api/v1/coverage/districts/" in schema["paths"]


def test_a_token_of_an_organizer_without_states_sees_nothing(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(OrganizerFactory(states=[]))}")
    signup_in(current_districts("sldl", "NY")[0], wants_to_run=True)

    assert client.get("/api/v1/coverage/").json()["signups"] == {"run": 0, "volunteer": 0}
    assert client.get("/api/v1/coverage/districts/?chamber=sldl").json() == []

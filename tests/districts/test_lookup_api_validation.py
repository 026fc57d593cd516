"""The lookup API rejects bad coordinates with 400 and a per-field error body, never a 500."""

import pytest

from .conftest import LOOKUP_URL

pytestmark = pytest.mark.django_db

EMPIRE_STATE = {"lat": "40.7484", "lng": "-73.9857"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lng": "-73.9857"}, "lat"),
        ({"lat": "40.7484"}, "lng"),
        ({"lat": "abc", "lng": "-73.9857"}, "lat"),
        ({"lat": "40.7484", "lng": "abc"}, "lng"),
        ({"lat": "91", "lng": "-73.9857"}, "lat"),
        ({"lat": "-90.0001", "lng": "-73.9857"}, "lat"),
        ({"lat": "40.7484", "lng": "-181"}, "lng"),
        ({"lat": "40.7484", "lng": "180.5"}, "lng"),
        ({"lat": "nan", "lng": "-73.9857"}, "lat"),
        ({"lat": "40.7484", "lng": "NaN"}, "lng"),
        ({"lat": "inf", "lng": "-73.9857"}, "lat"),
        ({"lat": "40.7484", "lng": "-Infinity"}, "lng"),
        ({"lat": "", "lng": "-73.9857"}, "lat"),
        ({"lat": "40.7484", "lng": ""}, "lng"),
        ({"lat": "1e400", "lng": "-73.9857"}, "lat"),
        ({"lat": "40.7484,1", "lng": "-73.9857"}, "lat"),
        ({"lat": "9" * 2000, "lng": "-73.9857"}, "lat"),
    ],
)
def test_bad_coordinates_answer_400_naming_the_field(api_client, params, field):
    response = api_client.get(LOOKUP_URL, params)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"errors"}
    assert list(body["errors"]) == [field]
    messages = body["errors"][field]
    assert isinstance(messages, list)
    assert messages
    assert all(isinstance(m, str) and m for m in messages)


def test_no_parameters_at_all_names_both_fields(api_client):
    response = api_client.get(LOOKUP_URL)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"lat", "lng"}


@pytest.mark.parametrize(("lat", "lng"), [("90", "180"), ("-90", "-180"), ("0", "0")])
def test_coordinates_at_the_limits_are_accepted(api_client, lat, lng):
    response = api_client.get(LOOKUP_URL, {"lat": lat, "lng": lng})

    assert response.status_code == 200
    assert set(response.json()) == {"cd", "sldu", "sldl", "local"}


def test_lookup_accepts_only_get(api_client):
    response = api_client.post(LOOKUP_URL, EMPIRE_STATE)

    assert response.status_code == 405


def test_lookup_needs_no_login_and_answers_json(api_client):
    response = api_client.get(LOOKUP_URL, EMPIRE_STATE)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["cd"]["geoid"] == "3612"

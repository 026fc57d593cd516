"""The public JSON API: coverage figures and "find your districts", statuses only."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone

from tests.factories import signup_in

from .conftest import EMPIRE_STATE, district_at

pytestmark = pytest.mark.django_db


def test_coverage_json_has_the_headline_figures_and_national_people_only(client):
    signup_in(district_at("sldl", *EMPIRE_STATE), confirmed_at=timezone.now())
    signup_in(
        district_at("sldl", *EMPIRE_STATE), wants_to_run=False, wants_to_volunteer=True, confirmed_at=timezone.now()
    )
    response = client.get("/api/v1/public/coverage/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert data["supporters"] == {"run": 1, "volunteer": 1}
    assert data["chambers"]["sldl"]["covered"] == 1 and data["chambers"]["cd"]["total"] == 435
    new_york = next(row for row in data["states"] if row["state"] == "NY")
    assert new_york["sldl"] == {"covered": 1, "total": 150, "percent": 0.7, "filed": 0, "filed_percent": 0.0}
    # Figures of districts only: no count of people anywhere below the country.
    assert set(new_york) == {"state", "name", "sldl", "sldu", "cd", "lenses"}
    # New York's 62 counties, from the Census county file; nobody who would run for county office yet.
    assert new_york["lenses"]["county"] == {"covered": 0, "total": 62, "percent": 0.0, "filed": 0, "filed_percent": 0.0}


def test_coverage_json_takes_no_filter(client):
    """No parameter narrows the figures (to fewer than whole districts or at all): any query
    string gets the same body."""
    plain = client.get("/api/v1/public/coverage/")
    for query in ("state=VT", "kind=volunteer", "since=2020-01-01", "district=3612", "geoid=3612&zip=10001"):
        assert client.get(f"/api/v1/public/coverage/?{query}").content == plain.content


def test_districts_by_point_give_each_chamber_with_its_status(client):
    signup_in(district_at("cd", *EMPIRE_STATE), confirmed_at=timezone.now())
    response = client.get("/api/v1/public/districts/", {"lat": EMPIRE_STATE[0], "lng": EMPIRE_STATE[1]})
    assert response.status_code == 200
    data = response.json()
    assert data["quality"] == "point"
    assert data["cd"] == {
        "geoid": "3612",
        "name": "New York Congressional District 12",
        "state": "NY",
        "status": "candidate",
    }
    assert data["sldl"]["name"] == "New York Assembly District 75" and data["sldl"]["status"] == "candidate"
    assert {"cd", "sldu", "sldl", "quality", "local"} == set(data)
    assert ("county", "36061") in {(unit["layer"], unit["geoid"]) for unit in data["local"]}  # New York County
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=60", "s-maxage=60"} <= control and response["ETag"]


def test_districts_by_zip_use_its_centre_and_say_so(client, zipcodes):
    data = client.get("/api/v1/public/districts/", {"zip": "05401"}).json()
    assert data["quality"] == "zip"
    assert data["cd"]["geoid"] == "5000" and data["cd"]["status"] == "none"
    assert data["local"] == []  # the ZIP's centre may lie in another town
    ambiguous = client.get("/api/v1/public/districts/", {"zip": "10001"}).json()
    assert ambiguous["quality"] == "ambiguous"  # 10001 spans NY-10 and NY-12
    unknown = client.get("/api/v1/public/districts/", {"zip": "00000"}).json()
    assert unknown == {"quality": "none", "sldl": None, "sldu": None, "cd": None, "local": []}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "non_field_errors"),
        ({"lat": "40.7"}, "lat"),
        ({"lat": "91", "lng": "0"}, "lat"),
        ({"lat": "abc", "lng": "0"}, "lat"),
        ({"zip": "1234"}, "zip"),
        ({"zip": "10001", "lat": "40.7", "lng": "-73.9"}, "non_field_errors"),
        ({"zip": "  "}, "non_field_errors"),
        ({"lat": " ", "lng": "0"}, "lat"),
    ],
)
def test_districts_with_a_bad_place_is_a_400_naming_the_field(client, query, field):
    response = client.get("/api/v1/public/districts/", query)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_outside_every_district_gives_nulls(client):
    data = client.get("/api/v1/public/districts/", {"lat": 0, "lng": 0}).json()
    assert data == {"quality": "point", "sldl": None, "sldu": None, "cd": None, "local": []}


def test_public_api_is_in_the_openapi_schema():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    coverage = schema["paths"]["/api/v1/public/coverage/"]["get"]
    assert coverage["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/PublicCoverage")
    assert not coverage.get("parameters")  # nothing to narrow it with
    districts = schema["paths"]["/api/v1/public/districts/"]["get"]
    assert {p["name"] for p in districts["parameters"]} == {"lat", "lng", "zip"}
    assert "400" in districts["responses"]


@pytest.mark.parametrize("path", ["/api/v1/public/districts/?zip=05401", "/api/v1/public/coverage/"])
def test_public_reads_refuse_writes_with_405(client, path):
    """Read-only: a POST, PUT or DELETE is refused, naming the methods that work."""
    for method in (client.post, client.put, client.delete):
        response = method(path)
        assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert client.head(path).status_code == 200

"""Public tiles: every district of a chamber with its status, nothing about people."""

import gzip

import mapbox_vector_tile
import pytest
from django.test import override_settings
from django.utils import timezone

from tests.factories import signup_in
from tests.organizing.test_tiles import tile_at

from .conftest import EMPIRE_STATE, district_at

pytestmark = pytest.mark.django_db


def features(response) -> list[dict]:
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return mapbox_vector_tile.decode(body)["districts"]["features"]


def test_tile_carries_status_only(client):
    district = district_at("sldl", *EMPIRE_STATE)
    for _ in range(2):
        signup_in(district, confirmed_at=timezone.now())
    z, x, y = tile_at(EMPIRE_STATE[1], EMPIRE_STATE[0], 10)
    response = client.get(f"/public/tiles/sldl/{z}/{x}/{y}.pbf", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    found = features(response)
    assert found
    for feature in found:
        assert set(feature["properties"]) == {"geoid", "name", "state", "status"}
    by_name = {f["properties"]["name"]: f["properties"]["status"] for f in found}
    assert by_name["New York Assembly District 75"] == "candidate"
    assert set(by_name.values()) <= {"none", "candidate", "filed"}
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=60", "s-maxage=60"} <= control
    assert client.get(f"/public/tiles/sldl/{z}/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_volunteers_leave_a_district_at_none_on_the_map(client):
    district = district_at("cd", *EMPIRE_STATE)
    signup_in(district, wants_to_run=False, wants_to_volunteer=True, confirmed_at=timezone.now())
    z, x, y = tile_at(EMPIRE_STATE[1], EMPIRE_STATE[0], 8)
    by_geoid = {
        f["properties"]["geoid"]: f["properties"]["status"]
        for f in features(client.get(f"/public/tiles/cd/{z}/{x}/{y}.pbf"))
    }
    assert by_geoid["3612"] == "none"


@pytest.mark.parametrize(
    "url", ["/public/tiles/xx/1/0/0.pbf", "/public/tiles/cd/1/5/0.pbf", "/public/tiles/cd/30/0/0.pbf"]
)
def test_no_such_tile_is_404(client, url):
    assert client.get(url).status_code == 404


def test_tile_is_served_when_redis_is_down(client, settings):
    """The public map keeps working without Redis: the snapshot and the tile are made in the
    request instead (a livestream's map must not go blank with the cache)."""
    signup_in(district_at("sldl", *EMPIRE_STATE), confirmed_at=timezone.now())
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["LOCATION"] = "redis://127.0.0.1:9/0"  # the discard port: nobody answers
    z, x, y = tile_at(EMPIRE_STATE[1], EMPIRE_STATE[0], 10)
    with override_settings(CACHES=caches):  # undone before the fixtures clean the real cache
        response = client.get(f"/public/tiles/sldl/{z}/{x}/{y}.pbf")
    assert response.status_code == 200
    by_name = {f["properties"]["name"]: f["properties"]["status"] for f in features(response)}
    assert by_name["New York Assembly District 75"] == "candidate"

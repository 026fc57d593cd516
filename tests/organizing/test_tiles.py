"""Coverage vector tiles: PostGIS-made, scoped to the organizer's states, cached per scope."""

import gzip
import math
import uuid

import mapbox_vector_tile
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coverage import CoverageFilters, tiles
from districts.selectors import district_lookup
from tests.factories import OrganizerFactory, SignUpFactory

pytestmark = pytest.mark.django_db

MVT = "application/vnd.mapbox-vector-tile"
EMPIRE_STATE = (-73.9857, 40.7484)  # NY-12, Assembly 75, Senate 28
CITY_HALL = (-74.0060, 40.7128)  # NY-10, lower Manhattan
BURLINGTON = (-73.2121, 44.4759)  # Vermont at large
MONTPELIER = (-72.5754, 44.2601)


@pytest.fixture(autouse=True)
def _own_tile_cache(settings):
    """Each test its own cache namespace: tiles cached by an earlier test (or by another
    checkout's test run on this machine's Redis) must not answer this one."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"berniecrat-test-tiles-{uuid.uuid4().hex}"
    settings.CACHES = caches


def organizer(*, totp: bool = True, **fields):
    """An organizer with TOTP set up (the map, like every organizer page, requires it).

    Saved again: ``OrganizerFactory`` sets the password after its own save, and a session
    of a user whose stored password differs fails its hash check on the next request."""
    user = OrganizerFactory(**fields)
    user.save()
    if totp:
        TOTP.activate(user, generate_totp_secret())
    return user


def tile_at(lng: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lng + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def tile_url(chamber: str, z: int, x: int, y: int, query: str = "") -> str:
    return f"/organize/tiles/{chamber}/{z}/{x}/{y}.pbf" + (f"?{query}" if query else "")


def sign_up_at(lng: float, lat: float, **fields):
    """A located sign-up with the districts the lookup finds at the point."""
    districts = district_lookup(lat=lat, lng=lng)
    return SignUpFactory(
        location=Point(lng, lat, srid=4326),
        state=districts["cd"].state,
        cd=districts["cd"],
        sldu=districts["sldu"],
        sldl=districts["sldl"],
        **fields,
    )


def features(response) -> dict[str, dict]:
    """The tile's features by GEOID (the tile decoded as a client would)."""
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == MVT
    layers = mapbox_vector_tile.decode(response.content)
    assert set(layers) <= {"districts"}
    found = layers.get("districts", {}).get("features", [])
    by_geoid = {f["properties"]["geoid"]: f for f in found}
    assert len(by_geoid) == len(found), "a district twice in one tile"
    return by_geoid


def geoids_meeting_tile(chamber: str, z: int, x: int, y: int, states: list[str]) -> set[str]:
    """Independently of the tile code: current countable districts whose area meets the tile."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT d.geoid FROM districts_district d JOIN districts_boundaryset b ON b.id = d.boundary_set_id
             WHERE b.is_current AND NOT d.superseded AND NOT d.is_placeholder AND d.chamber = %s
               AND d.state = ANY(%s)
               AND ST_Intersects(ST_Transform(d.geometry, 3857), ST_TileEnvelope(%s, %s, %s))
            """,
            [chamber, states, z, x, y],
        )
        return {geoid for (geoid,) in cursor.fetchall()}


def test_manhattan_tile_shades_districts_by_who_signed_up(client):
    sign_up_at(*EMPIRE_STATE, wants_to_run=True)
    sign_up_at(*EMPIRE_STATE, wants_to_run=True, wants_to_volunteer=True)
    sign_up_at(*CITY_HALL, wants_to_run=False, wants_to_volunteer=True)
    client.force_login(organizer(states=["NY"]))
    z, x, y = tile_at(*EMPIRE_STATE, 10)

    found = features(client.get(tile_url("cd", z, x, y)))

    ny12 = found["3612"]["properties"]
    assert ny12 == {
        "geoid": "3612",
        "ocd_id": "ocd-division/country:us/state:ny/cd:12",
        "name": "New York Congressional District 12",
        "state": "NY",
        "status": "candidate",
        "candidates": 2,
        "filed": 0,
        "volunteers": 1,
    }
    assert (found["3610"]["properties"]["status"], found["3610"]["properties"]["candidates"]) == ("volunteers", 0)
    assert found["3610"]["properties"]["volunteers"] == 1
    others = {g: f["properties"]["status"] for g, f in found.items() if g not in {"3610", "3612"}}
    assert others and set(others.values()) == {"none"}
    assert geoids_meeting_tile("cd", z, x, y, ["NY"]) <= set(found)
    assert {f["properties"]["state"] for f in found.values()} == {"NY"}, "New Jersey is across the river"
    assert all(f["geometry"]["type"] in {"Polygon", "MultiPolygon"} for f in found.values())


def test_state_house_tile_has_the_assembly_district_of_the_sign_up(client):
    sign_up_at(*EMPIRE_STATE, wants_to_run=True)
    client.force_login(organizer(states=["NY"]))

    found = features(client.get(tile_url("sldl", *tile_at(*EMPIRE_STATE, 12))))

    assert found["36075"]["properties"]["status"] == "candidate"
    assert found["36075"]["properties"]["name"] == "New York Assembly District 75"


def test_new_york_organizer_gets_an_empty_vermont_tile(client):
    sign_up_at(*MONTPELIER, wants_to_run=True)
    client.force_login(organizer(states=["NY"]))
    z, x, y = tile_at(*MONTPELIER, 8)
    assert geoids_meeting_tile("cd", z, x, y, ["VT"]) and not geoids_meeting_tile("cd", z, x, y, ["NY"])

    response = client.get(tile_url("cd", z, x, y))

    assert response.status_code == 200
    assert response["Content-Type"] == MVT
    assert response.content == b""


@pytest.mark.parametrize("chamber", ["cd", "sldu", "sldl"])
def test_cached_tile_never_crosses_state_scopes(client, chamber):
    """Vermont's organizer fills the cache for a tile with both states; New York's gets only New York."""
    sign_up_at(*BURLINGTON, wants_to_run=True)
    z, x, y = tile_at(*BURLINGTON, 6)
    url = tile_url(chamber, z, x, y)

    client.force_login(organizer(states=["VT"]))
    vermont = features(client.get(url))
    client.force_login(organizer(states=["NY"]))
    new_york = features(client.get(url))
    client.force_login(organizer(states=[], all_states=True))
    everyone = features(client.get(url))

    assert {f["properties"]["state"] for f in vermont.values()} == {"VT"}
    assert {f["properties"]["state"] for f in new_york.values()} == {"NY"}
    assert set(everyone) >= set(vermont) | set(new_york)
    assert geoids_meeting_tile(chamber, z, x, y, ["VT"]) <= set(vermont)
    assert geoids_meeting_tile(chamber, z, x, y, ["NY"]) <= set(new_york)
    assert "candidate" in {f["properties"]["status"] for f in vermont.values()}
    assert {f["properties"]["status"] for f in new_york.values()} == {"none"}


def test_new_york_organizer_cannot_ask_for_vermont_by_parameter(client):
    sign_up_at(*BURLINGTON, wants_to_run=True)
    client.force_login(organizer(states=["NY"]))
    z, x, y = tile_at(*BURLINGTON, 6)

    assert features(client.get(tile_url("cd", z, x, y, "state=VT"))) == {}
    assert features(client.get(tile_url("cd", z, x, y, "state=VT,NY"))).keys() == (
        features(client.get(tile_url("cd", z, x, y))).keys()
    )


def test_state_filter_narrows_an_all_states_organizers_tile(client):
    client.force_login(organizer(states=[], all_states=True))
    z, x, y = tile_at(*BURLINGTON, 6)

    found = features(client.get(tile_url("sldu", z, x, y, "state=VT")))

    assert found and {f["properties"]["state"] for f in found.values()} == {"VT"}


@pytest.mark.parametrize(
    ("query", "status"),
    [("", "candidate"), ("kind=volunteer", "none"), ("confirmed=true", "none"), ("office=us_house", "none")],
)
def test_tiles_count_with_the_dashboard_filters(client, query, status):
    sign_up_at(*EMPIRE_STATE, wants_to_run=True, offices=["state_house"])  # unconfirmed
    client.force_login(organizer(states=["NY"]))
    z, x, y = tile_at(*EMPIRE_STATE, 10)
    client.get(tile_url("cd", z, x, y))  # the unfiltered tile is cached first

    assert features(client.get(tile_url("cd", z, x, y, query)))["3612"]["properties"]["status"] == status


@pytest.mark.parametrize("query", ["state=XX", "kind=lurk", "since=yesterday", "vintage=1999", "confirmed=maybe"])
def test_bad_filter_is_a_bad_request(client, query):
    client.force_login(organizer(states=["NY"]))

    response = client.get(tile_url("cd", *tile_at(*EMPIRE_STATE, 10), query))

    assert response.status_code == 400
    assert response.json()["errors"]


def test_organizer_without_states_gets_empty_tiles(client):
    client.force_login(organizer(states=[]))

    response = client.get(tile_url("cd", *tile_at(*EMPIRE_STATE, 10)))

    assert response.status_code == 200
    assert response.content == b""


def test_tile_is_cached_privately(client):
    client.force_login(organizer(states=["NY"]))
    url = tile_url("sldu", *tile_at(*EMPIRE_STATE, 11))

    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)

    assert first.content and second.content == first.content
    assert not [q for q in queries.captured_queries if "ST_AsMVT" in q["sql"]], "the second request built the tile"
    # Never in a shared cache: a tile depends on who asks. It holds counts, never a
    # person, so the organizer's browser may keep it a minute (panning back costs nothing).
    directives = {d.strip() for d in second["Cache-Control"].split(",")}
    assert directives == {"private", "max-age=60"}


def test_only_tiles_escape_no_store_for_a_signed_in_organizer(client):
    """The opt-out is the tile view's alone: the organizer's pages, exports and the map page stay no-store."""
    client.force_login(organizer(states=["NY"]))

    tile = client.get(tile_url("cd", *tile_at(*EMPIRE_STATE, 10)))
    assert "no-store" not in tile["Cache-Control"] and "private" in tile["Cache-Control"]
    for url in ("/organize/tiles/map/cd/", "/organize/export/districts.csv?chamber=cd", "/organize/states/NY/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_tile_is_served_when_redis_is_down(client, settings):
    sign_up_at(*EMPIRE_STATE, wants_to_run=True)
    client.force_login(organizer(states=["NY"]))  # the session lives in the database
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["LOCATION"] = "redis://127.0.0.1:9/0"  # the discard port: nobody answers
    settings.CACHES = caches

    response = client.get(tile_url("cd", *tile_at(*EMPIRE_STATE, 10)))

    assert features(response)["3612"]["properties"]["status"] == "candidate"


def test_new_sign_up_shows_once_the_cached_tile_expires(client):
    """Tiles are not invalidated, only expired (``CACHE_SECONDS``); the cache key holds no sign-up data."""
    user = organizer(states=["NY"])
    client.force_login(user)
    z, x, y = tile_at(*EMPIRE_STATE, 10)
    url = tile_url("cd", z, x, y)
    assert features(client.get(url))["3612"]["properties"]["status"] == "none"
    sign_up_at(*EMPIRE_STATE, wants_to_run=True)
    assert features(client.get(url))["3612"]["properties"]["status"] == "none"  # still cached

    key = tiles.tile_cache_key(scope=user.scope, filters=CoverageFilters(), chamber="cd", z=z, x=x, y=y)
    cache.delete(key)  # as Redis does when the TTL runs out

    assert features(client.get(url))["3612"]["properties"]["status"] == "candidate"


def test_country_level_tile_is_small(client):
    """Simplification keeps the z=3 state house tile of the eastern US (about 1,700 districts) small."""
    client.force_login(organizer(states=[], all_states=True))

    response = client.get(tile_url("sldl", 3, 2, 3), HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    raw = gzip.decompress(response.content)
    layer = mapbox_vector_tile.decode(raw)["districts"]
    assert len(layer["features"]) > 1000
    assert len(raw) < 300_000
    assert len(response.content) < 80_000


def test_low_zoom_tiles_are_simplified(monkeypatch):
    """At z=5 a district is drawn with a few dozen points, not its every TIGER/Line vertex."""
    user = organizer(states=["NY"])
    z, x, y = tile_at(*EMPIRE_STATE, 5)
    filters = CoverageFilters()

    simplified = tiles.coverage_tile_build(scope=user.scope, filters=filters, chamber="sldl", z=z, x=x, y=y)
    monkeypatch.setattr(tiles, "SIMPLIFY_UNITS", 0)
    quantised_only = tiles.coverage_tile_build(scope=user.scope, filters=filters, chamber="sldl", z=z, x=x, y=y)

    assert len(simplified) < len(quantised_only) * 0.6
    decoded = mapbox_vector_tile.decode(simplified)["districts"]["features"]
    assert len(decoded) > 50
    assert {f["properties"]["geoid"] for f in decoded} == {
        f["properties"]["geoid"] for f in mapbox_vector_tile.decode(quantised_only)["districts"]["features"]
    }, "simplifying lost a district"


@pytest.mark.parametrize(
    "path",
    [
        "/organize/tiles/xx/0/0/0.pbf",
        "/organize/tiles/CD/0/0/0.pbf",
        "/organize/tiles/cd/23/0/0.pbf",
        "/organize/tiles/cd/3/8/0.pbf",
        "/organize/tiles/cd/3/0/8.pbf",
        "/organize/tiles/cd/3/-1/0.pbf",
        "/organize/tiles/cd/3/a/0.pbf",
        "/organize/tiles/cd/99999999999999999999/0/0.pbf",
        "/organize/tiles/cd/3/0/0.png",
    ],
)
def test_invalid_tile_is_not_found(client, path):
    client.force_login(organizer(states=["NY"]))

    assert client.get(path).status_code == 404


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(tile_url("cd", 0, 0, 0))

    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)


@pytest.mark.parametrize("path", [tile_url("cd", 0, 0, 0), "/organize/tiles/map/cd/"])
def test_organizer_without_totp_is_sent_to_set_it_up(client, path):
    client.force_login(organizer(states=["NY"], totp=False))

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_map_page_fits_the_organizers_state_and_keeps_the_filters(client):
    client.force_login(organizer(states=["NY"]))

    response = client.get("/organize/tiles/map/sldl/?confirmed=1&kind=run")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-tile-url="/organize/tiles/sldl/{z}/{x}/{y}.pbf?kind=run&amp;confirmed=true"' in html
    west, south, east, north = response.context["coverage_map"]["bounds_list"]
    assert -80 < west < -79 and 40 < south < 41 and -72 < east < -71.5 and 45 < north < 45.1
    assert "vendor/maplibre-gl/maplibre-gl.js" in html and "<noscript>" in html
    for label in ("Nobody yet", "Volunteers only", "At least one would-be candidate"):
        assert label in html


def test_map_page_of_alaska_does_not_span_the_world(client):
    client.force_login(organizer(states=["AK"]))

    response = client.get("/organize/tiles/map/sldu/")

    west, south, east, north = response.context["coverage_map"]["bounds_list"]
    assert east - west < 70, "the Aleutians cross the 180th meridian"


def test_map_page_needs_a_known_chamber_and_a_login(client):
    assert client.get("/organize/tiles/map/cd/").status_code == 302
    client.force_login(organizer(states=["NY"]))
    assert client.get("/organize/tiles/map/ward/").status_code == 404

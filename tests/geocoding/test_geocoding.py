"""districts.geocoding against the fake Census Geocoder (recorded answers on loopback)."""

import json
import logging
import re
import socket
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache

from districts.geocoding import census
from districts.geocoding.census import (
    CACHE_TTL,
    GeocoderRejected,
    GeocoderUnavailable,
    cache_key,
    census_geocode,
    normalize_address,
    parse_geocoder_response,
)
from districts.geocoding.locate import Location, Quality, locate_address

RECORDED = Path(django_settings.DISTRICTS_DATA_DIR) / "census_geocoder"
NY12 = {"street": "421 8th Ave", "city": "New York", "state": "NY", "zip": "10001"}
# From oravan_geographies_onelineaddress_current_ny12_layer_cd119_only.json
NY12_LAT, NY12_LNG = 40.750268409951, -73.994946871146
TX_CAPITOL = {"street": "1100 Congress Ave", "city": "Austin", "state": "TX", "zip": "78701"}


def recorded_coordinates(name: str):
    matches = json.loads((RECORDED / name).read_text())["result"]["addressMatches"]
    return (matches[0]["coordinates"]["y"], matches[0]["coordinates"]["x"]) if matches else None


# --- normalisation and cache keys ----------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("421 8th Ave.,  Apt #4", "New York", "ny", "10001-2345"), "421 8TH AVE APT 4, NEW YORK, NY, 10001"),
        (
            ("  1600 Pennsylvania Ave. N.W. ", " washington\t", " dc", "20500"),
            "1600 PENNSYLVANIA AVE NW, WASHINGTON, DC, 20500",
        ),
        (("12 O'Neil St; Unit (B)", "St. Louis", "MO", "63101"), "12 ONEIL ST UNIT B, ST LOUIS, MO, 63101"),
        (("123-45 Queens Blvd", "Queens", "NY", ""), "123-45 QUEENS BLVD, QUEENS, NY, "),
    ],
)
def test_normalize_address(parts, expected):
    assert normalize_address(*parts) == expected


def test_equivalent_spellings_share_a_cache_key():
    assert cache_key(**NY12) == cache_key(street="421  8TH AVE.", city="new york", state="ny", zip="10001-0001")
    assert cache_key(**NY12) != cache_key(**TX_CAPITOL)


def test_cache_key_holds_no_address_text(geocode_cache):
    key = cache_key(**NY12)
    assert re.fullmatch(rf"{geocode_cache}:[0-9a-f]{{64}}", key)
    for word in ("421", "8TH", "8th", "NEW YORK", "New York", "10001"):
        assert word not in key


def test_cache_key_depends_on_benchmark(settings):
    key = cache_key(**NY12)
    settings.CENSUS_GEOCODER_BENCHMARK = "Public_AR_Census2020"
    assert cache_key(**NY12) != key


def test_no_address_text_in_redis_keys(fake_census_geocoder):
    census_geocode(**NY12)
    client = redis.Redis.from_url(django_settings.CACHES["default"]["LOCATION"])
    try:
        leaked = [k for pattern in ("*8TH*", "*8th*") for k in client.scan_iter(match=pattern, count=1000)]
    finally:
        client.close()
    assert leaked == []
    assert cache.get(cache_key(**NY12)) == (NY12_LAT, NY12_LNG)


# --- single address ---------------------------------------------------------------------


def test_street_match_gives_recorded_coordinates(fake_census_geocoder, db):
    location = locate_address(**NY12)
    assert location == Location(lat=NY12_LAT, lng=NY12_LNG, quality=Quality.STREET)
    assert location.quality == "street"
    assert (location.point.x, location.point.y, location.point.srid) == (NY12_LNG, NY12_LAT, 4326)
    [request] = fake_census_geocoder.requests
    assert request.method == "GET"
    assert request.path == "/locations/address"
    assert request.params == {
        "street": "421 8TH AVE",
        "city": "NEW YORK",
        "state": "NY",
        "zip": "10001",
        "benchmark": "Public_AR_Current",
        "format": "json",
    }


def test_census_geocode_texas_capitol(fake_census_geocoder):
    assert census_geocode(**TX_CAPITOL) == (30.27644199222, -97.739754035328)


def test_census_geocode_no_match_is_none(fake_census_geocoder):
    assert census_geocode(street="ZZZZ Nowhere", city="Austin", state="TX", zip="78701") is None


def test_census_geocode_needs_a_street(fake_census_geocoder):
    with pytest.raises(ValueError, match="street"):
        census_geocode(street="  ", city="Austin", state="TX", zip="78701")
    assert fake_census_geocoder.request_count == 0


@pytest.mark.parametrize("name", sorted(p.name for p in RECORDED.glob("*.json") if "coordinates" not in p.name))
def test_parses_every_recorded_address_answer(name):
    """locations/* and geographies/* answers (with district layers, layer errors, no match)."""
    expected = recorded_coordinates(name)
    assert parse_geocoder_response((RECORDED / name).read_bytes()) == expected
    assert (expected is None) == ("no_match" in name)


def test_coordinates_answer_has_no_address_matches():
    with pytest.raises(GeocoderUnavailable, match="addressMatches"):
        parse_geocoder_response(
            (RECORDED / "fitnr_geographies_coordinates_2017_x-74_y43_default_layers.json").read_bytes()
        )


@pytest.mark.parametrize(
    "body",
    [b"", b"<html></html>", b"[]", b'{"result": {}}', b'{"result": {"addressMatches": [{"coordinates": {"x": "a"}}]}}'],
)
def test_unexpected_bodies_are_unavailable(body):
    with pytest.raises(GeocoderUnavailable):
        parse_geocoder_response(body)


def test_errors_body_is_rejected():
    with pytest.raises(GeocoderRejected, match="Invalid benchmark"):
        parse_geocoder_response(b'{"errors":["Invalid benchmark in request"]}')


# --- fallbacks to the ZIP code -------------------------------------------------------------


def test_no_match_falls_back_to_zip_centroid(fake_census_geocoder, zipcodes):
    location = locate_address(street="ZZZZ Nowhere", city="Austin", state="TX", zip="78701")
    assert location.quality == Quality.ZIP
    assert location.cd_geoids == ("4837",)
    assert (location.lat, location.lng) == (30.2713, -97.7426)  # 78701 in the centroid file
    assert fake_census_geocoder.request_count == 1


def test_no_street_uses_zip_without_any_request(fake_census_geocoder, zipcodes):
    location = locate_address(street="", city="Cheyenne", state="wy", zip="82001")
    assert (location.quality, location.cd_geoids) == ("zip", ("5600",))
    assert location.point is not None
    assert fake_census_geocoder.request_count == 0


def test_zip_spanning_several_districts_is_ambiguous(fake_census_geocoder, zipcodes):
    location = locate_address(street="", city="Adamsville", state="AL", zip="35005")
    assert location.quality == Quality.AMBIGUOUS
    assert location.cd_geoids == ("0106", "0107")
    assert location.lat is not None and location.lng is not None


def test_no_match_in_a_split_zip_is_ambiguous(fake_census_geocoder, zipcodes):
    location = locate_address(street="ZZZZ Nowhere", city="New York", state="NY", zip="10001")
    assert (location.quality, location.cd_geoids) == ("ambiguous", ("3610", "3612"))


def test_unknown_zip_is_none(fake_census_geocoder, zipcodes):
    location = locate_address(street="", city="Nowhere", state="NY", zip="00000")
    assert location == Location(lat=None, lng=None, quality=Quality.NONE)
    assert location.point is None


def test_zip_of_another_state_is_not_used(fake_census_geocoder, zipcodes):
    location = locate_address(street="ZZZZ Nowhere", city="Newark", state="NJ", zip="10001")
    assert (location.quality, location.point) == ("none", None)


def test_rejected_request_falls_back_to_zip(fake_census_geocoder, zipcodes):
    location = locate_address(street="1 Bad Request Rd", city="Austin", state="TX", zip="78701")
    assert location.quality == "zip"
    with pytest.raises(GeocoderRejected, match="HTTP 400: Invalid benchmark in request"):
        census_geocode(street="1 Bad Request Rd", city="Austin", state="TX", zip="78701")


# --- failures: retried by the caller, never cached ------------------------------------------


def test_http_500_is_unavailable_and_not_cached(fake_census_geocoder, db):
    address = {"street": "1 Server Error Way", "city": "Austin", "state": "TX", "zip": "78701"}
    with pytest.raises(GeocoderUnavailable, match="HTTP 500"):
        locate_address(**address)
    assert cache.get(cache_key(**address)) is None
    with pytest.raises(GeocoderUnavailable):
        locate_address(**address)
    assert fake_census_geocoder.request_count == 2


def test_timeout_is_unavailable_and_not_cached(fake_census_geocoder, settings, db):
    settings.CENSUS_GEOCODER_TIMEOUT = 0.2
    fake_census_geocoder.delay = 3
    address = {"street": "9 Slow Timeout Ln", "city": "Austin", "state": "TX", "zip": "78701"}
    with pytest.raises(GeocoderUnavailable, match="within 0.2 s"):
        locate_address(**address)
    with pytest.raises(GeocoderUnavailable):
        census_geocode(**address)
    assert fake_census_geocoder.request_count == 2
    assert cache.get(cache_key(**address)) is None


def test_unparseable_body_is_unavailable(fake_census_geocoder):
    with pytest.raises(GeocoderUnavailable, match="not JSON"):
        census_geocode(street="7 Garbage Ct", city="Austin", state="TX", zip="78701")


def test_connection_refused_is_unavailable(settings, geocode_cache):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CENSUS_GEOCODER_URL = f"http://127.0.0.1:{port}/geocoder"
    with pytest.raises(GeocoderUnavailable, match="unreachable"):
        census_geocode(**NY12)


def test_url_must_be_http(settings, geocode_cache):
    from django.core.exceptions import ImproperlyConfigured

    settings.CENSUS_GEOCODER_URL = "file:///etc"
    with pytest.raises(ImproperlyConfigured):
        census_geocode(**NY12)


# --- cache ------------------------------------------------------------------------------------


def test_second_call_is_a_cache_hit(fake_census_geocoder, db):
    first = locate_address(**NY12)
    second = locate_address(street="421 8TH AVE.", city="NEW YORK", state="ny", zip="10001")
    assert first == second
    assert fake_census_geocoder.request_count == 1


def test_no_match_is_cached_too(fake_census_geocoder):
    address = {"street": "ZZZZ Nowhere", "city": "Austin", "state": "TX", "zip": "78701"}
    assert census_geocode(**address) is None
    assert census_geocode(**address) is None
    assert fake_census_geocoder.request_count == 1
    assert cache.get(cache_key(**address)) == ()


def test_cache_ttl_is_30_days(fake_census_geocoder):
    census_geocode(**NY12)
    client = redis.Redis.from_url(django_settings.CACHES["default"]["LOCATION"])
    try:
        ttl = client.ttl(cache.make_key(cache_key(**NY12)))
    finally:
        client.close()
    assert CACHE_TTL == 30 * 24 * 3600
    assert CACHE_TTL - 60 < ttl <= CACHE_TTL


def test_use_cache_false_always_asks(fake_census_geocoder):
    census_geocode(**NY12, use_cache=False)
    census_geocode(**NY12, use_cache=False)
    assert fake_census_geocoder.request_count == 2


def test_cache_outage_does_not_stop_geocoding(fake_census_geocoder, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(census.cache, "get", broken)
    monkeypatch.setattr(census.cache, "set", broken)
    assert census_geocode(**NY12) == (NY12_LAT, NY12_LNG)


# --- logs ---------------------------------------------------------------------------------------


def test_logs_hold_no_address(fake_census_geocoder, zipcodes, caplog):
    caplog.set_level(logging.DEBUG, logger="districts.geocoding")
    locate_address(**NY12)
    locate_address(**NY12)
    locate_address(street="ZZZZ Nowhere", city="Austin", state="TX", zip="78701")
    with pytest.raises(GeocoderUnavailable):
        locate_address(street="1 Server Error Way", city="Austin", state="TX", zip="78701")
    text = "\n".join(r.getMessage() for r in caplog.records).upper()
    assert "quality=street" in text.lower()
    for secret in ("421", "8TH", "NEW YORK", "10001", "ZZZZ", "AUSTIN", "78701", "SERVER ERROR"):
        assert secret not in text


def test_foreign_cache_value_is_ignored(fake_census_geocoder):
    cache.set(cache_key(**NY12), "garbage", 60)
    assert census_geocode(**NY12) == (NY12_LAT, NY12_LNG)
    assert fake_census_geocoder.request_count == 1

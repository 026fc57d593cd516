"""census_geocode_batch and the batch CSV format."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from districts.geocoding.batch import census_geocode_batch, parse_batch_response
from districts.geocoding.census import GeocoderUnavailable, cache_key, census_geocode

RECORDED = Path(django_settings.DISTRICTS_DATA_DIR) / "census_geocoder"


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


@pytest.mark.parametrize("name", ["fitnr_locations_addressbatch_2017.csv", "fitnr_geographies_addressbatch_2017.csv"])
def test_parses_recorded_batch_answers(name):
    assert parse_batch_response(recorded(name)) == {"3": (40.738323, -73.98658), "2": None, "1": None}


def test_tie_rows_have_no_coordinates():
    assert parse_batch_response('"7","1 Main St, Springfield, , ","Tie"\n') == {"7": None}


@pytest.mark.parametrize(
    "body", ["<html>oops</html>\n", '"1","a","Match","Exact","A","nonsense","1","L"\n', '"1","a","Maybe"\n']
)
def test_unreadable_batch_answers(body):
    with pytest.raises(GeocoderUnavailable):
        parse_batch_response(body)


def test_batch_against_the_fake(fake_census_geocoder):
    rows = [
        (1, "421 8th Ave", "New York", "NY", "10001"),
        (2, "ZZZZ Nowhere", "Austin", "TX", "78701"),
        (3, "3 Gramercy Park West", "New York", "NY", "10003"),
        {"id": "four", "street": "1100 Congress Ave", "city": "Austin", "state": "TX", "zip": "78701"},
        (5, "", "Austin", "TX", "78701"),
    ]
    assert census_geocode_batch(rows) == {
        1: (40.750268409951, -73.994946871146),
        2: None,
        3: (40.738323, -73.98658),  # the recorded batch row
        "four": (30.27644199222, -97.739754035328),
        5: None,  # no street: not sent
    }
    [request] = fake_census_geocoder.requests
    assert (request.method, request.path) == ("POST", "/locations/addressbatch")
    assert request.params == {"benchmark": "Public_AR_Current"}
    # no header row; ids as strings; normalised parts
    assert request.rows[0] == ["1", "421 8TH AVE", "NEW YORK", "NY", "10001"]
    assert [r[0] for r in request.rows] == ["1", "2", "3", "four"]


def test_batch_uses_and_fills_the_cache(fake_census_geocoder):
    census_geocode(street="421 8th Ave", city="New York", state="NY", zip="10001")
    assert fake_census_geocoder.request_count == 1
    rows = [("a", "421 8th Ave", "New York", "NY", "10001"), ("b", "1100 Congress Ave", "Austin", "TX", "78701")]
    first = census_geocode_batch(rows)
    assert [r[0] for r in fake_census_geocoder.requests[-1].rows] == ["b"]  # "a" came from the cache
    assert census_geocode_batch(rows) == first
    assert census_geocode(street="1100 Congress Ave", city="Austin", state="TX", zip="78701") == first["b"]
    assert fake_census_geocoder.request_count == 2


def test_batch_error_is_unavailable_and_not_cached(fake_census_geocoder):
    rows = [("a", "421 8th Ave", "New York", "NY", "10001"), ("b", "1 Server Error Way", "Austin", "TX", "78701")]
    with pytest.raises(GeocoderUnavailable, match="HTTP 500"):
        census_geocode_batch(rows)
    assert cache.get(cache_key(street="421 8th Ave", city="New York", state="NY", zip="10001")) is None


def test_batch_answer_missing_rows_is_unavailable(fake_census_geocoder, monkeypatch):
    original = fake_census_geocoder.batch_reply

    def drop_first(rows):
        return original(rows[1:])

    monkeypatch.setattr(fake_census_geocoder, "batch_reply", drop_first)
    with pytest.raises(GeocoderUnavailable, match="lacks 1 of 2 rows"):
        census_geocode_batch([("a", "421 8th Ave", "", "NY", ""), ("b", "ZZZZ", "", "TX", "")])


def test_batch_is_split_into_files(fake_census_geocoder, monkeypatch):
    monkeypatch.setattr("districts.geocoding.batch.BATCH_MAX_ROWS", 2)
    rows = [(i, f"{i} ZZZZ St", "Austin", "TX", "78701") for i in range(5)]
    assert census_geocode_batch(rows) == dict.fromkeys(range(5))
    assert [len(r.rows) for r in fake_census_geocoder.requests] == [2, 2, 1]


def test_duplicate_ids_are_refused(fake_census_geocoder):
    with pytest.raises(ValueError, match="duplicate"):
        census_geocode_batch([(1, "a", "", "", ""), ("1", "b", "", "", "")])


def test_empty_batch(fake_census_geocoder):
    assert census_geocode_batch([]) == {}
    assert fake_census_geocoder.request_count == 0

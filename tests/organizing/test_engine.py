"""The coverage engine: one way of counting for every layer, a whitelist of columns, a cache that is never needed."""

import pytest

from coverage import CoverageFilters, coverage_summary, district_rows, layers
from coverage.layers import Layer
from tests.factories import api_key, signup_in
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.django_db

ALL = CoverageFilters()


def counts(rows: list[dict]) -> dict[str, tuple]:
    return {row["geoid"]: (row["candidates"], row["filed"], row["volunteers"], row["status"]) for row in rows}


def test_a_layer_counted_by_location_gets_the_stored_layers_numbers(ny_organizer, monkeypatch):
    """A layer is data: the same districts counted by where people live (as a new layer of counties
    or an old vintage is) give the numbers counted by their stored districts."""
    house = current_districts("cd", "NY")
    signup_in(house[0], wants_to_run=True)
    signup_in(house[0], wants_to_run=False, wants_to_volunteer=True)
    signup_in(house[3], wants_to_run=False, wants_to_volunteer=True)
    scope = ny_organizer.scope
    stored = counts(district_rows(scope=scope, filters=ALL, layer_key="cd"))

    monkeypatch.setitem(layers.BY_KEY, "cd", Layer("cd", "U.S. House", "congressional districts", stored=False))
    located = counts(district_rows(scope=scope, filters=ALL, layer_key="cd"))

    assert located == stored
    assert stored[house[0].geoid] == (1, 0, 1, "candidate")
    assert stored[house[3].geoid] == (0, 0, 1, "volunteers")


def test_only_known_district_columns_reach_the_sql(ny_organizer):
    with pytest.raises(ValueError, match="not a district column"):
        district_rows(scope=ny_organizer.scope, filters=ALL, layer_key="sldu", fields=("name", "geoid); DROP TABLE x"))


def test_summary_dashboard_and_api_are_served_when_redis_is_down(client, ny_client, ny_organizer, settings):
    signup_in(current_districts("sldl", "NY")[0], wants_to_run=True)
    key = api_key(ny_organizer)
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["LOCATION"] = "redis://127.0.0.1:9/0"  # the discard port: nobody answers
    settings.CACHES = caches

    assert coverage_summary(scope=ny_organizer.scope, filters=ALL)["chambers"]["sldl"]["covered"] == 1
    assert ny_client.get("/organize/").status_code == 200
    api = client.get("/api/v1/coverage/", HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 200 and api.json()["chambers"]["sldl"]["covered"] == 1

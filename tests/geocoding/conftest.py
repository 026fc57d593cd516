"""Fixtures of the geocoding tests: the fake Census Geocoder and the ZIP codes."""

from tests.fakes.census_geocoder import fake_census_geocoder, geocode_cache  # noqa: F401 (fixtures)
from tests.geocoding.fixtures import zipcodes, zipcodes_session  # noqa: F401 (fixtures)

"""Fakes of outside services for tests: loopback servers that replay recorded answers.

* ``census_geocoder``: the US Census Geocoder (``FakeCensusGeocoder``), with the pytest
  fixtures ``fake_census_geocoder`` and ``geocode_cache``. Use it as a plugin
  (``pytest_plugins = ["tests.fakes.census_geocoder"]`` in the root conftest) or import
  the fixtures into a conftest.
"""

"""ZIP code fixtures: the shared ZIP data loaded into the test database once per session.

Usable outside ``tests/geocoding`` as a plugin (``pytest_plugins = ["tests.geocoding.fixtures"]``
in the root conftest) or by importing the fixtures into a conftest.
"""

from io import StringIO

import pytest
from django.core.management import call_command

_loaded = {"count": None}


@pytest.fixture(scope="session")
def zipcodes_session(django_db_setup, django_db_blocker) -> int:
    """Runs ``load_zipcodes`` (DISTRICTS_DATA_DIR/zip) once per session, outside any test transaction.

    Returns the number of ZIP codes loaded.
    """
    from districts.models import ZipCode

    with django_db_blocker.unblock():
        call_command("load_zipcodes", stdout=StringIO())
        _loaded["count"] = ZipCode.objects.count()
    return _loaded["count"]


@pytest.fixture
def zipcodes(zipcodes_session, db) -> int:
    """Every ZIP code of the shared data is in the ZipCode table for this test.

    A transactional test's flush empties the table; it is then loaded again inside this
    test's transaction. Returns the number of ZIP codes.
    """
    from districts.models import ZipCode

    if ZipCode.objects.count() != zipcodes_session:
        call_command("load_zipcodes", stdout=StringIO())
    return zipcodes_session

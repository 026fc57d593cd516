"""Test session set-up: a test database with the real Census districts loaded once.

Every session loads ``DISTRICTS_DATA_DIR/boundaries`` (nationwide simplified SLDU/SLDL,
20m CD, full-resolution NY CD/SLDU/SLDL and GA CD) and ``DISTRICTS_DATA_DIR/local``
(generalised nationwide counties) into the test database once,
before the first database test. Tests that need another district state load their
own boundary sets inside their test transaction, which rolls back. With ``--reuse-db``
the loader skips files whose checksum it already knows, so after changing how files
are read (``districts/importers.py``, ``districts/ocd.py``) run once with ``--create-db``.

Transactional tests (``django_db(transaction=True)``, ``transactional_db``,
``live_server``, real Celery workers) end with Django's ``flush``, which truncates
every table, the districts included. Reloading from the source files costs ~15 s,
``serialized_rollback`` would serialise millions of vertices through the ORM, and
``available_apps`` also hides the district models from the test itself. Instead,
right after the session load the district tables (sets, districts and their pieces) are copied into unlogged
snapshot tables in the ``test_snapshot`` schema (which Django does not know about,
so ``flush`` leaves them alone). Before each test a cheap fingerprint query
compares the live tables with the snapshot; if a flush (or anything committed by a
test or a worker process) changed them, they are restored from the snapshot with
one ``INSERT ... SELECT`` per table (a few seconds), ids included. Every test
therefore starts with exactly the session's districts, whatever ran before it.
"""

pytest_plugins = [
    "tests.plugins.smtp",  # before processes, which imports it
    "tests.plugins.processes",
    "tests.geocoding.fixtures",
    "tests.fakes.census_geocoder",
    "tests.plugins.organizers",
]

from io import StringIO  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

SNAPSHOT_SCHEMA = "test_snapshot"
DISTRICT_TABLES = ("districts_boundaryset", "districts_district", "districts_districtpiece")  # parents first
# The trigger that cuts districts into pieces (districts/migrations/0004): a restore copies the pieces
# back with the districts instead of cutting 10,000 districts again (minutes, not a second).
PIECES_TRIGGER = "districts_district_pieces"
# Changes whenever rows are added, deleted, re-saved (loaded_at) or re-flagged.
FINGERPRINT_SQL = """
    SELECT
      (SELECT row(count(*), coalesce(sum(id), 0), count(*) FILTER (WHERE is_current), max(loaded_at))::text
         FROM districts_boundaryset),
      (SELECT row(count(*), coalesce(sum(id), 0), count(*) FILTER (WHERE superseded))::text
         FROM districts_district),
      -- A district whose area changed was cut again: new pieces, new ids.
      (SELECT row(count(*), coalesce(sum(id), 0))::text FROM districts_districtpiece)
"""

# A test that requests any of these (directly or through its fixtures) may read districts.
# (Not django_db_blocker: pytest-django's autouse fixtures put it in every test's closure.)
DATABASE_FIXTURES = {"_django_db_helper", "db", "transactional_db", "live_server", "django_db_setup"}

# Set by django_db_setup once the districts are loaded and snapshotted.
_session = {"blocker": None, "fingerprint": None}


def districts_data_dir() -> Path:
    """The shared, read-only Census data (``settings.DISTRICTS_DATA_DIR``)."""
    if not settings.DISTRICTS_DATA_DIR:
        raise RuntimeError("DISTRICTS_DATA_DIR is not set and ../shared/data does not exist")
    return Path(settings.DISTRICTS_DATA_DIR)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return districts_data_dir()


def _fingerprint(cursor) -> tuple:
    cursor.execute(FINGERPRINT_SQL)
    return cursor.fetchone()


def _snapshot_districts() -> tuple:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
        for table in DISTRICT_TABLES:
            cursor.execute(f"CREATE UNLOGGED TABLE {SNAPSHOT_SCHEMA}.{table} AS SELECT * FROM {table}")  # noqa: S608
        return _fingerprint(cursor)


def _restore_districts_if_changed() -> None:
    with connection.cursor() as cursor:
        if _fingerprint(cursor) == _session["fingerprint"]:
            return
    with transaction.atomic(), connection.cursor() as cursor:
        # CASCADE: rows elsewhere that point at districts (sign-ups) are test leftovers too.
        cursor.execute(f"TRUNCATE {', '.join(DISTRICT_TABLES)} CASCADE")
        # Foreign keys checked row by row, so no check is pending when the trigger is enabled again.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE districts_district DISABLE TRIGGER {PIECES_TRIGGER}")
        for table in DISTRICT_TABLES:
            cursor.execute(f"INSERT INTO {table} SELECT * FROM {SNAPSHOT_SCHEMA}.{table}")  # noqa: S608
        cursor.execute(f"ALTER TABLE districts_district ENABLE TRIGGER {PIECES_TRIGGER}")
        for table in DISTRICT_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        assert _fingerprint(cursor) == _session["fingerprint"], "district restore did not match the snapshot"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database plus every boundary file of the shared data, loaded once per session."""
    with django_db_blocker.unblock():
        call_command("load_districts", str(districts_data_dir() / "boundaries"), stdout=StringIO(), stderr=StringIO())
        # The generalised nationwide county layer (the only local layer at hand; the others come from fixtures).
        call_command("load_districts", str(districts_data_dir() / "local"), stdout=StringIO(), stderr=StringIO())
        _session["fingerprint"] = _snapshot_districts()
        _session["blocker"] = django_db_blocker
    yield
    _session["blocker"] = None


def _uses_database(item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(fixtures & DATABASE_FIXTURES)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before each database test's fixtures: put back the session's districts if a flush removed them."""
    if _session["blocker"] is None or not _uses_database(item):
        return
    with _session["blocker"].unblock():
        _restore_districts_if_changed()


@pytest.fixture(autouse=True)
def _fresh_reference_memory():
    """Each test starts without the process's remembered ZIP codes and districts: a test's own
    rows roll back with it, and the next test must not be answered from them."""
    from berniecrat.memo import forget_reference_data

    forget_reference_data()


def forget_cached(*patterns: str) -> None:
    """Delete the Django cache's keys matching ``patterns`` (in the cache's own naming), and only
    those: ``cache.clear()`` would flush the whole Redis database, which other checkouts' test
    sessions (and a developer's running site) share."""
    import redis
    from django.core.cache import cache

    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        for pattern in patterns:
            keys = list(client.scan_iter(match=cache.make_key(pattern), count=1000))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


def coverage_cache_pattern() -> str:
    """This test database's cached coverage: summaries, tiles, page contents, district lists."""
    from coverage.cache import PREFIX

    return f"{PREFIX}:{connection.settings_dict['NAME']}:*"


@pytest.fixture(autouse=True)
def _fresh_shared_cache():
    """Each test starts with empty rate-limit counters (ours, DRF's ``throttle_``, allauth's login
    limits) and no cached coverage: both live in Redis across tests, while each test's rows
    roll back, so an earlier test's figures would otherwise answer for this one's."""
    forget_cached("throttle_*", "allauth:rl:*", coverage_cache_pattern())

"""reassign_districts writes in place or in bulk (indexes and keys rebuilt): the same districts either way."""

import time
from io import StringIO

import psycopg2
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection, transaction

from districts.models import District
from districts.selectors import districts_for_points
from signups.models import DISTRICT_LAYERS, SignUp
from signups.services import redistricting
from signups.services.redistricting import signups_reassign_districts
from tests.factories import SignUpFactory, signup_in

pytestmark = pytest.mark.django_db

UNASSIGNED = {**dict.fromkeys(DISTRICT_LAYERS), "districts_assigned_at": None}


@pytest.fixture
def people():
    """Located sign-ups in New York, Alaska, Wyoming and at sea, and one not located, none assigned yet."""
    ny12 = District.objects.current().get(chamber="cd", geoid="3612")
    located = [
        SignUpFactory(location=Point(-73.9857, 40.7484, srid=4326)),
        SignUpFactory(state="AK", zip="99801", location=Point(-134.4197, 58.3019, srid=4326)),
        SignUpFactory(state="WY", zip="82001", location=Point(-104.82, 41.14, srid=4326)),
        SignUpFactory(location=Point(-40.0, 35.0, srid=4326)),
        signup_in(ny12),
    ]
    SignUpFactory(location=None)
    SignUp.objects.update(**UNASSIGNED)
    return located


def _stored() -> dict[int, tuple]:
    return {pk: tuple(ids) for pk, *ids in SignUp.objects.values_list("pk", *(f"{x}_id" for x in DISTRICT_LAYERS))}


def _schema() -> tuple[list, list]:
    """The sign-up table's indexes and constraints as the catalogue holds them, with their validity."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.relname, pg_get_indexdef(i.oid), x.indisvalid, x.indisready FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = 'signups_signup'::regclass
               ORDER BY 1"""
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """SELECT conname, pg_get_constraintdef(oid), convalidated, condeferrable, condeferred
               FROM pg_constraint WHERE conrelid = 'signups_signup'::regclass ORDER BY 1"""
        )
        return indexes, cursor.fetchall()


def test_in_place_and_bulk_store_the_same_districts_as_the_lookup(people):
    """Forced each way over the same people (in bulk while this test's own inserts still have
    deferred key checks pending, as ``seed_demo`` leaves them): identical, and as the lookup answers."""
    in_place = signups_reassign_districts(bulk_share=2.0)
    stored_in_place = _stored()
    SignUp.objects.update(**UNASSIGNED)
    bulk = signups_reassign_districts(bulk_share=0.0)

    assert (in_place.bulk, bulk.bulk) == (False, True)
    assert (in_place.checked, in_place.changed) == (bulk.checked, bulk.changed) == (5, 5)
    assert _stored() == stored_in_place
    found = districts_for_points([(s.location.y, s.location.x) for s in people])
    for signup, districts in zip(people, found, strict=True):
        expected = tuple((districts[layer] or {}).get("id") for layer in DISTRICT_LAYERS)
        assert stored_in_place[signup.pk] == expected
    assert stored_in_place[people[0].pk][0] == District.objects.current().get(chamber="cd", geoid="3612").pk
    assert SignUp.objects.filter(location__isnull=False, districts_assigned_at__isnull=True).count() == 0


def test_the_default_share_writes_a_few_changes_in_place_and_most_in_bulk(people):
    signups_reassign_districts()
    SignUp.objects.filter(pk=people[0].pk).update(cd=None)  # one in five changes
    few = signups_reassign_districts()
    SignUp.objects.filter(pk__in=[p.pk for p in people[:3]]).update(cd=None)  # three in five
    most = signups_reassign_districts()
    assert (few.changed, few.bulk) == (1, False)
    assert (most.changed, most.bulk) == (3, True)


def test_bulk_leaves_every_index_and_key_of_the_table_as_it_was(people):
    before = _schema()
    assert signups_reassign_districts(bulk_share=0.0).bulk
    assert _schema() == before
    indexes, constraints = before
    assert all(valid and ready for _name, _definition, valid, ready in indexes)
    assert sum("FOREIGN KEY (cd_id)" in definition for _name, definition, *_flags in constraints) == 1


def _plans() -> tuple[str, str]:
    cd = SignUp.objects.exclude(cd=None).values_list("cd_id", flat=True).first()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # six rows: force the planner's hand
        by_district = SignUp.objects.filter(cd_id=cd).only("pk").explain()
        coverage = SignUp.objects.filter(wants_to_run=True, state="NY").values_list("cd_id", "county_id").explain()
    return by_district, coverage


# Committed, as the command does: in a test's own transaction the factories' HOT updates are
# that transaction's, and PostgreSQL holds an index built over them back from it (``indcheckxmin``).
@pytest.mark.django_db(transaction=True)
def test_queries_still_use_the_rebuilt_indexes(people):
    assert signups_reassign_districts(bulk_share=0.0).bulk
    # PostgreSQL may hold a rebuilt index back (``indcheckxmin``) until the writing transactions
    # open at the rebuild's commit end, anywhere on the server (other checkouts share this one):
    # wait a little; if still held back, one of those must be what holds it.
    for _attempt in range(20):
        by_district, coverage = _plans()
        if "signups_signup_cd_id" in by_district:
            break
        time.sleep(0.5)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT x.indcheckxmin,
                          EXISTS (SELECT 1 FROM pg_stat_activity a WHERE age(a.backend_xid) > age(x.xmin))
                   FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                   WHERE i.relname LIKE 'signups_signup_cd_id%'"""
            )
            assert cursor.fetchone() == (True, True), by_district
        return
    assert "signup_runners_coverage" in coverage


def test_the_rebuilt_keys_still_refuse_a_district_that_does_not_exist(people):
    assert signups_reassign_districts(bulk_share=0.0).bulk
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(Exception, match="foreign key"):
            cursor.execute("UPDATE signups_signup SET cd_id = -1 WHERE id = %s", [people[0].pk])


def test_a_busy_table_is_written_in_place_rather_than_waited_for(people, monkeypatch):
    """Another session reading the table holds off the exclusive lock: after LOCK_TIMEOUT the
    in-place way, which lets that reader be, writes the same districts."""
    monkeypatch.setattr(redistricting, "LOCK_TIMEOUT", "200ms")
    reader = psycopg2.connect(**connection.get_connection_params())
    try:
        with reader.cursor() as cursor:
            cursor.execute("BEGIN; LOCK TABLE signups_signup IN ACCESS SHARE MODE")
        result = signups_reassign_districts(bulk_share=0.0)
    finally:
        reader.close()
    assert (result.bulk, result.changed) == (False, 5)
    assert SignUp.objects.filter(location__isnull=False, districts_assigned_at__isnull=True).count() == 0


def test_the_command_says_when_it_wrote_in_bulk(people):
    out = StringIO()
    call_command("reassign_districts", stdout=out)
    assert "Checked the districts of 5 sign-ups; 5 changed. Written in bulk" in out.getvalue()

"""Transactional tests commit and are flushed afterwards; the session's districts must survive.

pytest-django runs transactional tests after the others, in file order, so the
second test here runs right after the first one's flush (see tests/conftest.py).
"""

import pytest

from districts.models import BoundarySet, District

from .conftest import cd_properties, feature, lookup, run_command, square, write_geojson

pytestmark = pytest.mark.django_db(transaction=True)

COUNTS = {"cd": 437, "sldu": 1942, "sldl": 4833}


def current_counts() -> dict[str, int]:
    current = District.objects.current().countable()
    return {chamber: current.filter(chamber=chamber).count() for chamber in COUNTS}


def test_a_transactional_test_sees_the_districts_and_may_change_them(api_client, tmp_path):
    assert current_counts() == COUNTS
    assert lookup(api_client, 40.7484, -73.9857)["sldl"]["geoid"] == "36075"

    # Committed changes: a new current congressional map, a deleted set.
    path = write_geojson(
        tmp_path / "us_cd120_redrawn.geojson", [feature(cd_properties("50", "01"), square(-73, 44, 1))]
    )
    run_command("load_districts", path, "--make-current")
    BoundarySet.objects.filter(name="tl_2024_36_sldl.zip").delete()

    assert lookup(api_client, 44.26, -72.575)["cd"]["geoid"] == "5001"
    assert District.objects.current().filter(chamber="sldl", state="NY").count() == 0


def test_the_next_test_starts_with_the_session_districts_again(api_client):
    assert current_counts() == COUNTS
    assert not BoundarySet.objects.filter(vintage="CD120").exists()
    assert set(BoundarySet.objects.filter(chamber="cd", is_current=True).values_list("vintage", flat=True)) == {"CD119"}
    assert lookup(api_client, 40.7484, -73.9857)["sldl"]["geoid"] == "36075"
    assert lookup(api_client, 44.26, -72.575)["cd"]["geoid"] == "5000"
    # New rows get fresh ids: the restored sequences are past the restored rows.
    bs = BoundarySet.objects.create(chamber="cd", vintage="CD999", name="x", checksum="x", resolution="20m")
    assert bs.pk > max(BoundarySet.objects.exclude(pk=bs.pk).values_list("pk", flat=True))

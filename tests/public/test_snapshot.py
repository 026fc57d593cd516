"""The public snapshot: rebuilt at most once a minute, by one process at a time."""

import dataclasses
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from public_site import coverage
from tests.factories import signup_in

from .conftest import BURLINGTON, district_at

pytestmark = pytest.mark.django_db


def _aged(snapshot, seconds: float):
    return dataclasses.replace(snapshot, built_at=snapshot.built_at - timedelta(seconds=seconds))


def test_a_fresh_snapshot_is_served_without_counting_again(django_assert_num_queries):
    coverage.public_snapshot()
    coverage._held = None  # another process: it has only Redis
    with django_assert_num_queries(0):
        coverage.public_snapshot()


def test_an_old_snapshot_is_rebuilt_with_new_sign_ups():
    key = coverage._cache_key()
    cache.set(key, _aged(coverage.snapshot_build(), coverage.SNAPSHOT_SECONDS + 1), 600)
    signup_in(district_at("cd", *BURLINGTON), confirmed_at=timezone.now())
    coverage._held = None
    assert coverage.public_snapshot().chambers["cd"]["covered"] == 1


def test_while_one_process_rebuilds_the_others_serve_the_old_snapshot(django_assert_num_queries):
    key = coverage._cache_key()
    old = _aged(coverage.snapshot_build(), coverage.SNAPSHOT_SECONDS + 1)
    cache.set(key, old, 600)
    cache.add(f"{key}:building", 1, 30)  # another process is rebuilding
    coverage._held = None
    with django_assert_num_queries(0):
        assert coverage.public_snapshot().built_at == old.built_at


def test_beat_rebuilds_the_snapshot_so_that_no_request_has_to(settings, django_assert_num_queries):
    from public_site.tasks import refresh_snapshot

    key = coverage._cache_key()
    old = _aged(coverage.snapshot_build(), coverage.REFRESH_SECONDS + 1)
    cache.set(key, old, 600)
    signup_in(district_at("cd", *BURLINGTON), confirmed_at=timezone.now())
    coverage._held = None
    with django_assert_num_queries(0):  # half a minute old: a request serves it as it is
        assert coverage.public_snapshot().built_at == old.built_at
    assert refresh_snapshot() is True  # what beat runs every REFRESH_SECONDS
    assert coverage.public_snapshot_refresh() is False  # fresh now: nothing more to do
    coverage._held = None
    with django_assert_num_queries(0):
        assert coverage.public_snapshot().chambers["cd"]["covered"] == 1
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["public_site.tasks.refresh_snapshot"] <= coverage.REFRESH_SECONDS


def _held_longer_than_local_seconds():
    key, at, snapshot = coverage._held
    coverage._held = (key, at - coverage.LOCAL_SECONDS - 1, snapshot)


def test_a_process_keeps_its_snapshot_until_another_is_stored_then_takes_that_one():
    """Every LOCAL_SECONDS a process asks Redis again: while the shared snapshot is the one it
    holds it keeps it (only the version is read), and a rebuild by another process replaces it."""
    held = coverage.public_snapshot()
    _held_longer_than_local_seconds()
    assert coverage.public_snapshot() is held  # the same object: the whole snapshot was not read again
    signup_in(district_at("cd", *BURLINGTON), confirmed_at=timezone.now())
    key = coverage._cache_key()
    coverage._rebuilt_if_older(key, None, coverage.SNAPSHOT_SECONDS)  # another process (beat) rebuilds
    _held_longer_than_local_seconds()
    assert coverage.public_snapshot().chambers["cd"]["covered"] == held.chambers["cd"]["covered"] + 1

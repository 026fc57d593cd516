"""Shared fixtures of the coverage tests: fresh caches, the current districts (organizers: tests/plugins)."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from districts.models import District


@pytest.fixture(autouse=True)
def _fresh_summary_cache(db):
    """Each test computes its coverage summaries afresh (they are cached in Redis for a minute)."""
    clear_summary_cache()


def clear_summary_cache() -> None:
    """Forget this test database's cached coverage (summaries and tiles).

    Only those keys: ``cache.clear()`` would flush the whole Redis database, which
    other checkouts' test sessions (and a developer's running site) share.
    """
    import redis

    from coverage.cache import PREFIX

    pattern = cache.make_key(f"{PREFIX}:{connection.settings_dict['NAME']}:*")
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def current_districts(chamber: str, state: str) -> list[District]:
    """The state's real districts of the chamber on the current maps, by GEOID (no placeholders)."""
    return list(
        District.objects.filter(
            chamber=chamber, state=state, boundary_set__is_current=True, superseded=False, is_placeholder=False
        )
        .defer("geometry")
        .order_by("geoid")
    )

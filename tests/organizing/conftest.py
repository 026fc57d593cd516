"""Shared helpers of the coverage tests: a cache cleared mid-test, the current districts (organizers: tests/plugins)."""

from districts.models import District
from tests.conftest import coverage_cache_pattern, forget_cached


def clear_summary_cache() -> None:
    """Forget this test database's cached coverage in the middle of a test (each starts without)."""
    forget_cached(coverage_cache_pattern())


def current_districts(chamber: str, state: str) -> list[District]:
    """The state's real districts of the chamber on the current maps, by GEOID (no placeholders)."""
    return list(
        District.objects.filter(
            chamber=chamber, state=state, boundary_set__is_current=True, superseded=False, is_placeholder=False
        )
        .defer("geometry")
        .order_by("geoid")
    )

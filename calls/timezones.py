"""Time zones of people by ZIP (from the ``zipcodes`` package).

The queue compares the hour in each person's zone in SQL (PostgreSQL knows the IANA
zones); ``in_calling_hours`` is the same rule in Python, for pages and tests.

The package gives an IANA zone per ZIP. A few of its entries are empty or not a zone
(a place name); those ZIPs, and ZIPs it does not know, take their state's most common
zone, so nobody is left without one (and so never called).
"""

import datetime
import functools
import zoneinfo
from collections import Counter, defaultdict

from django.conf import settings

FALLBACK_ZONE = "America/New_York"


@functools.cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    import zipcodes

    valid = zoneinfo.available_timezones()
    by_zip: dict[str, str] = {}
    per_state: dict[str, Counter] = defaultdict(Counter)
    for row in zipcodes.list_all():
        zone = row.get("timezone") or ""
        if zone in valid:
            by_zip[row["zip_code"]] = zone
            per_state[row["state"].upper()][zone] += 1
    by_state = {state: counts.most_common(1)[0][0] for state, counts in per_state.items()}
    return by_zip, by_state


def zip_time_zone(zip_code: str, state: str) -> str:
    """The IANA zone of a ZIP, else of its state, else Eastern."""
    by_zip, by_state = _tables()
    return by_zip.get(zip_code) or by_state.get((state or "").upper()) or FALLBACK_ZONE


def local_time(zone: str, now: datetime.datetime) -> datetime.datetime:
    return now.astimezone(zoneinfo.ZoneInfo(zone or FALLBACK_ZONE))


def in_calling_hours(zone: str, now: datetime.datetime) -> bool:
    """Whether it is between CALLS_HOURS (9:00 and 20:00 by default) in ``zone`` at ``now``."""
    start, end = settings.CALLS_HOURS
    return start <= local_time(zone, now).hour < end

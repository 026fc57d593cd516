"""Time zones by ZIP and the calling-hours rule in Python (the queue applies the same rule in SQL)."""

import datetime

from calls.timezones import in_calling_hours, zip_time_zone


def test_zip_time_zone_comes_from_the_zip_then_the_state():
    assert zip_time_zone("32501", "FL") == "America/Chicago"  # Pensacola
    assert zip_time_zone("33101", "FL") == "America/New_York"  # Miami
    assert zip_time_zone("00000", "HI") == "Pacific/Honolulu"  # unknown ZIP: the state's zone


def test_calling_hours_start_at_nine_and_end_before_eight_pm():
    zone = "America/Denver"  # UTC-7 in December
    at = lambda h, m: datetime.datetime(2026, 12, 1, h, m, tzinfo=datetime.UTC)  # noqa: E731
    assert not in_calling_hours(zone, at(15, 59))  # 8:59
    assert in_calling_hours(zone, at(16, 0))  # 9:00
    assert in_calling_hours(zone, at(2, 59))  # 19:59 the day before
    assert not in_calling_hours(zone, at(3, 0))  # 20:00

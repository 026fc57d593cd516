"""Where Census TIGER/Line downloads come from."""

import pytest

from districts.sources import census_tiger_urls, congress_for_tiger_year
from districts.states import FIFTY_STATES


@pytest.mark.parametrize(("year", "congress"), [(2024, 119), (2025, 119), (2026, 120), (2022, 118), (2012, 113)])
def test_a_tiger_release_carries_the_districts_of_the_next_congress(year, congress):
    assert congress_for_tiger_year(year) == congress


def test_census_2026_urls_list_the_national_cd120_file_and_every_state_legislature():
    urls = census_tiger_urls(2026)

    assert urls[0] == "https://www2.census.gov/geo/tiger/TIGER2026/CD/tl_2026_us_cd120.zip"
    assert [u for u in urls if "/CD/" in u] == [urls[0]]
    sldu = [u for u in urls if "/TIGER2026/SLDU/" in u]
    sldl = [u for u in urls if "/TIGER2026/SLDL/" in u]
    assert len(sldu) == 50
    assert len(sldl) == 49
    assert len(urls) == 1 + 50 + 49
    assert len(set(urls)) == len(urls)
    assert "https://www2.census.gov/geo/tiger/TIGER2026/SLDU/tl_2026_36_sldu.zip" in sldu
    assert "https://www2.census.gov/geo/tiger/TIGER2026/SLDL/tl_2026_36_sldl.zip" in sldl
    # Nebraska (FIPS 31) has a unicameral legislature: a senate file, no house file.
    assert "https://www2.census.gov/geo/tiger/TIGER2026/SLDU/tl_2026_31_sldu.zip" in sldu
    assert not [u for u in sldl if "_31_" in u]
    # The 50 states only: no DC (11) or territories (72 Puerto Rico, ...).
    fips = {u.rsplit("/", 1)[1].split("_")[2] for u in sldu}
    assert fips == {s.fips for s in FIFTY_STATES}
    assert not fips & {"11", "60", "66", "69", "72", "78"}


def test_census_2024_urls_point_at_the_cd119_file():
    assert census_tiger_urls(2024)[0] == "https://www2.census.gov/geo/tiger/TIGER2024/CD/tl_2024_us_cd119.zip"

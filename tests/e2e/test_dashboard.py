"""An organizer logs in with email, password and a TOTP code, reads the headline, opens a state and a district."""

import pytest

from tests.factories import TotpOrganizerFactory, signup_in, totp_code
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


def test_organizer_logs_in_with_totp_and_drills_down_to_a_district(live_server, page):
    organizer = TotpOrganizerFactory(email="lead@example.org", states=["NY"])
    house = current_districts("sldl", "NY")
    for district in house[:3]:
        signup_in(district, wants_to_run=True)
    signup_in(house[0], first_name="Rosa", last_name="Parks", wants_to_run=False, wants_to_volunteer=True)

    page.goto(live_server.url + "/organize/")
    # Not signed in: the login page, by email.
    page.locator("input[name=login]").fill("lead@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    # The password alone is not enough: the authenticator code.
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(totp_code(organizer.totp_secret))
    page.locator("form button[type=submit]").first.click()

    page.wait_for_url("**/organize/")
    headline = page.locator("[data-headline]").inner_text()
    assert headline.startswith("3 supporters who want to run cover 2% of state house districts, ")
    assert "% of state senate districts and " in headline and headline.endswith("% of congressional districts")

    page.get_by_role("link", name="New York", exact=True).click()
    page.wait_for_url("**/organize/states/NY/")
    assert page.locator("h1").inner_text() == "New York"
    gap = page.locator("#chamber-sldl [data-gap=candidate_only]")
    assert "(2)" in gap.locator("h3").inner_text()

    page.locator("#chamber-sldl summary", has_text="All 150 districts").click()
    page.locator(f"#chamber-sldl tr[data-geoid='{house[0].geoid}'] a").click()
    page.wait_for_url(f"**/organize/districts/sldl/{house[0].geoid}/")
    assert page.locator("h1").inner_text() == house[0].name
    assert "People (2)" in page.locator("main").inner_text()
    page.get_by_role("link", name="Rosa Parks").click()
    page.wait_for_url("**/organize/signups/*/")
    assert page.locator("h1").inner_text() == "Rosa Parks"

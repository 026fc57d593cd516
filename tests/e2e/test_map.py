"""An organizer opens the coverage map and MapLibre draws the districts from our own tiles."""

from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.gis.geos import Point
from django.utils import timezone

from districts.selectors import district_lookup
from tests.factories import OrganizerFactory, SignUpFactory

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
EMPIRE_STATE = (-73.9857, 40.7484)  # NY-12
SCREENSHOT = Path("/tmp/coverage-map-cd.png")

RENDERED = """() => window.coverageMap.queryRenderedFeatures({layers: ["districts-fill"]})
    .map((f) => ({geoid: f.properties.geoid, state: f.properties.state, status: f.properties.status}))"""


def make_organizer(email: str, states: list[str]):
    """An organizer with a password and an authenticator app (organizers need TOTP)."""
    user = OrganizerFactory(email=email, states=states)
    user.save()  # the factory sets the password after its own save
    user.totp_secret = generate_totp_secret()
    TOTP.activate(user, user.totp_secret)
    return user


def log_in(page, base_url: str, user, next_path: str) -> None:
    """Email and password, then the authenticator app's current code; lands on ``next_path``."""
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    counter = int(timezone.now().timestamp()) // 30
    page.locator("input[name=code]").fill(format_hotp_value(hotp_value(user.totp_secret, counter)))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(base_url + next_path)


def wait_until_drawn(page) -> None:
    page.locator("[data-coverage-map][data-ready=true]").wait_for()


def test_organizer_map_draws_their_districts_shaded_by_coverage(live_server, page):
    districts = district_lookup(lat=EMPIRE_STATE[1], lng=EMPIRE_STATE[0])
    SignUpFactory(location=Point(*EMPIRE_STATE, srid=4326), cd=districts["cd"], sldl=districts["sldl"])
    organizer = make_organizer("map@example.org", ["NY"])
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and "favicon.ico" not in message.location.get("url", "")
            and problems.append(message.text)
        ),
    )

    log_in(page, live_server.url, organizer, "/organize/tiles/map/cd/")
    wait_until_drawn(page)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    drawn = page.evaluate(RENDERED)
    assert drawn, "no district drawn"
    assert {d["state"] for d in drawn} == {"NY"}
    assert len({d["geoid"] for d in drawn}) == 26  # New York's 26 districts fill the state's view
    assert {d["status"] for d in drawn if d["geoid"] == "3612"} == {"candidate"}
    assert not problems, problems


def test_district_opens_by_click_and_by_keyboard(live_server, page):
    organizer = make_organizer("keys@example.org", ["NY"])
    log_in(page, live_server.url, organizer, "/organize/tiles/map/cd/")
    wait_until_drawn(page)
    page.evaluate(f"() => window.coverageMap.jumpTo({{center: {list(EMPIRE_STATE)}, zoom: 12}})")
    page.wait_for_function("() => window.coverageMap.loaded() && !window.coverageMap.isMoving()")

    # Keyboard: focusing the map highlights and announces the district at its centre.
    page.locator(".maplibregl-canvas").focus()
    status = page.locator("[data-coverage-map-status]")
    page.wait_for_function("() => document.querySelector('[data-coverage-map-status]').textContent.length > 0")
    assert status.inner_text().startswith("New York Congressional District 12: Nobody yet")

    # Mouse: a click on the district opens it (its page, or a popup until that page exists).
    district_url = page.locator("[data-coverage-map]").get_attribute("data-district-url")
    box = page.locator("[data-coverage-map]").bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    if district_url:
        with page.expect_navigation():
            page.mouse.click(*centre)
        assert page.url.startswith(live_server.url + district_url.replace("{geoid}", "3612"))
    else:
        page.mouse.click(*centre)
        popup = page.locator(".maplibregl-popup")
        popup.wait_for()
        assert "New York Congressional District 12" in popup.inner_text()


def test_map_says_what_to_do_without_javascript(live_server, browser):
    organizer = make_organizer("nojs@example.org", ["NY"])
    context = browser.new_context(locale="en-US", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server.url, organizer, "/organize/tiles/map/sldl/")
        assert "The map needs JavaScript" in page.locator("main").inner_text()
        assert page.get_by_role("list", name="Legend").inner_text().count("\n") >= 2
    finally:
        context.close()

"""A supporter fills the run form in a real browser and lands on the thank-you page."""

import pytest

from signups.models import LocationQuality, SignUp


def run_intake_once() -> None:
    """``manage.py run_intake --once`` on the test database, as the Procfile's intake worker would."""
    import os
    import subprocess

    from django.conf import settings

    from tests.plugins.processes import ROOT, database_url

    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "berniecrat.settings.test",
        "DATABASE_URL": database_url(settings.DATABASES["default"]),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "run_intake", "--once"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("zipcodes")]


def fill_run_form(page, email):
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Ruiz")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("State", exact=True).select_option("NY")
    page.get_by_label("ZIP code").fill("12345")
    page.get_by_label("State house", exact=True).check()
    page.get_by_label("The next election").check()


def test_run_form_by_keyboard_and_labels_lands_on_thank_you_page(live_server, page):
    page.goto(live_server.url + "/run/")
    fill_run_form(page, "browser@example.org")
    page.get_by_role("button", name="Sign me up").press("Enter")
    page.wait_for_url("**/thanks/")
    assert page.locator("h1").inner_text() == "Thank you for signing up!"
    assert "Your districts" in page.locator("main").inner_text()
    run_intake_once()
    assert SignUp.objects.get(email="browser@example.org").wants_to_run


def test_invalid_form_shows_an_error_summary_that_takes_focus_links(live_server, page):
    page.goto(live_server.url + "/run/")
    page.get_by_role("button", name="Sign me up").click()
    summary = page.get_by_role("alert")
    assert "Please correct the following" in summary.inner_text()
    summary.get_by_role("link", name="First name: This field is required.").click()
    assert page.evaluate("document.activeElement.id") == "id_first_name"


def test_browser_location_refines_the_point_when_javascript_is_on(live_server, browser):
    context = browser.new_context(
        locale="en-US", geolocation={"latitude": 40.7484, "longitude": -73.9857}, permissions=["geolocation"]
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/run/")
        fill_run_form(page, "located@example.org")
        page.get_by_role("button", name="Use my current location instead").click()
        page.get_by_text("Location found").wait_for()
        page.get_by_role("button", name="Sign me up").click()
        page.wait_for_url("**/thanks/")
        assert "New York Assembly District 75" in page.locator("main").inner_text()  # the point's district
    finally:
        context.close()
    run_intake_once()
    signup = SignUp.objects.select_related("sldl").get(email="located@example.org")
    assert signup.location_quality == LocationQuality.EXACT
    assert signup.sldl.geoid == "36075"

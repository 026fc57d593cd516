"""A visitor who knows nothing sees the map, finds their districts, learns nobody runs there, and
signs up to be the first, in English and in Spanish."""

import pytest
from django.utils import timezone

from public_site.coverage import public_snapshot_forget
from signups.models import SignUp
from tests.factories import signup_in
from tests.public.conftest import EMPIRE_STATE, district_at
from tests.signups.conftest import process_intake

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("zipcodes")]

RENDERED = """() => window.coverageMap.queryRenderedFeatures({layers: ["districts-fill"]})
    .map(f => f.properties.status)"""

TEXTS = {
    "en": {
        "prefix": "",
        "find": "Is anyone running where you live? Find your districts",
        "zip": "ZIP code",
        "submit": "Find my districts",
        "nobody": "Nobody yet",
        "first": "Be the first to run here",
        "first_name": "First name",
        "last_name": "Last name",
        "email": "Email",
        "office": "State house",
        "when": "The next election",
        "sign_up": "Sign me up",
        "thanks": "Thank you for signing up!",
        "heading": "Who wants to run where",
    },
    "es": {
        "prefix": "/es",
        "find": "¿Alguien se postula donde vives? Encuentra tus distritos",
        "zip": "Código postal",
        "submit": "Encontrar mis distritos",
        "nobody": "Nadie todavía",
        "first": "Sé la primera persona en postularse aquí",
        "first_name": "Nombre",
        "last_name": "Apellido",
        "email": "Correo electrónico",
        "office": "Cámara de Representantes estatal",
        "when": "La próxima elección",
        "sign_up": "Inscribirme",
        "thanks": "¡Gracias por inscribirte!",
        "heading": "Quién quiere postularse y dónde",
    },
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_visitor_finds_nobody_runs_in_their_district_and_signs_up_to_be_the_first(live_server, page, language):
    public_snapshot_forget()
    # Someone already wants to run in Manhattan; nobody in Vermont yet.
    signup_in(district_at("sldl", *EMPIRE_STATE), confirmed_at=timezone.now())
    t = TEXTS[language]
    page.goto(f"{live_server.url}{t['prefix']}/coverage/ny/")
    page.locator("[data-coverage-map][data-ready=true]").wait_for()
    assert "candidate" in page.evaluate(RENDERED)  # the map shows the covered Assembly district

    page.goto(f"{live_server.url}{t['prefix']}/coverage/")
    assert page.locator("h1").inner_text() == t["heading"]
    page.get_by_role("link", name=t["find"]).click()
    page.get_by_label(t["zip"]).fill("05401")
    page.get_by_role("button", name=t["submit"]).press("Enter")
    result = page.locator(".public-result")
    result.wait_for()
    assert result.inner_text().count(t["nobody"]) == 3
    page.get_by_role("button", name=t["first"]).first.click()

    # The run form, opened with the place filled in.
    page.wait_for_url(f"**{t['prefix']}/run/")
    assert page.get_by_label(t["zip"]).input_value() == "05401"
    page.get_by_label(t["first_name"]).fill("Vera")
    page.get_by_label(t["last_name"]).fill("Montpelier")
    page.get_by_label(t["email"], exact=True).fill(f"first-{language}@example.org")
    page.get_by_label(t["office"], exact=True).check()
    page.get_by_label(t["when"]).check()
    page.get_by_role("button", name=t["sign_up"]).click()
    page.wait_for_url(f"**{t['prefix']}/thanks/")
    assert page.locator("h1").inner_text() == t["thanks"]
    assert "Vermont Congressional District" in page.locator("main").inner_text()
    process_intake()  # what the intake workers do with the stored submission
    signup = SignUp.objects.get(email=f"first-{language}@example.org")
    assert signup.state == "VT" and signup.zip == "05401" and signup.wants_to_run

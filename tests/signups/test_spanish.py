"""The supporter pages in Spanish at /es/: what a Spanish-speaking supporter reads and receives."""

import html
import re

import pytest

from signups import emails
from signups.models import SignUp
from tests.geocoding.fixtures import zipcodes, zipcodes_session  # noqa: F401 (fixtures)
from tests.signups.conftest import process_intake

pytestmark = pytest.mark.django_db


def page(response) -> str:
    """The page's text with HTML entities decoded, as a reader sees the characters."""
    return html.unescape(response.content.decode())


def heading(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", page(response)).group(1)


def label(response, field: str) -> str:
    return re.search(rf'<label for="id_{field}">(.*?)</label>', page(response)).group(1)


def legend(response, text: str) -> bool:
    return f"<legend>{text}</legend>" in page(response)


def errors(response) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>([^<]*)</p>', page(response))


def test_run_page_in_spanish(client):
    response = client.get("/es/run/")
    assert response.status_code == 200
    assert '<html lang="es">' in page(response)
    assert heading(response) == "Quiero postularme a un cargo"
    assert label(response, "first_name") == "Nombre"
    assert label(response, "last_name") == "Apellido"
    assert label(response, "email") == "Correo electrónico"
    assert label(response, "zip") == "Código postal"
    assert legend(response, "¿A qué cargos considerarías postularte?")
    assert legend(response, "¿Cuándo?")
    text = page(response)
    for choice in ("Junta escolar", "Senado estatal", "Cámara de Representantes estatal", "Primaria demócrata"):
        assert choice in text
    assert "Working Families" in text and "Verde" in text
    assert ">Inscribirme</button>" in text
    assert "distrito congresional" in text  # the privacy note under the form
    assert "I want to run for office" not in text


def test_volunteer_page_in_spanish(client):
    response = client.get("/es/volunteer/")
    assert response.status_code == 200
    assert '<html lang="es">' in page(response)
    assert heading(response) == "Quiero ayudar a candidatos"
    assert label(response, "phone") == "Teléfono"
    assert label(response, "hours_per_week") == "Horas por semana"
    assert legend(response, "¿Cómo puedes ayudar?")
    assert legend(response, "¿Dónde ayudarás?")
    for choice in ("Tocar puertas", "Recaudación de fondos", "Solo en mi distrito"):
        assert choice in page(response)
    assert "How can you help?" not in page(response)


def test_form_links_stay_in_spanish(client):
    text = page(client.get("/es/run/"))
    assert 'href="/es/run/"' in text and 'href="/es/volunteer/"' in text
    assert ">Postúlate a un cargo</a>" in text and ">Voluntariado</a>" in text


def test_english_pages_stay_english(client):
    response = client.get("/run/")
    assert response.status_code == 200
    assert '<html lang="en">' in page(response)
    assert heading(response) == "I want to run for office"
    assert label(response, "first_name") == "First name"
    assert "Quiero postularme" not in page(response)


def test_home_page_in_spanish(client):
    response = client.get("/es/")
    assert response.status_code == 200
    text = page(response)
    assert '<html lang="es">' in text
    assert heading(response) == "Postúlate a un cargo. Cuentas con nuestro respaldo."
    assert ">Quiero postularme a un cargo</a>" in text
    assert ">Quiero ayudar a candidatos</a>" in text
    assert "Dinos dónde vives" in text


def test_invalid_run_form_explains_errors_in_spanish(client, run_form):
    run_form.update(first_name="", last_name="R2-D2", zip="1000")
    response = client.post("/es/run/", run_form)
    assert response.status_code == 200
    assert "Corrige lo siguiente:" in page(response)
    found = errors(response)
    assert "Este campo es obligatorio." in found  # Django's own catalogue
    assert "Usa solo letras, con espacios, guiones o apóstrofos entre ellas." in found
    assert "Escribe un código postal de cinco dígitos." in found
    assert not SignUp.objects.exists()


def test_invalid_volunteer_phone_explained_in_spanish(client, volunteer_form, zipcodes):  # noqa: F811
    volunteer_form["phone"] = "call me"
    response = client.post("/es/volunteer/", volunteer_form)
    assert errors(response) == ["Escribe un número de teléfono de EE. UU., por ejemplo 212-555-0100."]


def test_zip_in_another_state_explained_in_spanish(client, run_form, zipcodes):  # noqa: F811
    run_form["state"] = "CA"
    response = client.post("/es/run/", run_form)
    assert errors(response) == ["El código postal 10001 está en NY, no en CA."]


def test_spanish_sign_up_thanks_and_emails_in_spanish(client, run_form, zipcodes):  # noqa: F811
    response = client.post("/es/run/", run_form | {"zip": "12345", "city": ""}, follow=True)
    assert response.redirect_chain == [("/es/thanks/", 302)]
    text = page(response)
    assert "¡Gracias por inscribirte!" in text
    assert "Tus distritos" in text and "Cámara de Representantes de EE. UU." in text

    process_intake()
    signup = SignUp.objects.get()
    assert signup.language == "es"
    message = emails.confirmation_message(signup)
    assert message.subject == "Confirma tu inscripción"
    assert message.body.startswith("Hola, Ana:")
    assert "Gracias por tu disposición a postularte a un cargo." in message.body
    assert "/es/confirm/" in message.body and "/es/unsubscribe/" in message.body


def test_language_switcher_moves_to_the_spanish_page(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/run/"})
    assert response.status_code == 302
    assert response["Location"] == "/es/run/"
    assert heading(client.get(response["Location"])) == "Quiero postularme a un cargo"


def test_language_switcher_offers_spanish_by_its_own_name(client):
    text = page(client.get("/run/"))
    assert '<option value="es">Español</option>' in text

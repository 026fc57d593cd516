"""/nominate/: a supporter nominates someone to run; the nominee is invited once."""

import re
import time

import pytest

from pipeline import services
from pipeline.models import Nomination
from signups.forms import time_trap_token
from signups.models import OutboxEmail
from tests.factories import SignUpFactory
from tests.signups.conftest import send_outbox

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]

DATA = {
    "nominator_name": "Rosa Diaz",
    "nominator_email": "rosa@example.org",
    "nominee_name": "Maya Chen",
    "nominee_email": "maya@example.org",
    "nominee_phone": "",
    "street": "",
    "city": "Burlington",
    "state": "VT",
    "zip": "05401",
    "reason": "She runs the tenants' union.",
}


def form() -> dict:
    """What the page posts: the fields and the sign-up forms' two traps (shown half a minute ago;
    a time-trap token works once, so each post has its own)."""
    return DATA | {"website": "", "started": time_trap_token(time.time() - 30)}


def errors(response) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>([^<]*)</p>', response.content.decode())


def test_nomination_is_stored_with_its_districts(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/nominate/", form())
    assert response.status_code == 302 and response["Location"] == "/nominate/thanks/"
    nomination = Nomination.objects.select_related("cd", "sldu", "sldl").get()
    assert nomination.cd.geoid == "5000"  # Vermont at large
    assert nomination.sldu.state == nomination.sldl.state == "VT"
    assert len(callbacks) == 1  # the invitation


def test_nominee_is_invited_once_however_many_nominate_them(smtp_server):
    first, _ = services.nomination_create(data=dict(DATA))
    second, created = services.nomination_create(
        data=DATA | {"nominator_name": "Ann Lee", "nominator_email": "ann@x.org", "nominee_email": "MAYA@example.org"}
    )
    assert created and first.pk != second.pk
    [invitation_row] = OutboxEmail.objects.filter(kind="nomination_invitation")  # one for the nominee
    assert "maya" not in invitation_row.key  # the key is a keyed hash of the address
    assert [row.pk for row in send_outbox()] == [invitation_row.pk]
    assert send_outbox() == []
    first.refresh_from_db()
    assert first.invitation_sent_at is not None
    smtp_server.mailbox.wait_for(1)
    [invitation] = smtp_server.mailbox.to("maya@example.org")
    assert "Rosa Diaz nominated you" in invitation.get_content()
    assert "/run/" in invitation.get_content()


def test_same_nominator_and_nominee_twice_is_one_nomination():
    services.nomination_create(data=dict(DATA))
    _, created = services.nomination_create(data=DATA | {"nominee_email": "MAYA@example.org"})
    assert not created and Nomination.objects.count() == 1


def test_no_invitation_to_someone_who_already_signed_up(smtp_server):
    SignUpFactory(email="maya@example.org")
    services.nomination_create(data=dict(DATA))
    assert send_outbox() == []
    assert OutboxEmail.objects.get().dropped_at is not None
    assert not smtp_server.mailbox.messages


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nominee_name", "<script>", "Use letters only"),
        ("nominator_email", "nope", "Enter a valid email address."),
        ("zip", "90210", "ZIP code 90210 is in CA, not VT."),
        ("nominee_phone", "call me", "Enter a US phone number"),
        ("reason", "x" * 2001, "at most 2000 characters"),
    ],
)
def test_bad_nomination_gets_a_clear_message_and_stores_nothing(client, field, value, message):
    response = client.post("/nominate/", form() | {field: value})
    assert response.status_code == 200
    assert any(message in e for e in errors(response)), errors(response)
    assert not Nomination.objects.exists()


def test_nominee_needs_an_email_or_a_phone(client):
    response = client.post("/nominate/", form() | {"nominee_email": "", "nominee_phone": ""})
    assert "Give their email or their phone" in response.content.decode()
    assert not Nomination.objects.exists()


def test_nomination_page_in_spanish(client):
    response = client.get("/es/nominate/")
    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()


def test_nomination_form_has_the_sign_up_traps(client):
    html = client.get("/nominate/").content.decode()
    assert 'name="website"' in html and 'class="field field--trap"' in html
    assert 'name="started"' in html and 'type="hidden"' in html


def test_honeypot_filled_refuses_the_nomination(client):
    response = client.post("/nominate/", form() | {"website": "http://spam.example"})
    assert response.status_code == 200
    assert "leave this field empty" in response.content.decode()
    assert not Nomination.objects.exists()


@pytest.mark.parametrize(
    ("started", "message"),
    [("", "could not be checked"), ("forged", "could not be checked"), ("fresh", "quicker than a person")],
)
def test_time_trap_refuses_missing_forged_or_instant_nominations(client, settings, started, message):
    settings.SIGNUP_FORM_MIN_SECONDS = 2.0
    token = time_trap_token() if started == "fresh" else started
    response = client.post("/nominate/", form() | {"started": token})
    assert message in response.content.decode()
    assert not Nomination.objects.exists()


def test_nominations_are_rate_limited_per_address(client, settings):
    settings.SIGNUP_FORM_RATE = "2/minute"
    for i in range(2):
        response = client.post("/nominate/", form() | {"nominator_email": f"n{i}@example.org"})
        assert response.status_code == 302
    response = client.post("/nominate/", form() | {"nominator_email": "n9@example.org"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many nominations" in response.content.decode()
    assert Nomination.objects.count() == 2


def test_nominations_are_rate_limited_per_nominator_email(client, settings):
    settings.SIGNUP_EMAIL_RATE = "2/hour"
    for i in range(2):
        assert client.post("/nominate/", form() | {"nominee_email": f"m{i}@example.org"}).status_code == 302
    response = client.post("/nominate/", form() | {"nominee_email": "m9@example.org"})
    assert response.status_code == 429 and "Too many nominations" in response.content.decode()
    assert Nomination.objects.count() == 2


def test_a_refused_nomination_page_is_not_cached(client):
    response = client.post("/nominate/", form() | {"website": "x"})
    assert "no-store" in response["Cache-Control"]


def test_nomination_page_shows_spanish_labels(client):
    html = client.get("/es/nominate/").content.decode()
    for text in ("Nomina a alguien para postularse a un cargo", "¿Quién debería postularse?", "Tu correo electrónico"):
        assert text in html
    assert "Enviar nominación" in html and "Send nomination" not in html


def test_invitation_and_introduction_emails_in_spanish():
    from pipeline.emails import introduction_messages, invitation_message
    from pipeline.models import Introduction

    nomination = Nomination(
        nominator_name="Rosa Diaz", nominee_name="Maya", nominee_email="m@example.org", language="es"
    )
    message = invitation_message(nomination)
    assert message.subject == "Alguien cree que deberías postularte a un cargo"
    assert "Rosa Diaz te nominó" in message.body
    candidate = SignUpFactory(language="es", first_name="Ana")
    helper = SignUpFactory(language="es", wants_to_run=False, wants_to_volunteer=True, first_name="Luis")
    to_candidate, to_volunteer = introduction_messages(Introduction(candidate=candidate, volunteer=helper))
    assert to_candidate.subject == "Conoce a un voluntario que puede ayudar a tu campaña"
    assert to_volunteer.subject == "Conoce a un candidato al que puedes ayudar"
    assert "Ambos aceptaron" in to_candidate.body

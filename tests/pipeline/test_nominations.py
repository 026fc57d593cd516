"""/nominate/: a supporter nominates someone to run; the nominee is invited once."""

import re

import pytest

from pipeline import services
from pipeline.models import Nomination
from tests.factories import SignUpFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]

FORM = {
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


def errors(response) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>([^<]*)</p>', response.content.decode())


def test_nomination_is_stored_with_its_districts(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/nominate/", FORM)
    assert response.status_code == 302 and response["Location"] == "/nominate/thanks/"
    nomination = Nomination.objects.select_related("cd", "sldu", "sldl").get()
    assert nomination.cd.geoid == "5000"  # Vermont at large
    assert nomination.sldu.state == nomination.sldl.state == "VT"
    assert len(callbacks) == 1  # the invitation


def test_nominee_is_invited_once_however_many_nominate_them(smtp_server):
    first, _ = services.nomination_create(data=dict(FORM))
    second, created = services.nomination_create(
        data=FORM | {"nominator_name": "Ann Lee", "nominator_email": "ann@x.org"}
    )
    assert created and first.pk != second.pk
    assert services.nomination_send_invitation(nomination_id=first.pk) is True
    assert services.nomination_send_invitation(nomination_id=second.pk) is False
    assert services.nomination_send_invitation(nomination_id=first.pk) is False
    smtp_server.mailbox.wait_for(1)
    [invitation] = smtp_server.mailbox.to("maya@example.org")
    assert "Rosa Diaz nominated you" in invitation.get_content()
    assert "/run/" in invitation.get_content()


def test_same_nominator_and_nominee_twice_is_one_nomination():
    services.nomination_create(data=dict(FORM))
    _, created = services.nomination_create(data=FORM | {"nominee_email": "MAYA@example.org"})
    assert not created and Nomination.objects.count() == 1


def test_no_invitation_to_someone_who_already_signed_up(smtp_server):
    SignUpFactory(email="maya@example.org")
    nomination, _ = services.nomination_create(data=dict(FORM))
    assert services.nomination_send_invitation(nomination_id=nomination.pk) is False


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
    response = client.post("/nominate/", FORM | {field: value})
    assert response.status_code == 200
    assert any(message in e for e in errors(response)), errors(response)
    assert not Nomination.objects.exists()


def test_nominee_needs_an_email_or_a_phone(client):
    response = client.post("/nominate/", FORM | {"nominee_email": "", "nominee_phone": ""})
    assert "Give their email or their phone" in response.content.decode()
    assert not Nomination.objects.exists()


def test_nomination_page_in_spanish(client):
    response = client.get("/es/nominate/")
    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()

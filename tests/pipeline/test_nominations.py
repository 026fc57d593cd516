"""/nominate/: a supporter nominates someone to run, confirms their own email, and the nominee is
invited once (in our words, at most once in 30 days)."""

import re
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from pipeline import services
from pipeline.models import Nomination
from signups import tokens
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


def confirm_path(smtp_server, nominator: str = "rosa@example.org") -> str:
    """The path of the confirmation link in the latest email to ``nominator``."""
    message = smtp_server.mailbox.wait_for_to(nominator, 1)[-1]
    return re.search(r"https?://[^/\s]+(/\S*nominate/confirm/\S+/)", message.get_content()).group(1)


def test_nomination_is_stored_with_its_districts(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/nominate/", form())
    assert response.status_code == 302 and response["Location"] == "/nominate/thanks/"
    nomination = Nomination.objects.select_related("cd", "sldu", "sldl").get()
    assert nomination.cd.geoid == "5000"  # Vermont at large
    assert nomination.sldu.state == nomination.sldl.state == "VT"
    assert nomination.confirmed_at is None
    assert len(callbacks) == 1  # the nominator's confirmation email
    assert "Check your email" in client.get("/nominate/thanks/").content.decode()


def test_nomination_with_a_link_mails_the_nominee_nothing_until_the_nominator_confirms(client, smtp_server):
    """The attack: a stranger's words, with a link, mailed from our address to anyone."""
    spam = "Claim your prize at http://evil.example/login now"
    assert client.post("/nominate/", form() | {"reason": spam}).status_code == 302
    [row] = send_outbox()
    assert row.kind == "nomination_confirmation"
    [confirmation] = smtp_server.mailbox.wait_for_to("rosa@example.org", 1)
    assert "evil.example" not in confirmation.get_content() and "Maya" not in confirmation.get_content()
    assert not smtp_server.mailbox.to("maya@example.org")

    path = confirm_path(smtp_server)
    page = client.get(path)  # what a mail scanner does: nothing happens
    assert (
        page.status_code == 200
        and "Maya Chen" in page.content.decode()
        and '<form method="post"' in page.content.decode()
    )
    assert send_outbox() == [] and Nomination.objects.get().confirmed_at is None

    assert "Your nomination is confirmed" in client.post(path).content.decode()
    assert [row.kind for row in send_outbox()] == ["nomination_invitation"]
    [invitation] = smtp_server.mailbox.wait_for_to("maya@example.org", 1)
    body = invitation.get_content()
    assert "Rosa Diaz" in body and Nomination.objects.select_related("sldl").get().sldl.name in body
    assert "evil.example" not in body and "prize" not in body  # the reason is for organizers only
    assert Nomination.objects.get().reason == spam
    # Pressing again (or opening the link again) sends nothing more.
    assert client.post(path).status_code == 200 and "confirmed" in client.get(path).content.decode()
    assert send_outbox() == []


def test_a_forged_or_damaged_confirmation_link_does_nothing(client):
    nomination, _ = services.nomination_create(data=dict(DATA))
    for token in ("forged", tokens.make_token(nomination.pk, tokens.CONFIRM_SALT)):  # a sign-up's token
        assert client.get(f"/nominate/confirm/{token}/").status_code == 400
        assert client.post(f"/nominate/confirm/{token}/").status_code == 400
    nomination.refresh_from_db()
    assert nomination.confirmed_at is None
    assert not OutboxEmail.objects.filter(kind="nomination_invitation").exists()


def test_an_attackers_unconfirmed_nomination_does_not_block_the_genuine_one(smtp_server):
    # The attacker types the genuine nominator's address first (and cannot confirm: not their mailbox).
    attack, _ = services.nomination_create(data=DATA | {"reason": "see http://evil.example"})
    genuine, created = services.nomination_create(data=DATA | {"nominee_email": "MAYA@example.org"})
    assert created and genuine.pk != attack.pk
    services.nomination_confirm(nomination_id=genuine.pk)
    assert [row.object_id for row in OutboxEmail.objects.filter(kind="nomination_invitation")] == [genuine.pk]
    # Once confirmed, the same pair again is the same nomination.
    again, created = services.nomination_create(data=dict(DATA))
    assert not created and again.pk == genuine.pk
    # The attacker's row, confirmed later by whoever holds the link, is a repeat: nothing more is sent.
    services.nomination_confirm(nomination_id=attack.pk)
    assert OutboxEmail.objects.filter(kind="nomination_invitation").count() == 1
    attack.refresh_from_db()
    assert attack.confirmed_at is None


def test_nominee_is_invited_at_most_once_in_30_days(smtp_server):
    first, _ = services.nomination_create(data=dict(DATA))
    second, _ = services.nomination_create(
        data=DATA | {"nominator_name": "Ann Lee", "nominator_email": "ann@x.org", "nominee_email": "MAYA@example.org"}
    )
    services.nomination_confirm(nomination_id=first.pk)
    services.nomination_confirm(nomination_id=second.pk)
    [invitation_row] = OutboxEmail.objects.filter(kind="nomination_invitation")
    assert invitation_row.object_id == first.pk
    second.refresh_from_db()
    assert second.confirmed_at is not None and second.invitation_window is None  # counted, not mailed
    send_outbox()
    first.refresh_from_db()
    assert first.invitation_sent_at is not None
    assert len(smtp_server.mailbox.wait_for_to("maya@example.org", 1)) == 1

    # The database holds the rule: no second window of the same address may overlap the first.
    with pytest.raises(IntegrityError), transaction.atomic():
        Nomination.objects.filter(pk=second.pk).update(invitation_window=first.invitation_window)

    # 31 days later, a new confirmed nomination invites again.
    earlier = timezone.now() - timedelta(days=31)
    Nomination.objects.filter(pk=first.pk).update(
        invitation_window=DateTimeTZRange(earlier - timedelta(days=30), earlier)
    )
    third, _ = services.nomination_create(data=DATA | {"nominator_email": "bo@x.org"})
    services.nomination_confirm(nomination_id=third.pk)
    assert OutboxEmail.objects.filter(kind="nomination_invitation", object_id=third.pk).exists()


def test_unconfirmed_nominations_are_deleted_once_their_link_expired():
    stale, _ = services.nomination_create(data=dict(DATA))
    fresh, _ = services.nomination_create(data=DATA | {"nominator_email": "ann@x.org"})
    kept, _ = services.nomination_create(data=DATA | {"nominator_email": "bo@x.org"})
    services.nomination_confirm(nomination_id=kept.pk)
    week_ago = timezone.now() - timedelta(seconds=tokens.NOMINATION_MAX_AGE + 60)
    Nomination.objects.filter(pk__in=[stale.pk, kept.pk]).update(created_at=week_ago)
    assert services.nominations_unconfirmed_prune() == 1
    assert set(Nomination.objects.values_list("pk", flat=True)) == {fresh.pk, kept.pk}


def test_no_invitation_to_someone_who_already_signed_up(smtp_server):
    SignUpFactory(email="maya@example.org")
    nomination, _ = services.nomination_create(data=dict(DATA))
    services.nomination_confirm(nomination_id=nomination.pk)
    send_outbox()
    assert OutboxEmail.objects.get(kind="nomination_invitation").dropped_at is not None
    assert not smtp_server.mailbox.to("maya@example.org")


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


def test_nominations_are_rate_limited_per_nominee_email(client, settings):
    """Many nominators (any addresses an abuser types) aiming at one person's mailbox."""
    settings.SIGNUP_EMAIL_RATE = "2/hour"
    for i in range(2):
        assert client.post("/nominate/", form() | {"nominator_email": f"n{i}@example.org"}).status_code == 302
    response = client.post(
        "/nominate/", form() | {"nominator_email": "n9@example.org", "nominee_email": "MAYA@example.org"}
    )
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert any("Too many nominations" in e for e in errors(response)), errors(response)
    assert Nomination.objects.count() == 2


def test_nominations_are_rate_limited_per_nominator_email(client, settings):
    settings.SIGNUP_EMAIL_RATE = "2/hour"
    for i in range(2):
        assert client.post("/nominate/", form() | {"nominee_email": f"m{i}@example.org"}).status_code == 302
    response = client.post("/nominate/", form() | {"nominee_email": "m9@example.org"})
    assert response.status_code == 429 and "Too many nominations" in response.content.decode()
    assert Nomination.objects.count() == 2


def test_a_name_that_is_a_web_address_is_refused(client):
    response = client.post("/nominate/", form() | {"nominator_name": "Visit evil.com"})
    assert any("not a web address" in e for e in errors(response)), errors(response)
    assert client.post("/nominate/", form() | {"nominator_name": "J.R. Diaz"}).status_code == 302


def test_a_refused_nomination_page_is_not_cached(client):
    response = client.post("/nominate/", form() | {"website": "x"})
    assert "no-store" in response["Cache-Control"]


def test_nomination_page_shows_spanish_labels(client):
    html = client.get("/es/nominate/").content.decode()
    for text in ("Nomina a alguien para postularse a un cargo", "¿Quién debería postularse?", "Tu correo electrónico"):
        assert text in html
    assert "Enviar nominación" in html and "Send nomination" not in html


def test_invitation_and_introduction_emails_in_spanish():
    from pipeline.emails import introduction_messages, invitation_message, render_nomination_confirmation
    from pipeline.models import Introduction

    nomination = Nomination(
        nominator_name="Rosa Diaz", nominee_name="Maya", nominee_email="m@example.org", language="es"
    )
    message = invitation_message(nomination)
    assert message.subject == "Alguien cree que deberías postularte a un cargo"
    assert "Rosa Diaz te nominó" in message.body
    nomination.save()
    confirmation = render_nomination_confirmation(nomination.pk)
    assert confirmation.subject == "Confirma tu nominación" and confirmation.to == [nomination.nominator_email]
    assert "/es/nominate/confirm/" in confirmation.body and "presiona el botón" in confirmation.body
    candidate = SignUpFactory(language="es", first_name="Ana")
    helper = SignUpFactory(language="es", wants_to_run=False, wants_to_volunteer=True, first_name="Luis")
    to_candidate, to_volunteer = introduction_messages(Introduction(candidate=candidate, volunteer=helper))
    assert to_candidate.subject == "Conoce a un voluntario que puede ayudar a tu campaña"
    assert to_volunteer.subject == "Conoce a un candidato al que puedes ayudar"
    assert "Ambos aceptaron" in to_candidate.body

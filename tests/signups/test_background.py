"""The work that follows a sign-up: geocoding, confirmation email, unsubscribing, the sweeper."""

import json
from datetime import timedelta

import pytest
import redis
from django.test import Client
from django.utils import timezone

from districts.geocoding import GeocoderUnavailable
from signups import services, tokens
from signups.models import LocationQuality, SignUp
from tests.factories import SignUpFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]


def unlocated(**kwargs) -> SignUp:
    defaults = {"street": "421 8th Ave", "city": "New York", "location": None, "located_at": None}
    return SignUpFactory(**(defaults | kwargs))


def test_street_address_is_geocoded_by_census_and_gets_its_districts(fake_census_geocoder):
    signup = unlocated()
    assert services.signup_locate(signup_id=signup.pk) == LocationQuality.STREET
    signup.refresh_from_db()
    assert (signup.cd.geoid, signup.sldl.geoid) == ("3612", "36075")
    assert signup.located_at is not None


def test_unmatched_street_falls_back_to_the_zip_centre(fake_census_geocoder):
    signup = unlocated(street="1 Zzzz Nowhere", zip="12345")  # Schenectady: one district
    assert services.signup_locate(signup_id=signup.pk) == LocationQuality.ZIP


def test_zip_spanning_several_districts_is_marked_ambiguous(fake_census_geocoder):
    signup = unlocated(street="1 Zzzz Nowhere", zip="10001")
    assert services.signup_locate(signup_id=signup.pk) == LocationQuality.AMBIGUOUS


def test_ungeocodable_sign_up_is_kept_with_quality_none(fake_census_geocoder):
    signup = unlocated(street="1 Zzzz Nowhere", zip="00000")
    assert services.signup_locate(signup_id=signup.pk) == LocationQuality.NONE
    signup.refresh_from_db()
    assert signup.location is None and signup.cd is None and signup.located_at is not None


@pytest.mark.parametrize("street", ["1 Server Error St", "1 Slow Timeout St"])
def test_geocoder_failure_raises_for_retry_and_keeps_the_sign_up_waiting(fake_census_geocoder, street):
    signup = unlocated(street=street)
    with pytest.raises(GeocoderUnavailable):
        services.signup_locate(signup_id=signup.pk)
    signup.refresh_from_db()
    assert signup.located_at is None  # the retry or the sweeper will try again


def test_backlog_is_located_with_one_batch_request(fake_census_geocoder):
    matched = unlocated()
    unmatched = unlocated(street="1 Zzzz Nowhere", zip="12345")
    assert services.signups_locate_batch(signup_ids=[matched.pk, unmatched.pk]) == 2
    assert fake_census_geocoder.request_count == 1
    rows = {s.pk: s for s in SignUp.objects.all()}
    assert rows[matched.pk].location_quality == LocationQuality.STREET
    assert rows[unmatched.pk].location_quality == LocationQuality.ZIP


def test_confirmation_email_is_sent_once_even_if_the_task_runs_twice(smtp_server):
    signup = SignUpFactory(email="once@example.org")
    assert services.signup_send_confirmation(signup_id=signup.pk) is True
    assert services.signup_send_confirmation(signup_id=signup.pk) is False
    smtp_server.mailbox.wait_for(1)
    assert len(smtp_server.mailbox.to("once@example.org")) == 1
    message = smtp_server.mailbox.messages[0]
    assert message.get_body(preferencelist=("html",)) is not None
    assert "/confirm/" in message.get_body(preferencelist=("plain",)).get_content()


def test_mail_server_down_keeps_the_email_to_send_later(smtp_server):
    signup = SignUpFactory(email="later@example.org")
    smtp_server.stop()
    with pytest.raises(OSError):
        services.signup_send_confirmation(signup_id=signup.pk)
    signup.refresh_from_db()
    assert signup.confirmation_sent_at is None and signup.confirmation_claimed_at is None
    smtp_server.start()
    assert services.signup_send_confirmation(signup_id=signup.pk) is True
    smtp_server.mailbox.wait_for(1)


def test_confirmation_link_confirms_and_a_forged_link_does_not(client):
    signup = SignUpFactory()
    forged = tokens.make_token(signup.pk, tokens.UNSUBSCRIBE_SALT)  # right id, wrong purpose
    assert client.get(f"/confirm/{forged}/").status_code == 400
    assert client.get("/confirm/garbage/").status_code == 400
    good = tokens.make_token(signup.pk, tokens.CONFIRM_SALT)
    assert client.get(f"/confirm/{good}/").status_code == 200
    signup.refresh_from_db()
    assert signup.confirmed_at is not None


def test_unsubscribe_page_asks_then_unsubscribes():
    signup = SignUpFactory(consent_email=True, consent_sms=True)
    token = tokens.make_token(signup.pk, tokens.UNSUBSCRIBE_SALT)
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/unsubscribe/{token}/")
    assert "Unsubscribe me" in page.content.decode()
    signup.refresh_from_db()
    assert signup.unsubscribed_at is None  # opening the page (or a mail scanner) changes nothing
    # RFC 8058 one-click: the mail client POSTs without our CSRF token.
    response = client.post(f"/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    signup.refresh_from_db()
    assert signup.unsubscribed_at is not None and not signup.consent_email and not signup.consent_sms
    assert services.signup_send_confirmation(signup_id=signup.pk) is False  # no more email


def test_sweeper_requeues_work_that_never_left(celery_without_worker):
    stale = timezone.now() - timedelta(minutes=30)
    waiting = unlocated()
    unsent = SignUpFactory()
    SignUp.objects.filter(pk__in=[waiting.pk, unsent.pk]).update(updated_at=stale)
    unlocated()  # fresh: its own tasks may still be on their way, so it is left alone
    assert services.signups_requeue_stalled() == {"locate": 1, "confirm": 2}
    # What actually reached the broker (other test sessions on the machine may share it).
    queued = set()
    for raw in redis.Redis.from_url(celery_without_worker).lrange("celery", 0, -1):
        headers = json.loads(raw)["headers"]
        queued.add((headers["task"].rsplit(".", 1)[1], headers["argsrepr"]))
    assert {
        ("locate_signup", f"({waiting.pk},)"),
        ("send_signup_confirmation", f"({waiting.pk},)"),
        ("send_signup_confirmation", f"({unsent.pk},)"),
    } <= queued


def test_an_email_service_backend_works_by_configuration(settings, mailoutbox):
    """django-anymail's backends plug in through DJANGO_EMAIL_BACKEND (here its test backend)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    signup = SignUpFactory(email="service@example.org", language="es")
    assert services.signup_send_confirmation(signup_id=signup.pk) is True
    [message] = mailoutbox
    assert message.to == ["service@example.org"]
    assert message.subject == "Confirma tu inscripción"  # in the supporter's language
    assert message.anymail_test_params is not None

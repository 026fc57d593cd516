"""The work that follows a sign-up: geocoding, the outbox's confirmation email, unsubscribing, the sweeper."""

import ast
import json
from datetime import timedelta

import pytest
import redis
from django.test import Client
from django.utils import timezone

from districts.geocoding.census import GeocoderUnavailable
from signups import outbox, tokens
from signups.models import LocationQuality, OutboxEmail, SignUp
from signups.services import locating
from tests.factories import SignUpFactory
from tests.plugins.processes import queued_messages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]


def unlocated(**kwargs) -> SignUp:
    defaults = {"street": "421 8th Ave", "city": "New York", "location": None, "located_at": None}
    return SignUpFactory(**(defaults | kwargs))


def test_street_address_is_geocoded_by_census_and_gets_its_districts(fake_census_geocoder):
    signup = unlocated()
    assert locating.signup_locate(signup_id=signup.pk) == LocationQuality.STREET
    signup.refresh_from_db()
    assert (signup.cd.geoid, signup.sldl.geoid) == ("3612", "36075")
    assert signup.located_at is not None


def test_unmatched_street_falls_back_to_the_zip_centre(fake_census_geocoder):
    signup = unlocated(street="1 Zzzz Nowhere", zip="12345")  # Schenectady: one district
    assert locating.signup_locate(signup_id=signup.pk) == LocationQuality.ZIP


def test_zip_spanning_several_districts_is_marked_ambiguous(fake_census_geocoder):
    signup = unlocated(street="1 Zzzz Nowhere", zip="10001")
    assert locating.signup_locate(signup_id=signup.pk) == LocationQuality.AMBIGUOUS


def test_ungeocodable_sign_up_is_kept_with_quality_none(fake_census_geocoder):
    signup = unlocated(street="1 Zzzz Nowhere", zip="00000")
    assert locating.signup_locate(signup_id=signup.pk) == LocationQuality.NONE
    signup.refresh_from_db()
    assert signup.location is None and signup.cd is None and signup.located_at is not None


@pytest.mark.parametrize("street", ["1 Server Error St", "1 Slow Timeout St"])
def test_geocoder_failure_raises_for_retry_and_keeps_the_sign_up_waiting(fake_census_geocoder, street):
    signup = unlocated(street=street)
    with pytest.raises(GeocoderUnavailable):
        locating.signup_locate(signup_id=signup.pk)
    signup.refresh_from_db()
    assert signup.located_at is None  # the retry or the sweeper will try again


def test_backlog_is_located_with_one_batch_request(fake_census_geocoder):
    matched = unlocated()
    unmatched = unlocated(street="1 Zzzz Nowhere", zip="12345")
    assert locating.signups_locate_batch(signup_ids=[matched.pk, unmatched.pk]) == 2
    assert fake_census_geocoder.request_count == 1
    rows = {s.pk: s for s in SignUp.objects.all()}
    assert rows[matched.pk].location_quality == LocationQuality.STREET
    assert rows[unmatched.pk].location_quality == LocationQuality.ZIP


def confirmation(signup: SignUp) -> int:
    """The confirmation email of ``signup`` as the intake queues it: its outbox row's id."""
    return OutboxEmail.objects.create(kind="confirmation", object_id=signup.pk, key=f"confirmation:{signup.pk}").pk


def send_confirmation(signup: SignUp) -> bool:
    """Queue (once) and send ``signup``'s confirmation, as the email worker would."""
    row = OutboxEmail.objects.filter(key=f"confirmation:{signup.pk}").first()
    return outbox.email_send(email_id=row.pk if row else confirmation(signup))


def test_confirmation_email_is_sent_once_even_if_the_task_runs_twice(smtp_server):
    signup = SignUpFactory(email="once@example.org")
    email_id = confirmation(signup)
    assert outbox.email_send(email_id=email_id) is True
    assert outbox.email_send(email_id=email_id) is False
    signup.refresh_from_db()
    assert signup.confirmation_sent_at is not None
    smtp_server.mailbox.wait_for(1)
    assert len(smtp_server.mailbox.to("once@example.org")) == 1
    message = smtp_server.mailbox.messages[0]
    assert message.get_body(preferencelist=("html",)) is not None
    assert "/confirm/" in message.get_body(preferencelist=("plain",)).get_content()


def test_mail_server_down_keeps_the_email_to_send_later(smtp_server):
    signup = SignUpFactory(email="later@example.org")
    email_id = confirmation(signup)
    smtp_server.stop()
    with pytest.raises(OSError):
        outbox.email_send(email_id=email_id)
    row = OutboxEmail.objects.get(pk=email_id)
    assert row.sent_at is None and row.claimed_at is None and row.attempts == 1
    smtp_server.start()
    assert outbox.email_send(email_id=email_id) is True
    smtp_server.mailbox.wait_for(1)


def test_confirmation_link_opens_a_page_whose_button_confirms_and_a_forged_link_does_neither():
    signup = SignUpFactory()
    client = Client(enforce_csrf_checks=True)
    forged = tokens.make_token(signup.pk, tokens.UNSUBSCRIBE_SALT)  # right id, wrong purpose
    assert client.get(f"/confirm/{forged}/").status_code == 400
    assert client.get("/confirm/garbage/").status_code == 400
    good = tokens.make_token(signup.pk, tokens.CONFIRM_SALT)
    page = client.get(f"/confirm/{good}/")
    assert page.status_code == 200 and "Confirm my sign-up" in page.content.decode()
    signup.refresh_from_db()
    assert signup.confirmed_at is None  # opening the link (or a mail scanner) changes nothing
    csrf = client.cookies["csrftoken"].value
    assert client.post(f"/confirm/{forged}/", {"csrfmiddlewaretoken": csrf}).status_code == 400
    response = client.post(f"/confirm/{good}/", {"csrfmiddlewaretoken": csrf})
    assert "You are confirmed" in response.content.decode()
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
    email_id = confirmation(signup)
    assert outbox.email_send(email_id=email_id) is False  # no more email
    assert OutboxEmail.objects.get(pk=email_id).dropped_at is not None


def test_sweeper_requeues_work_that_never_left(celery_without_worker):
    from signups.tasks import sweep

    stale = timezone.now() - timedelta(minutes=30)
    waiting = unlocated(follow_up_queued_at=None)
    unsent = SignUpFactory()
    unsent_email = confirmation(unsent)
    SignUp.objects.filter(pk=waiting.pk).update(updated_at=stale)
    OutboxEmail.objects.filter(pk=unsent_email).update(created_at=stale)
    unlocated(follow_up_queued_at=None)  # fresh: its own task may still be on its way, so it is left alone
    confirmation(SignUpFactory())  # fresh too
    assert sweep() == {"emails": 1, "locate": 1, "expired": 0, "emailed": 0}
    # What actually reached the broker (other test sessions on the machine may share it).
    queued = set()
    for raw in queued_messages(redis.Redis.from_url(celery_without_worker)):
        headers = json.loads(raw)["headers"]
        queued.add((headers["task"].rsplit(".", 1)[1], headers["argsrepr"]))
    assert {("locate_signup", f"({waiting.pk},)"), ("send_emails", f"([{unsent_email}],)")} <= queued
    assert OutboxEmail.objects.get(pk=unsent_email).queued_at is not None


def test_an_email_service_backend_works_by_configuration(settings, mailoutbox):
    """django-anymail's backends plug in through DJANGO_EMAIL_BACKEND (here its test backend)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    signup = SignUpFactory(email="service@example.org", language="es")
    assert send_confirmation(signup) is True
    [message] = mailoutbox
    assert message.to == ["service@example.org"]
    assert message.subject == "Confirma tu inscripción"  # in the supporter's language
    assert message.anymail_test_params is not None


def test_confirmations_from_one_process_share_one_mail_server_connection(smtp_server):
    """Connecting (and EHLO, QUIT) for every message cost more than the message: the connection stays open."""
    signups = [SignUpFactory(email=f"kept{i}@example.org") for i in range(3)]
    for signup in signups:
        assert send_confirmation(signup) is True
    smtp_server.mailbox.wait_for(3)
    assert len(set(smtp_server.mailbox.peers)) == 1


def test_a_kept_connection_the_mail_server_dropped_is_replaced_and_the_email_sent_once(smtp_server):
    first, second = SignUpFactory(email="before@example.org"), SignUpFactory(email="after@example.org")
    assert send_confirmation(first) is True
    smtp_server.mailbox.wait_for(1)
    smtp_server.stop()  # a restart: the connection the worker kept is gone
    smtp_server.start()
    assert send_confirmation(second) is True
    smtp_server.mailbox.wait_for_to("after@example.org", 1)
    assert len(smtp_server.mailbox.to("after@example.org")) == 1
    assert len(set(smtp_server.mailbox.peers)) == 2
    second.refresh_from_db()
    assert second.confirmation_sent_at is not None


def _statements(queries) -> list[str]:
    # (In a test's transaction an atomic block is a savepoint.)
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_sending_claims_without_a_flush_renders_outside_the_claim_and_stamps_sent_after_250(smtp_server):
    """The claim is one UPDATE (its commit waits for no disk flush); the message is rendered and
    sent after it, holding no lock; one UPDATE records it sent, with what its kind records."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signup = SignUpFactory(email="statements@example.org")
    email_id = confirmation(signup)
    with CaptureQueriesContext(connection) as queries:
        assert outbox.email_send(email_id=email_id) is True
    statements = _statements(queries)
    assert statements[0] == "SET LOCAL synchronous_commit = off"
    assert statements[1].startswith('UPDATE "signups_outboxemail" SET "claimed_at"')
    assert not any("FOR UPDATE" in sql for sql in statements)
    assert statements[-2].startswith('UPDATE "signups_outboxemail" SET "sent_at"')
    assert statements[-1].startswith('UPDATE "signups_signup" SET "confirmation_sent_at"')


def test_a_fresh_claim_of_another_worker_is_respected():
    signup = SignUpFactory(email="held@example.org")
    email_id = confirmation(signup)
    OutboxEmail.objects.filter(pk=email_id).update(claimed_at=timezone.now())
    with pytest.raises(outbox.EmailInProgress):
        outbox.email_send(email_id=email_id)


def test_every_email_goes_to_its_own_queue(celery_without_worker):
    """Email never waits behind a geocoding backlog: its task has a queue (and workers) of its own."""
    signup = unlocated()
    assert outbox.publish_emails([confirmation(signup)])
    locating.publish_locate([signup.pk])
    broker = redis.Redis.from_url(celery_without_worker)
    tasks_in = {
        queue: [json.loads(raw)["headers"]["task"] for raw in broker.lrange(queue, 0, -1)]
        for queue in ("celery", "email")
    }
    assert tasks_in["email"] == ["signups.tasks.send_emails"]
    assert tasks_in["celery"] == ["signups.tasks.locate_signup"]


def test_a_batch_of_emails_is_handed_over_in_chunks_each_once(celery_without_worker, settings):
    """An intake batch's confirmations cost a broker round trip per chunk, not per email."""
    settings.EMAIL_CHUNK_SIZE = 20
    ids = [confirmation(SignUpFactory()) for _ in range(45)]
    assert outbox.publish_emails(ids) == ids
    broker = redis.Redis.from_url(celery_without_worker)
    chunks = [ast.literal_eval(json.loads(raw)["headers"]["argsrepr"])[0] for raw in broker.lrange("email", 0, -1)]
    assert sorted(len(chunk) for chunk in chunks) == [5, 20, 20]
    assert sorted(pk for chunk in chunks for pk in chunk) == ids
    assert not OutboxEmail.objects.filter(pk__in=ids, queued_at__isnull=True).exists()


def test_the_hand_over_stamp_is_not_a_durable_commit(celery_without_worker):
    """Lost in a crash, a "handed to Celery" stamp only makes the sweeper hand idempotent work over again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    email_id = confirmation(SignUpFactory())
    with CaptureQueriesContext(connection) as queries:
        assert outbox.publish_emails([email_id]) == [email_id]
    statements = _statements(queries)
    assert statements[0] == "SET LOCAL synchronous_commit = off"
    assert statements[1].startswith('UPDATE "signups_outboxemail" SET "queued_at"')
    assert len(statements) == 2

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
from tests.plugins.processes import queued_messages

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
    for raw in queued_messages(redis.Redis.from_url(celery_without_worker)):
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


def test_confirmations_from_one_process_share_one_mail_server_connection(smtp_server):
    """Connecting (and EHLO, QUIT) for every message cost more than the message: the connection stays open."""
    signups = [SignUpFactory(email=f"kept{i}@example.org") for i in range(3)]
    for signup in signups:
        assert services.signup_send_confirmation(signup_id=signup.pk) is True
    smtp_server.mailbox.wait_for(3)
    assert len(set(smtp_server.mailbox.peers)) == 1


def test_a_kept_connection_the_mail_server_dropped_is_replaced_and_the_email_sent_once(smtp_server):
    first, second = SignUpFactory(email="before@example.org"), SignUpFactory(email="after@example.org")
    assert services.signup_send_confirmation(signup_id=first.pk) is True
    smtp_server.mailbox.wait_for(1)
    smtp_server.stop()  # a restart: the connection the worker kept is gone
    smtp_server.start()
    assert services.signup_send_confirmation(signup_id=second.pk) is True
    smtp_server.mailbox.wait_for_to("after@example.org", 1)
    assert len(smtp_server.mailbox.to("after@example.org")) == 1
    assert len(set(smtp_server.mailbox.peers)) == 2
    second.refresh_from_db()
    assert second.confirmation_sent_at is not None


def _statements(queries) -> list[str]:
    # (In a test's transaction an atomic block is a savepoint.)
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_claiming_a_confirmation_also_reads_the_sign_up(smtp_server):
    """One UPDATE ... RETURNING claims and reads (its commit waits for no disk flush); one durable
    UPDATE records the email as sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signup = SignUpFactory(email="two-queries@example.org")
    with CaptureQueriesContext(connection) as queries:
        assert services.signup_send_confirmation(signup_id=signup.pk) is True
    claim_setting, claim, sent = _statements(queries)
    assert claim_setting == "SET LOCAL synchronous_commit = off"
    assert claim.startswith('UPDATE "signups_signup" SET "confirmation_claimed_at"') and "RETURNING" in claim
    assert sent.startswith('UPDATE "signups_signup" SET "confirmation_sent_at"')
    with CaptureQueriesContext(connection) as queries:  # nothing to claim: the state is read to say why
        assert services.signup_send_confirmation(signup_id=signup.pk) is False
    assert len(_statements(queries)) == 3


def test_a_fresh_claim_of_another_worker_is_respected():
    signup = SignUpFactory(email="held@example.org")
    SignUp.objects.filter(pk=signup.pk).update(confirmation_claimed_at=timezone.now())
    with pytest.raises(services.ConfirmationInProgress):
        services.signup_send_confirmation(signup_id=signup.pk)


def test_confirmation_email_goes_to_its_own_queue(celery_without_worker):
    """Email never waits behind a geocoding backlog: its tasks have a queue (and workers) of their own."""
    from signups import outbox

    signup = unlocated()
    assert outbox.publish_follow_up(signup.pk, locate=True, confirm=True) is True
    broker = redis.Redis.from_url(celery_without_worker)
    tasks_in = {
        queue: [json.loads(raw)["headers"]["task"] for raw in broker.lrange(queue, 0, -1)]
        for queue in ("celery", "email")
    }
    assert "signups.tasks.send_signup_confirmation" in tasks_in["email"]
    assert "signups.tasks.locate_signup" in tasks_in["celery"]
    assert "signups.tasks.send_signup_confirmation" not in tasks_in["celery"]


def test_the_hand_over_stamp_is_not_a_second_durable_commit(celery_without_worker):
    """A sign-up's one durable commit is its own row; the "handed to Celery" stamp after it waits for no
    disk flush (lost in a crash, it only makes the sweeper queue idempotent tasks again)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from signups import outbox

    signup = SignUpFactory(follow_up_queued_at=None)
    with CaptureQueriesContext(connection) as queries:
        assert outbox.publish_follow_up(signup.pk, locate=False, confirm=True) is True
    statements = _statements(queries)
    assert statements[0] == "SET LOCAL synchronous_commit = off"
    assert statements[1].startswith('UPDATE "signups_signup" SET "follow_up_queued_at"')
    assert len(statements) == 2
    signup.refresh_from_db()
    assert signup.follow_up_queued_at is not None

"""End to end with a real Celery worker, a real SMTP server and the fake Census Geocoder.

A supporter fills /run/ with a New York street address; the intake applies it
(here called as ``manage.py run_intake`` would); they get exactly one confirmation
email, open the link, press its button, and the organizer API shows them confirmed
in the right three districts.
"""

import re

import pytest
from django.db import connection
from django.test import Client

from signups import outbox
from signups.models import LocationQuality, OutboxEmail, SignUp
from signups.tasks import send_emails
from tests.factories import OrganizerFactory, SignUpFactory, api_key
from tests.plugins.processes import WORKER_APP_NAME
from tests.signups.conftest import RUN_FORM, fresh, process_intake

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("zipcodes")]


def wait_until(predicate, timeout=30.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def confirm_link(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/confirm/\S+/", text)[0]


def test_new_york_street_sign_up_is_geocoded_mailed_once_and_confirmed(celery_worker, worker_mailbox):
    client = Client()
    form = fresh(RUN_FORM) | {"street": "421 8th Ave", "email": "flow@example.org"}
    assert client.post("/run/", form).status_code == 302
    assert process_intake().processed == 1
    signup = SignUp.objects.get(email="flow@example.org")

    wait_until(lambda: SignUp.objects.filter(pk=signup.pk, located_at__isnull=False).exists())
    [message] = worker_mailbox.wait_for_to("flow@example.org", 1)
    assert message["Subject"] == "Please confirm your sign-up"
    assert message["List-Unsubscribe"].strip().startswith("<http") and "unsubscribe" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = confirm_link(message)
    assert "flow" not in link and "example.org" not in link.split("/confirm/")[1]  # no personal data

    path = "/" + link.split("/", 3)[3]
    assert "Confirm my sign-up" in client.get(path).content.decode()
    assert not SignUp.objects.filter(pk=signup.pk, confirmed_at__isnull=False).exists()  # opening is not confirming
    assert "You are confirmed" in client.post(path).content.decode()
    assert "You are confirmed" in client.post(path).content.decode()  # a second press is harmless

    # Running the task again sends nothing more.
    assert outbox.email_send(email_id=OutboxEmail.objects.get(key=f"confirmation:{signup.pk}").pk) is False
    organizer = OrganizerFactory(states=["NY"])
    key = api_key(organizer)
    body = client.get(f"/api/v1/signups/{signup.pk}/", HTTP_AUTHORIZATION=f"Token {key}").json()
    assert body["status"] == "confirmed"
    assert body["location_quality"] == LocationQuality.STREET
    assert body["districts"]["cd"]["geoid"] == "3612"
    assert body["districts"]["sldu"]["geoid"] == "36047"
    assert body["districts"]["sldl"]["geoid"] == "36075"
    assert len(worker_mailbox.to("flow@example.org")) == 1


def worker_backends() -> list[int]:
    """The test worker's PostgreSQL backends (its connections carry WORKER_APP_NAME)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s ORDER BY pid",
            [WORKER_APP_NAME],
        )
        return [pid for (pid,) in cursor.fetchall()]


def queued_confirmation(signup) -> int:
    return OutboxEmail.objects.create(kind="confirmation", object_id=signup.pk, key=f"confirmation:{signup.pk}").pk


def test_worker_keeps_its_database_connection_and_replaces_one_postgresql_dropped(celery_worker, worker_mailbox):
    first, second, third = SignUpFactory.create_batch(3)
    send_emails.delay([queued_confirmation(first)])
    worker_mailbox.wait_for_to(first.email, 1)
    backends = worker_backends()
    assert len(backends) == 1

    # A second email goes out on the same connection: no new connection per task.
    send_emails.delay([queued_confirmation(second)])
    worker_mailbox.wait_for_to(second.email, 1)
    assert worker_backends() == backends

    # PostgreSQL drops it (a restart, a failover): the next email still leaves, once,
    # on a new connection, without waiting for a retry or the sweeper.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", backends)
    send_emails.delay([queued_confirmation(third)])
    assert len(worker_mailbox.wait_for_to(third.email, 1, timeout=10)) == 1
    wait_until(lambda: SignUp.objects.filter(pk=third.pk, confirmation_sent_at__isnull=False).exists())
    assert worker_backends() not in ([], backends)

"""End to end with a real Celery worker, a real SMTP server and the fake Census Geocoder.

A supporter fills /run/ with a New York street address, gets exactly one
confirmation email, clicks it, and the organizer API shows them confirmed in
the right three districts.
"""

import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from signups import services
from signups.models import LocationQuality, SignUp
from tests.factories import OrganizerFactory
from tests.signups.conftest import RUN_FORM

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
    form = RUN_FORM | {"street": "421 8th Ave", "email": "flow@example.org"}
    assert client.post("/run/", form).status_code == 302
    signup = SignUp.objects.get(email="flow@example.org")

    wait_until(lambda: SignUp.objects.filter(pk=signup.pk, located_at__isnull=False).exists())
    [message] = worker_mailbox.wait_for_to("flow@example.org", 1)
    assert message["Subject"] == "Please confirm your sign-up"
    assert message["List-Unsubscribe"].strip().startswith("<http") and "unsubscribe" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = confirm_link(message)
    assert "flow" not in link and "example.org" not in link.split("/confirm/")[1]  # no personal data

    path = "/" + link.split("/", 3)[3]
    assert "You are confirmed" in client.get(path).content.decode()
    assert "You are confirmed" in client.get(path).content.decode()  # a second click is harmless

    # Running the task again sends nothing more.
    assert services.signup_send_confirmation(signup_id=signup.pk) is False
    organizer = OrganizerFactory(states=["NY"])
    key = Token.objects.create(user=organizer).key
    body = client.get(f"/api/v1/signups/{signup.pk}/", HTTP_AUTHORIZATION=f"Token {key}").json()
    assert body["status"] == "confirmed"
    assert body["location_quality"] == LocationQuality.STREET
    assert body["districts"]["cd"]["geoid"] == "3612"
    assert body["districts"]["sldu"]["geoid"] == "36047"
    assert body["districts"]["sldl"]["geoid"] == "36075"
    assert len(worker_mailbox.to("flow@example.org")) == 1

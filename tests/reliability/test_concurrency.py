"""Concurrent duplicate submissions (one email, many at once) leave one person and send one email."""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from signups import services
from signups.models import SignUp
from tests.reliability.conftest import report, running_worker, wait_until
from tests.reliability.conftest import worker_environment as worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("zipcodes")]

THREADS = 20


def payload(email: str, kind: str = "run") -> dict:
    body = {
        "kind": kind,
        "first_name": "Ana",
        "last_name": "Ruiz",
        "email": email,
        "address": {"street": "", "city": "New York", "state": "NY", "zip": "10001"},
        "offices": ["state_house"],
        "timeframe": "next",
        "consent_email": True,
    }
    if kind == "volunteer":
        body |= {"skills": ["data"], "hours_per_week": 3, "help_scope": "anywhere", "phone": "212-555-0100"}
    return body


def test_twenty_simultaneous_http_posts_of_one_email_leave_one_person_and_one_email(
    live_server, broker, smtp, settings, tmp_path
):
    settings.RATELIMIT_ENABLE = False  # the per-email limit would refuse most of them, which proves nothing here
    env = worker_env(broker.url(0), email_url=smtp.url, geocoder_url="http://127.0.0.1:9")
    barrier = threading.Barrier(THREADS)
    url = live_server.url + "/api/v1/signups/"

    def post(i: int) -> int:
        # Mixed case and both kinds: still the same person.
        body = payload(
            "Same.Person@Example.org" if i % 2 else "same.person@example.org", "run" if i % 3 else "volunteer"
        )
        request = urllib.request.Request(  # noqa: S310 - our live server
            url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our live server
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with running_worker(broker.url(0), tmp_path / "worker.log", env):
        with ThreadPoolExecutor(THREADS) as pool:
            statuses = Counter(pool.map(post, range(THREADS)))
        wait_until(lambda: len(smtp.mailbox.to("same.person@example.org")) >= 1, timeout=60, message="the email")
        time.sleep(3)  # every queued duplicate task has run by now
    assert statuses == {201: 1, 200: THREADS - 1}
    person = SignUp.objects.get()
    assert person.email == "same.person@example.org" and person.kinds == ["run", "volunteer"]
    assert len(smtp.mailbox.to("same.person@example.org")) == 1
    report(f"\nFIGURES concurrent HTTP duplicates: {THREADS} at once -> {dict(statuses)}, 1 row, 1 email")


def test_twenty_simultaneous_service_calls_create_one_row():
    barrier = threading.Barrier(THREADS)

    def create(i: int) -> bool:
        barrier.wait()
        try:
            return services.signup_create(
                kind="run",
                email="Racer@example.org",
                data={"first_name": "Ana", "last_name": "Ruiz", "state": "NY", "zip": "10001"}
                | {"offices": ["state_house"], "timeframe": "next"},
            ).created
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        created = Counter(pool.map(create, range(THREADS)))
    assert created == {True: 1, False: THREADS - 1}
    assert SignUp.objects.filter(email__iexact="racer@example.org").count() == 1
    report(f"\nFIGURES concurrent service duplicates: {THREADS} at once -> 1 created, {THREADS - 1} updates, 1 row")

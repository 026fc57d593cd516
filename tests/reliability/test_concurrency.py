"""Concurrent duplicate submissions (one email, many at once) leave one person and send one email,
whichever of several intake workers picks each of them up."""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from signups.models import OutboxEmail, SignUp, Submission
from tests.reliability.conftest import report, running_intake_workers, running_worker, wait_until
from tests.reliability.conftest import worker_environment as worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("zipcodes")]

THREADS = 10


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


def test_ten_simultaneous_http_posts_of_one_email_leave_one_person_and_one_email(
    live_server, broker, smtp, settings, tmp_path
):
    settings.RATELIMIT_ENABLE = False  # the per-email limit would refuse most of them, which proves nothing here
    env = worker_env(broker.url(0), email_url=smtp.url, geocoder_url="http://127.0.0.1:9")
    barrier = threading.Barrier(THREADS)
    url = live_server.url + "/api/v1/signups/"

    def post(i: int) -> int:
        # Mixed case, same answers: still the same person, and nothing new to hold for them.
        body = payload("Same.Person@Example.org" if i % 2 else "same.person@example.org")
        request = urllib.request.Request(  # noqa: S310 - our live server
            url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our live server
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    # Two intake workers (batches of one, so they really do take turns on this one email), and an email worker.
    env_intake = env | {"SIGNUP_INTAKE_BATCH_SIZE": "1"}
    with running_worker(broker.url(0), tmp_path / "worker.log", env), running_intake_workers(2, tmp_path, env_intake):
        with ThreadPoolExecutor(THREADS) as pool:
            statuses = Counter(pool.map(post, range(THREADS)))
        wait_until(lambda: not Submission.objects.pending().exists(), timeout=60, message="all applied")
        wait_until(lambda: len(smtp.mailbox.to("same.person@example.org")) >= 1, timeout=60, message="the email")
        time.sleep(3)  # any duplicate would have been sent by now
    assert statuses == {202: THREADS}
    person = SignUp.objects.get()
    assert person.email == "same.person@example.org" and person.kinds == ["run"]
    assert Counter(Submission.objects.values_list("outcome", flat=True)) == {"created": 1, "unchanged": THREADS - 1}
    assert OutboxEmail.objects.count() == 1
    assert len(smtp.mailbox.to("same.person@example.org")) == 1
    report(
        f"\nFIGURES concurrent HTTP duplicates: {THREADS} at once -> {dict(statuses)}, 2 intake workers, 1 row, 1 email"
    )


def test_a_new_kind_at_the_same_moment_is_held_for_the_owner_once(live_server, broker, smtp, settings, tmp_path):
    """Ten at once, half of them volunteering: one person (the first), one held change, one of each email."""
    settings.RATELIMIT_ENABLE = False
    env = worker_env(broker.url(0), email_url=smtp.url, geocoder_url="http://127.0.0.1:9")
    from django.test import Client

    client = Client()
    for i in range(THREADS):
        client.post(
            "/api/v1/signups/",
            payload("both@example.org", "run" if i % 2 == 0 else "volunteer"),
            content_type="application/json",
        )
    with running_worker(broker.url(0), tmp_path / "worker.log", env), running_intake_workers(2, tmp_path, env):
        wait_until(lambda: not Submission.objects.pending().exists(), timeout=60, message="all applied")
        wait_until(lambda: len(smtp.mailbox.to("both@example.org")) >= 2, timeout=60, message="two emails")
        time.sleep(3)
    person = SignUp.objects.get()
    assert person.kinds == ["run"] and person.pending_change.changes["wants_to_volunteer"] is True
    assert sorted(OutboxEmail.objects.values_list("kind", flat=True)) == ["change_confirmation", "confirmation"]
    assert len(smtp.mailbox.to("both@example.org")) == 2

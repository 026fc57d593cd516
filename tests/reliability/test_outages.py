"""Nothing lost: sign-ups are accepted while the broker or the mail server is down, and a
worker killed in the middle of a task loses nothing; afterwards every sign-up is
geocoded, assigned and mailed exactly once.

Each test starts its own ``redis-server`` (its own port; stopping it loses every
queued message), real Celery workers on it, a loopback SMTP server and the fake Census
Geocoder. Figures are printed (``-s``) and written in docs/reliability.md.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.test import Client

from signups import services
from signups.models import LocationQuality, SignUp
from tests.reliability.conftest import child_pids, kill, report, running_worker, start_worker, stop_worker, wait_until
from tests.reliability.conftest import worker_environment as worker_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("zipcodes")]

URL = "/api/v1/signups/"


def payload(email: str, street: str = "") -> dict:
    return {
        "kind": "run",
        "first_name": "Ana",
        "last_name": "Ruiz",
        "email": email,
        "address": {"street": street, "city": "New York", "state": "NY", "zip": "10001"},
        "offices": ["state_house"],
        "timeframe": "next",
        "consent_email": True,
    }


def post_timed(client: Client, body: dict) -> tuple[int, float]:
    start = time.monotonic()
    response = client.post(URL, body, content_type="application/json")
    return response.status_code, time.monotonic() - start


def mailed_once_each(mailbox, emails: list[str]) -> Counter:
    """How many messages each address got (settled: duplicates right behind show up too)."""
    time.sleep(2)
    return Counter(m["To"] for m in mailbox.messages if m["To"] in emails)


def requeue_all() -> dict:
    """What Celery beat runs every minute, without its grace periods."""
    return services.signups_requeue_stalled(older_than=timedelta(0), unqueued_after=timedelta(0))


@pytest.fixture
def geocoder(worker_census_geocoder):
    if worker_census_geocoder is None:
        pytest.skip("no recorded Census Geocoder answers in DISTRICTS_DATA_DIR")
    return worker_census_geocoder


def test_broker_down_sign_ups_accepted_fast_then_each_geocoded_and_mailed_once(
    broker, smtp, geocoder, settings, tmp_path
):
    settings.SIGNUP_PUBLISH_PAUSE = 30  # production behaviour: stop trying after a failure
    env = worker_env(broker.url(0), email_url=smtp.url, geocoder_url=geocoder.url)
    with running_worker(broker.url(0), tmp_path / "worker.log", env) as worker:
        broker.stop()  # the broker dies (and, without persistence, loses everything it held)

        client = Client()
        emails = [f"outage{i}@example.org" for i in range(50)]
        # 45 street addresses the fake Census Geocoder matches, 5 it does not (ZIP fallback).
        answers = [
            post_timed(client, payload(e, "421 8th Ave" if i < 45 else "1 Zzzz Nowhere")) for i, e in enumerate(emails)
        ]
        statuses = Counter(code for code, _ in answers)
        slowest = max(seconds for _, seconds in answers)
        total = sum(seconds for _, seconds in answers)
        assert statuses == {201: 50}
        assert slowest < 1.0, f"a sign-up waited {slowest:.2f} s on the dead broker"
        rows = SignUp.objects.filter(email__in=emails)
        assert rows.count() == 50
        assert not rows.filter(follow_up_queued_at__isnull=False).exists()  # all still in the outbox

        broker.start()  # same port, empty
        # The worker reconnects by itself (and declares its queue again).
        reconnect = wait_until(lambda: worker_pings(worker), timeout=60, message="worker reconnect")
        assert requeue_all() == {"locate": 50, "confirm": 50}

        wait_until(lambda: not rows.filter(located_at__isnull=True).exists(), timeout=90, message="all geocoded")
        wait_until(lambda: len(smtp.mailbox.messages) >= 50, timeout=90, message="50 emails")
        per_address = mailed_once_each(smtp.mailbox, emails)

    assert per_address == Counter(dict.fromkeys(emails, 1)), "an email was lost or doubled"
    assert rows.filter(confirmation_sent_at__isnull=False).count() == 50
    street = rows.filter(location_quality=LocationQuality.STREET)
    assert street.count() == 45
    assert set(street.values_list("cd__geoid", "sldu__geoid", "sldl__geoid")) == {("3612", "36047", "36075")}
    assert rows.filter(location_quality=LocationQuality.AMBIGUOUS, districts_assigned_at__isnull=False).count() == 5
    report(
        f"\nFIGURES broker outage: {len(answers)} sign-ups while down, all 201, slowest {slowest * 1000:.0f} ms, "
        f"total {total:.2f} s; worker reconnected in {reconnect:.1f} s; geocoded 50, emails {sum(per_address.values())}"
        f" (each address once), lost 0"
    )


def worker_pings(worker) -> bool:
    from berniecrat.celery import app as celery_app
    from tests.plugins.processes import celery_broker

    try:
        with celery_broker(worker.broker_url):
            return bool(celery_app.control.ping(destination=[worker.hostname], timeout=0.5))
    except Exception:  # noqa: BLE001 - broker still coming up
        return False


def test_hung_broker_costs_one_request_about_a_second_then_none(settings):
    """A broker that accepts connections but never answers (a hung host, a full network path)."""
    import socket

    from berniecrat.celery import app as celery_app
    from signups import outbox
    from tests.plugins.processes import celery_broker

    settings.SIGNUP_PUBLISH_PAUSE = 30
    settings.RATELIMIT_ENABLE = False
    black_hole = socket.socket()
    black_hole.bind(("127.0.0.1", 0))
    black_hole.listen(100)  # the kernel completes the handshake; nobody ever reads
    url = f"redis://127.0.0.1:{black_hole.getsockname()[1]}/0"
    outbox.resume_publishing()
    try:
        with celery_broker(url):
            assert celery_app.conf.broker_url == url
            client = Client()
            answers = [post_timed(client, payload(f"hung{i}@example.org")) for i in range(20)]
    finally:
        black_hole.close()
        outbox.resume_publishing()
    statuses = Counter(code for code, _ in answers)
    first, rest = answers[0][1], [seconds for _, seconds in answers[1:]]
    assert statuses == {201: 20}
    assert first < 2.5, f"the first sign-up waited {first:.2f} s"
    assert max(rest) < 0.5
    assert SignUp.objects.filter(follow_up_queued_at__isnull=True).count() == 20  # left for the sweeper
    report(
        f"\nFIGURES hung broker: 20 sign-ups, all 201; first {first * 1000:.0f} ms (gives up), "
        f"the other 19 at most {max(rest) * 1000:.0f} ms (publishing paused)"
    )


def test_mail_server_down_emails_sent_after_it_returns_each_exactly_once(broker, smtp, settings, tmp_path):
    settings.RATELIMIT_ENABLE = False
    env = worker_env(broker.url(0), email_url=smtp.url, geocoder_url="http://127.0.0.1:9")
    emails = [f"smtpdown{i}@example.org" for i in range(20)]
    with running_worker(broker.url(0), tmp_path / "worker.log", env) as worker:
        smtp.stop()
        client = Client()
        assert {post_timed(client, payload(e))[0] for e in emails} == {201}
        rows = SignUp.objects.filter(email__in=emails)
        # The worker tries, fails (connection refused), gives the claim back and retries later.
        wait_until(lambda: worker.log.read_text().count("retry") >= 5, timeout=30, message="SMTP failures retried")
        time.sleep(3)  # "a while"
        assert not rows.filter(confirmation_sent_at__isnull=False).exists()
        # Every failed attempt gives its claim back (a retry may hold one for an instant).
        wait_until(
            lambda: not rows.filter(confirmation_claimed_at__isnull=False).exists(),
            timeout=15,
            message="every claim given back",
        )
        failures = worker.log.read_text().count("ConnectionRefusedError")

        smtp.start()
        # Celery's own retries (backoff 10 s x 2^n, jittered) would get there; beat's sweeper is sooner.
        swept = requeue_all()
        wait_until(lambda: len(smtp.mailbox.messages) >= 20, timeout=90, message="20 emails")
        per_address = mailed_once_each(smtp.mailbox, emails)
    assert swept["confirm"] == 20
    assert per_address == Counter(dict.fromkeys(emails, 1))
    assert rows.filter(confirmation_sent_at__isnull=False).count() == 20
    report(
        f"\nFIGURES mail server outage: 20 sign-ups, {failures} failed SMTP attempts while down, "
        f"then {sum(per_address.values())} emails (each address once), lost 0, doubled 0"
    )


def test_worker_process_killed_mid_email_task_is_redelivered_at_once_and_mailed_once(broker, gated_smtp, tmp_path):
    """Prefork: the pool child sending the email is SIGKILLed; the parent sees the loss and, with
    ``task_reject_on_worker_lost``, puts the task back (``task_acks_late``: it was never acknowledged)."""
    env = worker_env(
        broker.url(0),
        email_url=gated_smtp.url,
        geocoder_url="http://127.0.0.1:9",
        SIGNUP_CONFIRMATION_CLAIM_TIMEOUT="3",
    )
    with running_worker(broker.url(0), tmp_path / "worker.log", env, pool="prefork") as worker:
        assert (
            Client().post(URL, payload("killed-child@example.org"), content_type="application/json").status_code == 201
        )
        assert gated_smtp.mailbox.entered.wait(30), "the worker never started sending"
        [child] = child_pids(worker.process.pid)
        kill(child)  # in the middle of the SMTP conversation
        gated_smtp.mailbox.release()  # the dead sender gets no 250: not delivered
        started = time.monotonic()
        [message] = wait_for_to(gated_smtp.mailbox, "killed-child@example.org", 1, timeout=60)
        recovered = time.monotonic() - started
        time.sleep(2)
        log = worker.log.read_text()
    assert len(gated_smtp.mailbox.to("killed-child@example.org")) == 1
    assert "WorkerLostError" in log or "SIGKILL" in log
    assert SignUp.objects.get(email="killed-child@example.org").confirmation_sent_at is not None
    report(f"\nFIGURES pool child SIGKILL: task redelivered, 1 email after {recovered:.1f} s, lost 0, doubled 0")


def test_whole_worker_killed_mid_email_task_redelivered_after_visibility_timeout_and_mailed_once(
    broker, gated_smtp, tmp_path
):
    """Solo pool: the whole worker is SIGKILLed. Nobody is left to give the task back; the broker
    does after the visibility timeout (3 s here, 1 h in production), to the next worker."""
    env = worker_env(
        broker.url(0),
        email_url=gated_smtp.url,
        geocoder_url="http://127.0.0.1:9",
        SIGNUP_CONFIRMATION_CLAIM_TIMEOUT="3",
        CELERY_BROKER_VISIBILITY_TIMEOUT="3",
        CELERY_BROKER_RESTORE_INTERVAL="1",
        CELERY_BROKER_RESTORE_THROTTLE="1",
    )
    first = start_worker(broker.url(0), tmp_path / "worker1.log", env)
    try:
        assert (
            Client().post(URL, payload("killed-worker@example.org"), content_type="application/json").status_code == 201
        )
        assert gated_smtp.mailbox.entered.wait(30), "the worker never started sending"
        kill(first.process.pid)
        first.process.wait(10)
        gated_smtp.mailbox.release()
    finally:
        stop_worker(first)
    signup = SignUp.objects.get(email="killed-worker@example.org")
    assert signup.confirmation_sent_at is None and signup.confirmation_claimed_at is not None  # a dead claim
    assert broker.client().hlen("unacked") == 1  # taken, never acknowledged

    started = time.monotonic()
    with running_worker(broker.url(0), tmp_path / "worker2.log", env):
        wait_for_to(gated_smtp.mailbox, "killed-worker@example.org", 1, timeout=60)
        recovered = time.monotonic() - started
        time.sleep(4)  # past another visibility timeout: nothing more comes
    assert len(gated_smtp.mailbox.to("killed-worker@example.org")) == 1
    signup.refresh_from_db()
    assert signup.confirmation_sent_at is not None
    report(f"\nFIGURES whole worker SIGKILL: task redelivered to a new worker, 1 email after {recovered:.1f} s")


def wait_for_to(mailbox, address: str, count: int, timeout: float) -> list:
    wait_until(lambda: len(mailbox.to(address)) >= count, timeout=timeout, message=f"{count} email(s) to {address}")
    return mailbox.to(address)

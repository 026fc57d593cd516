"""Nothing lost: sign-ups are accepted while the broker or the mail server is down, and a
worker killed in the middle of its work loses and doubles nothing; afterwards every
sign-up is applied, geocoded, assigned and mailed exactly once, and so is every other
kind of email (change confirmations, introductions, nomination invitations).

Each test starts its own ``redis-server`` (its own port; stopping it loses every
queued message), real workers on it (Celery, and ``manage.py run_intake``), a loopback
SMTP server and the fake Census Geocoder. Figures are printed (``-s``) and written in
docs/reliability.md.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from calls.services import teams as call_teams
from pipeline import services as pipeline_services
from signups import outbox
from signups.models import LocationQuality, OutboxEmail, PendingChange, SignUp, Submission
from signups.services import locating
from tests.calls.conftest import make_team
from tests.factories import SignUpFactory, TotpOrganizerFactory
from tests.reliability.conftest import (
    child_pids,
    kill,
    report,
    running_worker,
    start_intake_worker,
    start_worker,
    stop_worker,
    wait_until,
)
from tests.reliability.conftest import worker_environment as worker_env
from tests.signups.conftest import process_intake

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("zipcodes")]

URL = "/api/v1/signups/"


def payload(email: str, street: str = "", **fields) -> dict:
    return {
        "kind": "run",
        "first_name": "Ana",
        "last_name": "Ruiz",
        "email": email,
        "address": {"street": street, "city": "New York", "state": "NY", "zip": "10001"},
        "offices": ["state_house"],
        "timeframe": "next",
        "consent_email": True,
        **fields,
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
    """What Celery beat's sweeper runs every minute, without its grace periods. (Beat is a process
    of its own: this test process's pause after a failed publish is not its business.)"""
    outbox.resume_publishing()
    return {
        "emails": outbox.emails_requeue_stalled(older_than=timedelta(0), unqueued_after=timedelta(0)),
        "locate": locating.signups_requeue_unlocated(older_than=timedelta(0), unqueued_after=timedelta(0)),
    }


@pytest.fixture
def geocoder(worker_census_geocoder):
    if worker_census_geocoder is None:
        pytest.skip("no recorded Census Geocoder answers in DISTRICTS_DATA_DIR")
    return worker_census_geocoder


def worker_pings(worker) -> bool:
    from berniecrat.celery import app as celery_app
    from tests.plugins.processes import celery_broker

    try:
        with celery_broker(worker.broker_url):
            return bool(celery_app.control.ping(destination=[worker.hostname], timeout=0.5))
    except Exception:  # noqa: BLE001 - broker still coming up
        return False


def warm_up(client: Client) -> None:
    """This process's first request loads the URLconf, DRF and the compiled district lookup (seconds
    on a busy machine): not what an outage costs, so it is paid before measuring."""
    assert client.get("/api/v1/districts/lookup", {"lat": 40.7484, "lng": -73.9857}).status_code == 200
    assert client.post(URL, {}, content_type="application/json").status_code == 400


def test_broker_down_sign_ups_accepted_fast_then_each_geocoded_and_mailed_once(
    broker, smtp, geocoder, settings, tmp_path
):
    settings.SIGNUP_PUBLISH_PAUSE = 30  # production behaviour: stop trying after a failure
    settings.RATELIMIT_ENABLE = False
    env = worker_env(broker.url(0), email_url=smtp.url, geocoder_url=geocoder.url)
    with running_worker(broker.url(0), tmp_path / "worker.log", env) as worker:
        client = Client()
        warm_up(client)
        broker.stop()  # the broker dies (and, without persistence, loses everything it held)

        emails = [f"outage{i}@example.org" for i in range(50)]
        # 45 street addresses the fake Census Geocoder matches, 5 it does not (ZIP fallback).
        answers = [
            post_timed(client, payload(e, "421 8th Ave" if i < 45 else "1 Zzzz Nowhere")) for i, e in enumerate(emails)
        ]
        statuses = Counter(code for code, _ in answers)
        slowest = max(seconds for _, seconds in answers)
        total = sum(seconds for _, seconds in answers)
        assert statuses == {202: 50}
        assert slowest < 1.0, f"a sign-up waited {slowest:.2f} s: {[round(s, 2) for _, s in answers]}"
        started = time.monotonic()
        assert process_intake().processed == 50  # the intake worker: the database is all it needs
        intake_seconds = time.monotonic() - started
        rows = SignUp.objects.filter(email__in=emails)
        assert rows.count() == 50
        # Nothing could be handed over: it all waits in the outbox for the sweeper.
        assert OutboxEmail.objects.filter(queued_at__isnull=True).count() == 50
        assert not rows.filter(follow_up_queued_at__isnull=False).exists()

        broker.start()  # same port, empty
        reconnect = wait_until(lambda: worker_pings(worker), timeout=60, message="worker reconnect")
        assert requeue_all() == {"emails": 50, "locate": 50}

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
        f"\nFIGURES broker outage: {len(answers)} sign-ups while down, all 202, slowest {slowest * 1000:.0f} ms, "
        f"total {total:.2f} s; intake applied 50 in {intake_seconds:.2f} s with the broker down; worker reconnected "
        f"in {reconnect:.1f} s; geocoded 50, emails {sum(per_address.values())} (each address once), lost 0"
    )


def test_a_hung_broker_never_delays_a_sign_up(settings):
    """A broker that accepts connections but never answers (a hung host): the web never talks to it,
    and an intake batch pays its timeout once, then leaves the emails to the sweeper."""
    import socket

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
            client = Client()
            warm_up(client)
            answers = [post_timed(client, payload(f"hung{i}@example.org")) for i in range(20)]
            started = time.monotonic()
            process_intake()
            intake_seconds = time.monotonic() - started
    finally:
        black_hole.close()
        outbox.resume_publishing()
    statuses = Counter(code for code, _ in answers)
    slowest = max(seconds for _, seconds in answers)
    assert statuses == {202: 20}
    assert slowest < 0.5
    assert intake_seconds < 4, f"the intake batch waited {intake_seconds:.2f} s on the hung broker"
    assert OutboxEmail.objects.filter(queued_at__isnull=True).count() == 20  # left for the sweeper
    report(
        f"\nFIGURES hung broker: 20 sign-ups, all 202, slowest {slowest * 1000:.0f} ms (the web never publishes); "
        f"the intake batch took {intake_seconds:.2f} s (one publish timeout), 20 emails left for the sweeper"
    )


def test_mail_server_down_emails_sent_after_it_returns_each_exactly_once(broker, smtp, settings, tmp_path):
    settings.RATELIMIT_ENABLE = False
    env = worker_env(broker.url(0), email_url=smtp.url, geocoder_url="http://127.0.0.1:9")
    emails = [f"smtpdown{i}@example.org" for i in range(20)]
    with running_worker(broker.url(0), tmp_path / "worker.log", env) as worker:
        smtp.stop()
        client = Client()
        assert {post_timed(client, payload(e))[0] for e in emails} == {202}
        process_intake()
        rows = OutboxEmail.objects.filter(kind="confirmation")
        # The worker tries, fails (connection refused), gives the claim back and retries later.
        wait_until(lambda: worker.log.read_text().count("retry") >= 1, timeout=30, message="SMTP failure retried")
        time.sleep(3)  # "a while"
        assert not rows.filter(sent_at__isnull=False).exists()
        # Every failed attempt gives its claim back (a retry may hold one for an instant).
        wait_until(
            lambda: not rows.filter(claimed_at__isnull=False).exists(), timeout=15, message="every claim given back"
        )
        failures = worker.log.read_text().count("ConnectionRefusedError")

        smtp.start()
        # Celery's own retries (backoff 10 s x 2^n, jittered) would get there; beat's sweeper is sooner.
        swept = requeue_all()
        wait_until(lambda: len(smtp.mailbox.messages) >= 20, timeout=90, message="20 emails")
        per_address = mailed_once_each(smtp.mailbox, emails)
    # The sweeper hands over every unsent email not claimed at that instant; a Celery retry due at
    # the same moment may claim one first and send it itself. Either way each goes exactly once.
    assert 0 < swept["emails"] <= 20
    assert per_address == Counter(dict.fromkeys(emails, 1))
    assert rows.filter(sent_at__isnull=False).count() == 20
    report(
        f"\nFIGURES mail server outage: 20 sign-ups, {failures} failed SMTP attempts while down, "
        f"then {sum(per_address.values())} emails (each address once), lost 0, doubled 0"
    )


def every_kind_of_email() -> dict[str, str]:
    """One email of each kind, decided as the site decides them; kind -> recipient."""
    owner = SignUpFactory(email="owner-kind@example.org", consent_email=True, confirmed_at=timezone.now())
    volunteer = SignUpFactory(
        email="volunteer-kind@example.org",
        consent_email=True,
        confirmed_at=timezone.now(),
        wants_to_run=False,
        wants_to_volunteer=True,
        skills=["data"],
        hours_per_week=3,
        help_scope="anywhere",
    )
    client = Client()
    assert client.post(URL, payload("new-kind@example.org"), content_type="application/json").status_code == 202
    assert client.post(URL, payload(owner.email, phone="212-555-0177"), content_type="application/json").status_code
    process_intake()
    pipeline_services.introduction_create(candidate_id=owner.pk, volunteer_id=volunteer.pk, by=None)
    pipeline_services.nomination_create(
        data={
            "nominator_name": "Rosa Diaz",
            "nominator_email": "rosa-kind@example.org",
            "nominee_name": "Maya Chen",
            "nominee_email": "nominee-kind@example.org",
            "state": "NY",
            "zip": "10001",
            "language": "en",
        }
    )
    organizer = TotpOrganizerFactory(states=["NY"])
    call_teams.caller_invite(team=make_team(organizer), email="caller-kind@example.org", by=organizer)
    return {
        "caller_invitation": "caller-kind@example.org",
        "confirmation": "new-kind@example.org",
        "change_confirmation": owner.email,
        "introduction_to_candidate": owner.email,
        "introduction_to_volunteer": volunteer.email,
        "nomination_confirmation": "rosa-kind@example.org",  # the invitation waits for the nominator's press
    }


def test_every_kind_of_email_survives_a_broker_and_a_mail_server_outage_and_goes_once(broker, smtp, settings, tmp_path):
    settings.SIGNUP_PUBLISH_PAUSE = 30
    env = worker_env(broker.url(0), email_url=smtp.url, geocoder_url="http://127.0.0.1:9")
    with running_worker(broker.url(0), tmp_path / "worker.log", env) as worker:
        broker.stop()
        smtp.stop()
        kinds = every_kind_of_email()  # decided while both are down
        assert set(OutboxEmail.objects.values_list("kind", flat=True)) == set(kinds)
        assert not OutboxEmail.objects.filter(queued_at__isnull=False).exists()

        broker.start()
        wait_until(lambda: worker_pings(worker), timeout=60, message="worker reconnect")
        assert requeue_all()["emails"] == len(kinds)
        wait_until(lambda: worker.log.read_text().count("retry") >= 1, timeout=60, message="SMTP failure retried")
        wait_until(
            lambda: not OutboxEmail.objects.filter(claimed_at__isnull=False).exists(), timeout=15, message="claims back"
        )
        assert not smtp.mailbox.messages

        smtp.start()
        requeue_all()
        wait_until(lambda: len(smtp.mailbox.messages) >= len(kinds), timeout=90, message="every email")
        time.sleep(2)
    received = Counter(m["To"] for m in smtp.mailbox.messages)
    assert received == Counter(kinds.values())  # the owner gets 2: their change confirmation and the introduction
    assert OutboxEmail.objects.filter(sent_at__isnull=False).count() == len(kinds)
    report(
        f"\nFIGURES every kind of email through both outages: {dict(received)} ({len(kinds)} kinds), lost 0, doubled 0"
    )


def test_worker_process_killed_mid_email_task_is_redelivered_at_once_and_mailed_once(broker, gated_smtp, tmp_path):
    """Prefork: the pool child sending the email is SIGKILLed; the parent sees the loss and, with
    ``task_reject_on_worker_lost``, puts the task back (``task_acks_late``: it was never acknowledged)."""
    env = worker_env(
        broker.url(0), email_url=gated_smtp.url, geocoder_url="http://127.0.0.1:9", EMAIL_CLAIM_TIMEOUT="3"
    )
    with running_worker(broker.url(0), tmp_path / "worker.log", env, pool="prefork") as worker:
        assert (
            Client().post(URL, payload("killed-child@example.org"), content_type="application/json").status_code == 202
        )
        process_intake()
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
        EMAIL_CLAIM_TIMEOUT="3",
        CELERY_BROKER_VISIBILITY_TIMEOUT="3",
        CELERY_BROKER_RESTORE_INTERVAL="1",
        CELERY_BROKER_RESTORE_THROTTLE="1",
    )
    first = start_worker(broker.url(0), tmp_path / "worker1.log", env)
    try:
        assert (
            Client().post(URL, payload("killed-worker@example.org"), content_type="application/json").status_code == 202
        )
        process_intake()
        assert gated_smtp.mailbox.entered.wait(30), "the worker never started sending"
        kill(first.process.pid)
        first.process.wait(10)
        gated_smtp.mailbox.release()
    finally:
        stop_worker(first)
    email = OutboxEmail.objects.get(kind="confirmation")
    assert email.sent_at is None and email.claimed_at is not None  # a dead claim
    assert broker.client().hlen("unacked") == 1  # taken, never acknowledged

    started = time.monotonic()
    with running_worker(broker.url(0), tmp_path / "worker2.log", env):
        wait_for_to(gated_smtp.mailbox, "killed-worker@example.org", 1, timeout=60)
        recovered = time.monotonic() - started
        time.sleep(4)  # past another visibility timeout: nothing more comes
    assert len(gated_smtp.mailbox.to("killed-worker@example.org")) == 1
    email.refresh_from_db()
    assert email.sent_at is not None
    report(f"\nFIGURES whole worker SIGKILL: task redelivered to a new worker, 1 email after {recovered:.1f} s")


def waiting_on_a_lock(application_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
            [application_name],
        )
        return cursor.fetchone()[0] > 0


def test_intake_worker_killed_mid_batch_loses_and_doubles_nothing(broker, settings, tmp_path):
    """The intake worker has created a batch's new people (not yet committed) when it is SIGKILLed:
    PostgreSQL rolls its transaction back, the submissions are still pending, and the next
    worker applies each once: one person per email, one email per person."""
    settings.RATELIMIT_ENABLE = False
    owner = SignUpFactory(email="held-owner@example.org", confirmed_at=timezone.now())
    pending = PendingChange.objects.create(
        signup=owner, changes={"phone": "+12125550100"}, expires_at=timezone.now() + timedelta(days=7)
    )
    client = Client()
    emails = [f"batch{i}@example.org" for i in range(20)]
    for email in emails:
        assert client.post(URL, payload(email), content_type="application/json").status_code == 202
    client.post(URL, payload(owner.email, first_name="Changed"), content_type="application/json")

    # Another transaction holds the owner's pending change: the worker gets past creating the
    # 20 new people and waits there, in the middle of its batch.
    blocker = connection.get_new_connection(connection.get_connection_params())
    blocker.autocommit = False
    with blocker.cursor() as cursor:
        cursor.execute("SELECT id FROM signups_pendingchange WHERE id = %s FOR UPDATE", [pending.pk])
    env = worker_env(
        broker.url(0), email_url="smtp://127.0.0.1:9", geocoder_url="http://127.0.0.1:9", PGAPPNAME="intake-kill"
    )
    worker = start_intake_worker(tmp_path / "intake.log", env)
    try:
        wait_until(lambda: waiting_on_a_lock("intake-kill"), timeout=60, message="the worker mid-batch")
        kill(worker.pid)
        worker.wait(10)
    finally:
        blocker.rollback()
        blocker.close()
    assert Submission.objects.pending().count() == 21  # rolled back: every row still to do
    assert SignUp.objects.count() == 1 and not OutboxEmail.objects.exists()

    second = start_intake_worker(tmp_path / "intake2.log", env)
    try:
        wait_until(lambda: not Submission.objects.pending().exists(), timeout=60, message="all applied")
    finally:
        second.terminate()
        second.wait(10)
    assert Counter(SignUp.objects.values_list("email", flat=True)) == Counter([owner.email, *emails])
    assert OutboxEmail.objects.filter(kind="confirmation").count() == 20
    assert OutboxEmail.objects.filter(kind="change_confirmation").count() == 1
    pending.refresh_from_db()
    assert pending.changes["phone"] == "+12125550100" and pending.changes["first_name"] == "Changed"
    assert pending.revision == 2
    report(
        "\nFIGURES intake worker SIGKILL mid-batch: 21 submissions rolled back, re-applied once: 20 people, 21 emails"
    )


def wait_for_to(mailbox, address: str, count: int, timeout: float) -> list:
    wait_until(lambda: len(mailbox.to(address)) >= count, timeout=timeout, message=f"{count} email(s) to {address}")
    return mailbox.to(address)

"""``make run``'s supervision: the Procfile's processes under supervisord (``scripts/supervise.py``).

The real Procfile, on the test database, its own ``redis-server`` and a loopback SMTP
server: the email worker is killed outright, then the broker is stopped while emails
are being sent; the web keeps answering throughout (honcho used to stop it when a
worker died), the killed worker is restarted, and once the broker is back every email
goes out exactly once (beat's sweeper hands over what could not be).
"""

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from signups.models import Submission
from tests.plugins.processes import ROOT
from tests.plugins.smtp import free_port
from tests.reliability.conftest import report, wait_until
from tests.reliability.conftest import worker_environment as worker_env
from tests.reliability.test_concurrency import payload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("zipcodes")]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own loopback server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def post(url: str, body: dict) -> tuple[int, float]:
    request = urllib.request.Request(  # noqa: S310 - our own loopback server
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, time.monotonic() - started


def program_pid(conf, name: str) -> int:
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "supervisorctl"), "-c", str(conf), "pid", name],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return int(out) if out.isdigit() else 0


def test_a_killed_worker_and_a_broker_outage_never_stop_the_web_and_every_email_goes_once(broker, smtp, tmp_path):
    port = free_port()
    env = worker_env(
        broker.url(0),
        email_url=smtp.url,
        geocoder_url="http://127.0.0.1:9",
        PORT=str(port),
        RATELIMIT_ENABLE="0",
        SIGNUP_PUBLISH_PAUSE="5",
        # Tasks handed to the broker just before it stopped are lost with it (no persistence):
        # the sweeper hands them over again after this many seconds (5 minutes in production).
        EMAIL_REQUEUE_AFTER="20",
    )
    cache = tmp_path / "supervisor"
    log = (tmp_path / "supervise.log").open("wb")
    supervisor = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), "scripts/supervise.py", "--cache", str(cache)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    site = f"http://127.0.0.1:{port}"
    conf = cache / "supervisord.conf"
    try:
        wait_until(lambda: get(f"{site}/run/") == 200, timeout=90, message="the web under supervisord")
        before = [post(f"{site}/api/v1/signups/", payload(f"sup{i}@example.org"))[0] for i in range(5)]
        assert before == [202] * 5
        wait_until(lambda: len(smtp.mailbox.messages) >= 5, timeout=90, message="5 emails")

        # A worker dies (killed outright): supervisord starts it again, the web never notices.
        email_pid = program_pid(conf, "email")
        assert email_pid
        subprocess.run(["kill", f"-{signal.SIGKILL.value}", str(email_pid)], check=True)
        wait_until(lambda: program_pid(conf, "email") not in (0, email_pid), timeout=60, message="email restarted")
        assert get(f"{site}/run/") == 200

        # The broker goes away while these emails are being sent.
        during = [post(f"{site}/api/v1/signups/", payload(f"sup{i}@example.org")) for i in range(5, 10)]
        broker.stop()
        during += [post(f"{site}/api/v1/signups/", payload(f"sup{i}@example.org")) for i in range(10, 15)]
        answered = [get(f"{site}/run/") for _ in range(5)]
        time.sleep(5)
        answered += [get(f"{site}/run/") for _ in range(5)]
        assert {code for code, _ in during} == {202} and set(answered) == {200}
        slowest = max(seconds for _, seconds in during)
        broker.start()
        wait_until(lambda: not Submission.objects.pending().exists(), timeout=60, message="intake applied")
        # Beat's sweeper (every minute) hands over whatever the outage kept back.
        wait_until(lambda: len(smtp.mailbox.messages) >= 15, timeout=180, message="15 emails")
        time.sleep(3)
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(60)
        except subprocess.TimeoutExpired:
            supervisor.kill()
        log.close()
    per_address = Counter(m["To"] for m in smtp.mailbox.messages)
    assert per_address == Counter({f"sup{i}@example.org": 1 for i in range(15)})
    report(
        f"\nFIGURES supervision: email worker SIGKILLed and restarted, broker stopped mid-sending; "
        f"web answered every request (slowest sign-up {slowest * 1000:.0f} ms); 15 emails, each once"
    )

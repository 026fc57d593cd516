"""No personal data in logs, URLs, task payloads or Redis keys.

Sign-ups arrive through the form and the API while no worker runs, so every queued
task can be read raw from the broker (``LRANGE``, bodies decoded); then a worker
logging at DEBUG does the work (geocoding, email). Every log record of the web side
(caplog, DEBUG), the worker's whole log, every queued message, every Redis key and
every URL the supporter sees are searched for the person's name, email, phone and street.
"""

import base64
import json
import logging
import re

import pytest
from django.test import Client

from signups.models import SignUp
from tests.plugins.processes import queued_messages
from tests.reliability.conftest import report, running_worker, wait_until
from tests.reliability.conftest import worker_environment as worker_env
from tests.signups.conftest import RUN_FORM, process_intake, shown_token

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("zipcodes")]

FIRST, LAST, STREET, PHONE = "Zebulonia", "Quillfeather", "421 8th Ave", "2125550199"
EMAILS = ("zq-pii-form@example.org", "zq-pii-api@example.org")
NEEDLES = (FIRST, LAST, "zq-pii", "421 8th", "8TH AVE", "555-0199", "5550199", PHONE)


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [needle for needle in NEEDLES if needle.lower() in lowered]


def decoded(raw: bytes) -> str:
    """A kombu message as text, its base64 body (the task's args and kwargs) decoded."""
    message = json.loads(raw)
    body = base64.b64decode(message["body"]).decode()
    return json.dumps(message) + "\n" + body


def test_no_personal_data_in_logs_urls_task_payloads_or_redis_keys(
    broker, smtp, worker_census_geocoder, caplog, tmp_path
):
    if worker_census_geocoder is None:
        pytest.skip("no recorded Census Geocoder answers")
    caplog.set_level(logging.DEBUG)
    client = Client()
    form = RUN_FORM | {"first_name": FIRST, "last_name": LAST, "email": EMAILS[0], "street": STREET, "phone": PHONE}
    page = client.post("/run/", form)
    assert page.status_code == 302
    urls = [page["Location"]]
    api = client.post(
        "/api/v1/signups/",
        {
            "kind": "volunteer",
            "first_name": FIRST,
            "last_name": LAST,
            "email": EMAILS[1],
            "phone": PHONE,
            "address": {"street": STREET, "city": "New York", "state": "NY", "zip": "10001"},
            "skills": ["data"],
            "hours_per_week": 4,
            "help_scope": "anywhere",
        },
        content_type="application/json",
    )
    assert api.status_code == 202
    urls.append(client.get(urls[0]).request["PATH_INFO"])
    # A rejected submission too: its error page echoes the input, but logs must not.
    client.post("/run/", form | {"zip": "90210", "started": shown_token()})
    process_intake()  # what the intake worker does: the web itself queues nothing

    queued = queued_messages(broker.client())
    messages = [decoded(raw) for raw in queued]
    task_args = [json.loads(base64.b64decode(json.loads(raw)["body"]))[0] for raw in queued]
    assert len(messages) == 3  # geocode twice; both confirmations in one chunk
    pks = [args[0] if isinstance(args[0], list) else [args[0]] for args in task_args]
    assert all(len(args) == 1 for args in task_args)
    assert all(isinstance(pk, int) for chunk in pks for pk in chunk)  # primary keys, nothing else

    env = worker_env(broker.url(0), email_url=smtp.url, geocoder_url=worker_census_geocoder.url)
    with running_worker(broker.url(0), tmp_path / "worker.log", env, loglevel="debug") as worker:
        wait_until(lambda: len(smtp.mailbox.messages) >= 2, timeout=60, message="both emails")
        wait_until(lambda: not SignUp.objects.filter(located_at__isnull=True).exists(), timeout=60, message="located")
    worker_log = worker.log.read_text()
    for message in smtp.mailbox.messages:
        urls += re.findall(r"https?://\S+", message.get_body(preferencelist=("plain",)).get_content())

    # Not ours: the test's own SMTP server (aiosmtpd's "mail.log") logs what it receives, as a mail server would.
    ours = [r for r in caplog.records if not r.name.startswith(("mail.log", "asyncio"))]
    records = [f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in ours]
    redis_keys = [key.decode() for db in (0, 1) for key in broker.client(db).keys("*")]
    assert worker_log.count("succeeded") >= 3, worker_log[-2000:]  # both geocodings, the chunk of emails
    assert [leaks(r) for r in records if leaks(r)] == []
    assert leaks(worker_log) == []
    assert [leaks(m) for m in messages if leaks(m)] == []
    assert [leaks(k) for k in redis_keys if leaks(k)] == []
    assert [u for u in urls if leaks(u)] == []
    report(
        f"\nFIGURES no personal data: {len(records)} web log records (DEBUG), "
        f"{len(worker_log.splitlines())} worker log lines (DEBUG), {len(messages)} queued task messages, "
        f"{len(redis_keys)} Redis keys, {len(urls)} URLs searched for {len(NEEDLES)} needles: 0 found"
    )

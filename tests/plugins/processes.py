"""Fixtures that run real processes beside the test process.

``celery_worker`` starts a real Celery worker (``--pool solo``; no ``-Q``, so it
consumes every queue of ``CELERY_TASK_QUEUES``, email included) that uses the
pytest-django test database and a Redis database of its own as broker
(database 15 on the host of ``CELERY_BROKER_URL``), so it never takes tasks
from a developer's running worker and theirs never takes the tests' tasks
(two test sessions at once on one Redis would share it). While a test uses the
fixture, the test process sends tasks and control messages (``ping``) to that
broker too. The worker only sees committed rows: mark such tests
``@pytest.mark.django_db(transaction=True)``.

The worker never reaches outside services: its mail goes to a real SMTP
server on loopback (``worker_mailbox`` shows what arrived) and its Census
Geocoder is the fake one answering with recorded responses
(``tests/fakes/census_geocoder.py``; ``worker_census_geocoder``). A session
fixture ``celery_worker_env`` (override it in a conftest) adds environment
variables of your own.

``celery_without_worker`` points the test process at a broker database no
worker listens on (``/14``), for testing what happens when no worker runs.

Register with ``pytest_plugins = ["tests.plugins.processes"]`` (root conftest
or a test module).
"""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings

from berniecrat.celery import app as celery_app
from tests.plugins.smtp import Mailbox, SmtpServer

ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"
WORKER_BROKER_DB = 15  # the test worker's broker
IDLE_BROKER_DB = 14  # a broker no worker ever listens on
# application_name of the session worker's PostgreSQL connections (libpq reads PGAPPNAME),
# so a test can tell them from other sessions' connections to the test database.
WORKER_APP_NAME = "berniecrat-test-worker"
WORKER_START_TIMEOUT = 60
WORKER_STOP_TIMEOUT = 20
# Where the worker's geocoder calls go when the recorded answers are missing: nowhere.
UNREACHABLE_URL = "http://127.0.0.1:9"


def redis_url_with_db(url: str, db: int) -> str:
    """``url`` (redis://host:port/n) with another database number."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


def database_url(db: dict) -> str:
    """A DATABASE_URL (as django-environ reads it) for Django's ``DATABASES`` entry ``db``."""
    user = quote(db.get("USER") or "", safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or ""
    name = quote(db["NAME"], safe="")
    if host.startswith("/"):  # a socket directory goes into the path: postgis://user@//run/postgresql/name
        return f"postgis://{credentials}/{quote(host)}/{name}"
    if ":" in host:  # IPv6 address
        host = f"[{host}]"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgis://{credentials}{host}{port}/{name}"


def queued_messages(client) -> list[bytes]:
    """Every message waiting on the broker behind the redis ``client``, in all of the app's queues."""
    return [raw for queue in celery_app.amqp.queues for raw in client.lrange(queue, 0, -1)]


def _switch_broker(url: str) -> None:
    """Point the Celery app of this process at ``url``.

    The app caches its connection and producer pools; kombu keeps one pool per
    broker URL process-wide, so dropping the app's references is enough (closing
    them would break kombu's pool for the next switch to the same URL).
    """
    celery_app.conf.broker_url = url
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def celery_broker(url: str) -> Iterator[str]:
    """Within the block, this process's Celery app (tasks, ``control.ping``) uses broker ``url``.

    ``berniecrat.celery`` read ``CELERY_BROKER_URL`` when it was imported, so
    overriding the Django setting alone would not move the app.
    """
    previous = celery_app.conf.broker_url
    _switch_broker(url)
    try:
        yield url
    finally:
        _switch_broker(previous)


@dataclass
class CeleryWorker:
    process: subprocess.Popen
    hostname: str  # node name, as control replies name it
    broker_url: str
    log: Path  # the worker's stdout and stderr

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task, then exit
    try:
        process.wait(WORKER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def worker_smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback (aiosmtpd) that the test worker sends its mail to."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def worker_census_geocoder():
    """The fake Census Geocoder the test worker uses (None without the recorded answers)."""
    # Imported here: the root conftest registers that module as a plugin after this one.
    from tests.fakes.census_geocoder import RECORDED_DIR_NAME, FakeCensusGeocoder

    try:
        fake = FakeCensusGeocoder(Path(settings.DISTRICTS_DATA_DIR or "") / RECORDED_DIR_NAME)
    except FileNotFoundError:
        yield None
        return
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def celery_worker_env() -> dict[str, str]:
    """Extra environment variables for the test worker; override in a conftest to add some."""
    return {}


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup, tmp_path_factory, worker_smtp_server, worker_census_geocoder, celery_worker_env
) -> Iterator[CeleryWorker]:
    """One real worker for the session, on the test database and the test broker."""
    broker_url = redis_url_with_db(settings.CELERY_BROKER_URL, WORKER_BROKER_DB)
    hostname = f"pytest-{os.getpid()}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "berniecrat.settings.test",
        # After django_db_setup the connection settings name the test database.
        "DATABASE_URL": database_url(settings.DATABASES["default"]),
        "CELERY_BROKER_URL": broker_url,
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": worker_smtp_server.url,
        "CENSUS_GEOCODER_URL": worker_census_geocoder.url if worker_census_geocoder else UNREACHABLE_URL,
        "CENSUS_GEOCODER_TIMEOUT": "2",
        "PYTHONUNBUFFERED": "1",
        "PGAPPNAME": WORKER_APP_NAME,
        **celery_worker_env,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    command = [
        str(CELERY),
        "-A",
        "berniecrat",
        "worker",
        "--pool",
        "solo",
        "--loglevel",
        "info",
        "--hostname",
        hostname,
        "--without-mingle",
        "--without-gossip",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    worker = CeleryWorker(process=process, hostname=hostname, broker_url=broker_url, log=log)
    try:
        with celery_broker(broker_url):
            celery_app.control.purge()  # tasks a crashed earlier session left behind
            deadline = time.monotonic() + WORKER_START_TIMEOUT
            while not celery_app.control.ping(destination=[hostname], timeout=0.5):
                if process.poll() is not None:
                    pytest.fail(f"Celery worker exited with {process.returncode}:\n{worker.log_tail()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"Celery worker did not answer ping in {WORKER_START_TIMEOUT} s:\n{worker.log_tail()}")
        yield worker
    finally:
        # Before pytest-django drops the test database the worker is connected to.
        _stop(process)


@pytest.fixture
def celery_worker(celery_worker_process, settings) -> Iterator[CeleryWorker]:
    """A running worker; during the test, tasks and control messages go to its broker."""
    if celery_worker_process.process.poll() is not None:
        pytest.fail(f"Celery worker has died:\n{celery_worker_process.log_tail()}")
    settings.CELERY_BROKER_URL = celery_worker_process.broker_url
    with celery_broker(celery_worker_process.broker_url):
        yield celery_worker_process


@pytest.fixture
def worker_mailbox(celery_worker_process, worker_smtp_server) -> Mailbox:
    """The mail the test worker sends during this test (emptied before it)."""
    mailbox = worker_smtp_server.mailbox
    mailbox.clear()
    return mailbox


@pytest.fixture
def celery_without_worker(settings) -> Iterator[str]:
    """During the test, tasks and control messages go to a broker no worker listens on."""
    url = redis_url_with_db(settings.CELERY_BROKER_URL, IDLE_BROKER_DB)
    settings.CELERY_BROKER_URL = url
    with celery_broker(url):
        # Tests without this fixture publish to the same idle database (test settings): start empty,
        # so a test reading the broker sees only what it sent.
        celery_app.control.purge()
        yield url
        celery_app.control.purge()  # nobody will ever run what the test sent

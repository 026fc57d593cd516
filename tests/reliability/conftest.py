"""Processes the reliability tests start, stop and kill on their own.

* ``RedisServer``: a real ``redis-server`` on a free loopback port, no persistence, that a
  test stops and starts again (a restart loses every queued message, like a crashed broker).
* ``start_worker``: a real Celery worker subprocess on such a broker and the test
  database (``--pool solo`` or ``prefork``), with environment overrides (short visibility
  timeout, short confirmation claim timeout), logging to a file the test can read.
* ``GatedMailbox``: an SMTP handler whose first message blocks until the test releases it
  and is then refused (451), to kill a worker in the middle of sending.
* ``start_intake_worker``: a real ``manage.py run_intake`` subprocess on the test database.

The test process publishes to the same broker (``tests.plugins.processes.celery_broker``).
"""

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings

from berniecrat.celery import app as celery_app
from signups import outbox
from tests.plugins.processes import CELERY, ROOT, CeleryWorker, _stop, celery_broker, database_url
from tests.plugins.smtp import Mailbox, SmtpServer

REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """``redis-server`` on its own port, started and stopped by the test."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = log_dir / f"redis-{self.port}.log"

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "RedisServer":
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--daemonize", "no"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis(port=self.port, socket_connect_timeout=0.2).ping():
                    return self
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(port=self.port, db=db)


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server, settings) -> Iterator[RedisServer]:
    """This test's web side (Celery publishing and the cache: rate limits, geocoder answers)
    uses ``redis_server``: db 0 as broker, db 1 as cache."""
    settings.CELERY_BROKER_URL = redis_server.url(0)
    settings.CACHES = {
        "default": settings.CACHES["default"] | {"LOCATION": redis_server.url(1), "KEY_PREFIX": "rel"},
    }
    outbox.resume_publishing()
    with celery_broker(redis_server.url(0)):
        yield redis_server
    outbox.resume_publishing()


def worker_environment(broker_url: str, *, email_url: str, geocoder_url: str, **overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "berniecrat.settings.test",
        # After django_db_setup the connection settings name the test database.
        "DATABASE_URL": database_url(settings.DATABASES["default"]),
        "CELERY_BROKER_URL": broker_url,
        "REDIS_URL": broker_url.rsplit("/", 1)[0] + "/1",
        "EMAIL_URL": email_url,
        "CENSUS_GEOCODER_URL": geocoder_url,
        "CENSUS_GEOCODER_TIMEOUT": "2",
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def start_worker(
    broker_url: str, log: Path, env: dict[str, str], *, pool: str = "solo", loglevel: str = "info"
) -> CeleryWorker:
    """A Celery worker subprocess; returns once it answers a ping."""
    hostname = f"rel-{os.getpid()}-{time.monotonic_ns()}@{socket.gethostname()}"
    command = [str(CELERY), "-A", "berniecrat", "worker", "--pool", pool, "--loglevel", loglevel]
    command += ["--hostname", hostname, "--without-mingle", "--without-gossip"]
    if pool == "prefork":
        command += ["--concurrency", "1"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    worker = CeleryWorker(process=process, hostname=hostname, broker_url=broker_url, log=log)
    with celery_broker(broker_url):
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None:
                raise RuntimeError(f"Celery worker exited with {process.returncode}:\n{worker.log_tail()}")
            if time.monotonic() > deadline:
                _stop(process)
                raise RuntimeError(f"Celery worker did not answer in 60 s:\n{worker.log_tail()}")
    return worker


@contextmanager
def running_worker(*args, **kwargs) -> Iterator[CeleryWorker]:
    worker = start_worker(*args, **kwargs)
    try:
        yield worker
    finally:
        stop_worker(worker)


def stop_worker(worker: CeleryWorker) -> None:
    _stop(worker.process)


def start_intake_worker(log: Path, env: dict[str, str], *, batch_size: int = 500) -> subprocess.Popen:
    """``manage.py run_intake`` as the Procfile runs it, on the test database (``env``: ``worker_environment``)."""
    command = [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "run_intake", "--batch-size", str(batch_size)]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


@contextmanager
def running_intake_workers(count: int, log_dir: Path, env: dict[str, str]) -> Iterator[list[subprocess.Popen]]:
    workers = [start_intake_worker(log_dir / f"intake{i}.log", env) for i in range(count)]
    try:
        yield workers
    finally:
        for worker in workers:
            _stop(worker)


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def child_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.1, message: str = "condition") -> float:
    """Seconds it took for ``predicate()`` to become true; fails after ``timeout``."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{message} not met within {timeout} s")
        time.sleep(interval)
    return time.monotonic() - start


class GatedMailbox(Mailbox):
    """The first message blocks in DATA until ``release()``, then is refused (451) and not kept:
    the sender (a worker the test kills meanwhile) never got a 250, so it was not delivered."""

    def __init__(self):
        super().__init__()
        self.entered = threading.Event()
        self._release = threading.Event()
        self._gated = True

    def release(self) -> None:
        self._release.set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        import asyncio

        if self._gated:
            self._gated = False
            self.entered.set()
            while not self._release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp(tmp_path) -> Iterator[SmtpServer]:
    """A loopback SMTP server the test can stop and start (without touching Django's email settings)."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def gated_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.mailbox = GatedMailbox()
    server.start()
    yield server
    server.mailbox.release()
    server.stop()


ZIP_SNAPSHOT = "test_snapshot_rel.districts_zipcode"


@pytest.fixture(scope="session")
def _zipcode_snapshot(zipcodes_session, django_db_blocker) -> int:
    """A copy of the loaded ZIP table outside Django's schema (a transactional test's flush
    leaves it alone), so it comes back with one INSERT instead of a ~9 s reload."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS test_snapshot_rel CASCADE")
        cursor.execute("CREATE SCHEMA test_snapshot_rel")
        cursor.execute(f"CREATE UNLOGGED TABLE {ZIP_SNAPSHOT} AS SELECT * FROM districts_zipcode")  # noqa: S608
    return zipcodes_session


@pytest.fixture
def zipcodes(_zipcode_snapshot, db) -> int:
    """Overrides ``tests.geocoding.fixtures.zipcodes`` for these tests: same table, restored faster."""
    from django.db import connection

    from districts.models import ZipCode

    if ZipCode.objects.count() != _zipcode_snapshot:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM districts_zipcode")
            cursor.execute(f"INSERT INTO districts_zipcode SELECT * FROM {ZIP_SNAPSHOT}")  # noqa: S608
    return _zipcode_snapshot


FIGURES_FILE = ROOT / ".cache" / "reliability-figures.txt"


def report(line: str) -> None:
    """A test's figures (for docs/reliability.md): printed, and appended to .cache/reliability-figures.txt."""
    line = line.strip()
    print(f"\n{line}")
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES_FILE.open("a") as out:
        out.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")

"""Liveness (``GET /healthz``) and readiness (``GET /readyz``) against the real database, Redis
and a real Celery worker (issue 12, item 7).

The attack: ``/healthz`` pinged the Celery workers on every call, waiting up to a second
when none answered, so anyone calling it in a loop tied up the web workers; and it named
the failing part's exception to anyone. Now liveness touches nothing outside the process
and readiness answers only loopback clients or a bearer of ``HEALTH_TOKEN``.
"""

import logging
import socket
import threading
import time

import environ
import pytest
from django.core.cache import cache

from berniecrat.health import WORKER_CACHE_KEY
from tests.plugins.processes import celery_broker

pytest_plugins = ["tests.plugins.processes"]

TOKEN = "a-long-random-health-token-0123456789"
# Exception classes a failing check raises; none may reach a client.
EXCEPTION_NAMES = ("Error", "Exception", "Timeout", "Refused")


def free_port() -> int:
    """A local TCP port nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BlackHole:
    """A TCP server on loopback that accepts connections, counts them and never answers:
    a Redis or broker call to it waits for its whole timeout."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.accepted.append(self.server.accept()[0])
            except OSError:
                return

    def close(self):
        self.server.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def black_hole():
    hole = BlackHole()
    yield hole
    hole.close()


@pytest.fixture(autouse=True)
def _no_remembered_ping():
    """Each test asks the workers afresh (a ping's answer is kept for a few seconds)."""
    cache.delete(WORKER_CACHE_KEY)


def has_exception_name(response) -> bool:
    return any(name in response.content.decode() for name in EXCEPTION_NAMES)


# --- Liveness ---------------------------------------------------------------------------


def test_liveness_touches_no_database_redis_or_broker(client, settings, black_hole):
    """No django_db mark: a database query would fail the request. Redis, the cache and the
    broker all point at a server that never answers: one call to any of them would hang."""
    settings.REDIS_URL = black_hole.url
    settings.CACHES = {"default": settings.CACHES["default"] | {"LOCATION": black_hole.url}}
    timings = []
    with celery_broker(black_hole.url):
        # Untimed: a process's first request imports the URLconf and builds the middleware chain
        # (0.4-0.6 s on a loaded machine). It is still held to touching nothing (``accepted``).
        assert client.get("/healthz").status_code == 200
        for _ in range(50):
            start = time.perf_counter()
            response = client.get("/healthz")
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
            assert response.json() == {"status": "ok"}

    assert black_hole.accepted == []
    assert max(timings) < 0.25  # the cache's socket timeout is 0.5 s, the broker's 1 s
    assert "no-cache" in response["Cache-Control"]


# --- Readiness --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_readiness_all_parts_ok_with_a_worker(client, celery_worker):
    response = client.get("/readyz")  # the test client is a loopback client

    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "parts": {"database": "ok", "redis": "ok", "celery": "ok"},
        "down": [],
    }


@pytest.mark.django_db
def test_readiness_celery_down_without_a_worker(client, celery_without_worker):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "down",
        "parts": {"database": "ok", "redis": "ok", "celery": "down"},
        "down": ["celery"],
    }


@pytest.mark.django_db(transaction=True)
def test_readiness_redis_down_names_the_part_but_not_the_exception(client, celery_worker, settings, caplog):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    with caplog.at_level(logging.WARNING, logger="berniecrat.health"):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["down"] == ["redis"]
    assert response.json()["parts"]["redis"] == "down"
    assert not has_exception_name(response)
    assert "redis down (ConnectionError)" in caplog.text  # the reason is for the operator's log


@pytest.mark.django_db
def test_worker_ping_is_remembered_for_a_few_seconds(client, celery_without_worker, settings):
    settings.HEALTH_WORKER_CACHE_SECONDS = 5

    start = time.perf_counter()
    first = client.get("/readyz")
    pinged = time.perf_counter() - start
    start = time.perf_counter()
    again = [client.get("/readyz") for _ in range(10)]
    remembered = time.perf_counter() - start

    assert first.status_code == 503 and {r.status_code for r in again} == {503}
    assert {r.json()["parts"]["celery"] for r in [first, *again]} == {"down"}
    assert pinged >= 0.9  # the ping waited its second for an answer
    assert remembered < 0.9  # ten more checks did not ping (each would wait a second)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong-token"},
        {"HTTP_AUTHORIZATION": f"Token {TOKEN}"},
        {"HTTP_AUTHORIZATION": f"Bearer {TOKEN[:-1]}"},
        {"HTTP_AUTHORIZATION": "Bearer "},
    ],
)
def test_readiness_is_refused_to_other_clients_without_the_token(client, settings, headers):
    settings.HEALTH_TOKEN = TOKEN

    response = client.get("/readyz", REMOTE_ADDR="203.0.113.5", **headers)

    assert response.status_code == 403
    assert "parts" not in response.json() and not has_exception_name(response)


@pytest.mark.django_db
def test_no_token_set_means_loopback_only(client, settings):
    settings.HEALTH_TOKEN = ""

    assert client.get("/readyz", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer ").status_code == 403


@pytest.mark.django_db
def test_readiness_through_our_proxy_counts_the_client_not_the_proxy(client, settings, celery_without_worker):
    settings.TRUSTED_PROXY_COUNT = 1

    visitor = client.get("/readyz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    local_probe = client.get("/readyz", REMOTE_ADDR="127.0.0.1")  # the load balancer on this host, no proxy

    assert visitor.status_code == 403
    assert local_probe.status_code == 503 and "parts" in local_probe.json()


@pytest.mark.django_db
def test_readiness_with_the_token_from_anywhere_gives_the_parts(client, settings, celery_without_worker):
    settings.HEALTH_TOKEN = TOKEN

    response = client.get("/readyz", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 503
    assert response.json()["parts"] == {"database": "ok", "redis": "ok", "celery": "down"}
    assert not has_exception_name(response)


@pytest.mark.parametrize(
    "url",
    [
        "postgis://postgres@127.0.0.1:5432/test_berniecrat",
        "postgis://app:p%40ss%2Fword@db.example:6543/test_x",
        "postgis://postgres@//var/run/postgresql/test_berniecrat",
        "postgis://127.0.0.1/test_berniecrat",
        "postgis://postgres@[::1]:5432/test_berniecrat",
    ],
)
def test_worker_gets_the_same_database(url):
    """The worker is told the test database through a DATABASE_URL built from the settings."""
    from tests.plugins.processes import database_url

    db = environ.Env.db_url_config(url)

    assert environ.Env.db_url_config(database_url(db)) == db

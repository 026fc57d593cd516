"""``GET /healthz`` against the real database, Redis and a real Celery worker."""

import socket

import environ
import pytest

pytest_plugins = ["tests.plugins.processes"]


def free_port() -> int:
    """A local TCP port nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_all_parts_ok_with_a_worker(client, celery_worker):
    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "parts": {"database": "ok", "redis": "ok", "celery": "ok"},
        "down": [],
    }


@pytest.mark.django_db
def test_celery_down_without_a_worker(client, celery_without_worker):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["down"] == ["celery"]
    assert body["parts"]["celery"].startswith("down")
    assert body["parts"]["database"] == body["parts"]["redis"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_redis_down(client, celery_worker, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["redis"]
    assert body["parts"]["redis"].startswith("down")


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

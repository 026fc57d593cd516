"""``GET /healthz``: is every part the site needs up?"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from redis import Redis

from .celery import app as celery_app


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis() -> str:
    Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    return "ok"


def _celery() -> str:
    replies = celery_app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no worker answered")
    return "ok"


CHECKS = {"database": _database, "redis": _redis, "celery": _celery}


def healthz(request):
    """200 with each part's state, or 503 naming the parts that are down."""
    parts = {}
    for name, check in CHECKS.items():
        try:
            parts[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            parts[name] = f"down: {exc.__class__.__name__}"
    down = [name for name, state in parts.items() if state != "ok"]
    body = {"status": "ok" if not down else "down", "parts": parts, "down": down}
    return JsonResponse(body, status=503 if down else 200)

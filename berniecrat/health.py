"""Liveness (``GET /healthz``, public) and readiness (``GET /readyz``, operators only).

``/healthz`` answers from the web process alone: no database, Redis or broker round
trip, so anyone may call it as often as they like without tying up a worker, and a
process that answers it is alive (a supervisor or container runtime restarts one that
does not).

``/readyz`` checks the database, Redis and that a Celery worker answers a ping; the load
balancer and operators use it. Each call costs round trips and, when no worker answers,
a wait of up to a second, so it is served only to loopback clients (the client address
as ``berniecrat.ratelimit.client_ip`` finds it behind our proxies) or to a request with
``Authorization: Bearer <HEALTH_TOKEN>``; anyone else gets a 403. The worker ping's answer
is kept in the cache for ``HEALTH_WORKER_CACHE_SECONDS``, so a burst of checks pings once.

Answers say only ``ok`` or ``down`` per part; the reason (the exception's class) goes to
the log, never to the client.
"""

import ipaddress
import logging
from contextlib import suppress

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis import Redis

from .celery import app as celery_app
from .ratelimit import client_ip

logger = logging.getLogger(__name__)

WORKER_CACHE_KEY = "health:worker"


@require_GET
@never_cache
def healthz(request):
    """The web process is up: a constant answer, touching nothing outside the process."""
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis() -> None:
    with Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1) as client:
        client.ping()


def _celery() -> None:
    """A worker answered a ping within the last ``HEALTH_WORKER_CACHE_SECONDS``, or answers one now."""
    try:
        answered = cache.get(WORKER_CACHE_KEY)
    except Exception:  # noqa: BLE001 - no cache (Redis down): ask the workers themselves
        answered = None
    if answered is None:
        try:
            answered = bool(celery_app.control.ping(timeout=1.0))
        except Exception as exc:  # noqa: BLE001 - a broker that is down: no worker can answer
            logger.warning("readiness: worker ping failed (%s)", exc.__class__.__name__)
            answered = False
        with suppress(Exception):  # no cache: the redis check reports it
            cache.set(WORKER_CACHE_KEY, answered, settings.HEALTH_WORKER_CACHE_SECONDS)
    if not answered:
        raise RuntimeError("no worker answered")


CHECKS = {"database": _database, "redis": _redis, "celery": _celery}


def _may_see_readiness(request) -> bool:
    try:
        if ipaddress.ip_address(client_ip(request)).is_loopback:
            return True
    except ValueError:
        pass
    token = settings.HEALTH_TOKEN
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and constant_time_compare(offered.strip(), token)


@require_GET
@never_cache
def readyz(request):
    """200 when every part is up, else 503 listing the parts that are down (403 for other clients)."""
    if not _may_see_readiness(request):
        return JsonResponse({"status": "forbidden"}, status=403)
    parts = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            logger.warning("readiness: %s down (%s)", name, exc.__class__.__name__)
            parts[name] = "down"
        else:
            parts[name] = "ok"
    down = [name for name, state in parts.items() if state != "ok"]
    body = {"status": "ok" if not down else "down", "parts": parts, "down": down}
    return JsonResponse(body, status=503 if down else 200)

"""Dashboard benchmark: the coverage API, the organizer pages and a map tile, against the running gunicorn.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.dashboard --base http://127.0.0.1:8800 [--queries-only]

Guarded: the dashboard is being built in parallel (``/api/v1/coverage/``, ``/organize/``,
tiles); whatever does not resolve in the URLconf is reported "not available".
Logs in as a bench organizer (all states) through a session cookie made on the
server side, and sends the coverage API its token. Per URL: p95 of 100 sequential
requests uncached (the cache emptied before each) and cached, plus the number of
SQL queries one request makes (Django's test client in this process, same database).
Each URL is first asked ``WARMUP`` times (not measured): a gunicorn worker's first
request of a kind pays once-per-process costs (its database connection, GeoDjango's
libraries, compiled templates), which are not the page's.
Prints one JSON line.
"""

import argparse
import http.client
import json
import statistics
import time
from urllib.parse import urlsplit

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

CANDIDATES = {
    "coverage API": "/api/v1/coverage/",
    "coverage API, districts": "/api/v1/coverage/districts/?chamber=cd",
    "coverage API, counties": "/api/v1/coverage/districts/?chamber=county",
    "dashboard": "/organize/",
    "state page (NY)": "/organize/states/NY/",
    "district page (NY-12)": "/organize/districts/cd/3612/",
    "county page (New York County)": "/organize/districts/county/36061/",
    "activity": "/organize/activity/",
    "map page": "/organize/tiles/map/cd/",
    "tile z6 (New York)": "/organize/tiles/cd/6/18/24.pbf",
    "tile z4 (East)": "/organize/tiles/cd/4/4/6.pbf",
    "tile z6 counties (New York)": "/organize/tiles/county/6/18/24.pbf",
}
# 100, not 30: the p95 of 30 lies between the two slowest answers, so one or two stray slow ones
# (the machine's, not the page's) moved a cached page from 5 to 15 ms between runs (2026-11-30).
REQUESTS = 100
# Enough to reach every worker of gunicorn.conf.py's default (2 x cores + 1) a few times.
WARMUP = 12


def available(path: str) -> bool:
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return False
    return True


def organizer():
    """A bench organizer for every state, its session key and API token."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(email="bench-organizer@bench.example.org")
    for field in ("all_states", "is_staff"):
        if hasattr(user, field):
            setattr(user, field, True)
    user.set_unusable_password()
    user.save()
    try:  # organizer pages require a TOTP authenticator (accounts.access); none is asked for here
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        if not Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
    except ImportError:
        pass
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    token = None
    try:
        from accounts.services import api_token_create

        token = api_token_create(user=user, name="bench")[1]
    except Exception:  # noqa: BLE001, S110 - a token is optional
        pass
    return user, session.session_key, token


def p95(values):
    return statistics.quantiles(values, n=20)[18] if len(values) >= 2 else values[0]


def fetch(base, path, cookie, token):
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"X-Forwarded-Proto": "https", "Cookie": f"sessionid={cookie}"}
    if token:
        headers["Authorization"] = f"Token {token}"
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8800")
    parser.add_argument("--queries-only", action="store_true")
    args = parser.parse_args()
    result = {"signups": None, "urls": {}}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM signups_signup")
        result["signups"] = cursor.fetchone()[0]
    user, session_key, token = organizer()
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    client.force_login(user)
    for name, path in CANDIDATES.items():
        if not available(path):
            result["urls"][name] = {"path": path, "available": False}
            continue
        entry = {"path": path, "available": True}
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, HTTP_AUTHORIZATION=f"Token {token}" if token else "")
        entry["status_test_client"] = response.status_code
        entry["queries_uncached"] = len(queries)
        with CaptureQueriesContext(connection) as queries:
            client.get(path, HTTP_AUTHORIZATION=f"Token {token}" if token else "")
        entry["queries_cached"] = len(queries)
        if not args.queries_only:
            for _ in range(WARMUP):
                cache.clear()
                fetch(args.base, path, session_key, token)
            uncached, cached, statuses = [], [], set()
            for _ in range(REQUESTS):
                cache.clear()
                status, seconds = fetch(args.base, path, session_key, token)
                uncached.append(seconds)
                statuses.add(status)
            for _ in range(REQUESTS):
                status, seconds = fetch(args.base, path, session_key, token)
                cached.append(seconds)
                statuses.add(status)
            entry.update(
                statuses=sorted(statuses),
                p95_uncached_ms=p95(uncached) * 1000,
                p95_cached_ms=p95(cached) * 1000,
            )
        result["urls"][name] = entry
    print("BENCH_JSON " + json.dumps(result))


if __name__ == "__main__":
    main()

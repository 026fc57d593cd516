"""Coverage engine benchmark, in process: each organizer page and API answer, uncached and cached.

    .venv/bin/python -m bench.engine --signups 1000 --signups 100000 [--requests 20]

Runs against the development database of ``DATABASE_URL`` (districts and ZIP codes
loaded by ``make setup``): for each ``--signups`` total (ascending) it tops the demo
sign-ups up to that many (``seed_demo``'s service; invented people, never run it on a
database with real ones), vacuums, then asks every URL through Django's test client
as an organizer with every state: p95 of ``--requests`` answers with the coverage cache
emptied before each (uncached) and without (cached), and the SQL queries of one
uncached answer. No web server: the figures are the application's own time (the
``make bench`` dashboard run adds gunicorn and the network). Prints a JSON line per
scale and a Markdown table for bench/RESULTS.md.
"""

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berniecrat.settings.local")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.services import api_token_create, organizer_save, organizer_totp_reset  # noqa: E402
from coverage.cache import PREFIX  # noqa: E402
from districts.models import District  # noqa: E402
from signups.demo import demo_signups_create  # noqa: E402
from signups.models import SignUp  # noqa: E402

URLS = {
    "coverage API": "/api/v1/coverage/",
    "coverage API, districts (cd)": "/api/v1/coverage/districts/?chamber=cd",
    "coverage API, districts (county)": "/api/v1/coverage/districts/?chamber=county",
    "dashboard": "/organize/",
    "state page (NY)": "/organize/states/NY/",
    "district page (NY-12)": "/organize/districts/cd/3612/",
    "county page (New York County)": "/organize/districts/county/36061/",
    "activity": "/organize/activity/",
    "tile z6 (New York)": "/organize/tiles/cd/6/18/24.pbf",
}
API = ("/api/v1/",)


def forget_coverage() -> None:
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        keys = list(client.scan_iter(match=cache.make_key(f"{PREFIX}:*"), count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[18] * 1000, 1) if len(values) > 1 else round(values[0] * 1000, 1)


# Demo sign-ups are invented in memory before they are written (about 5 kB each): at most this
# many at a time, so a million is ten rounds of about half a gigabyte, not five gigabytes at once.
CHUNK = 100_000


def top_up(total: int) -> None:
    have = SignUp.objects.filter(email__endswith="@example.org").count()
    seed = 100
    while have < total:  # each seed adds new people (emails carry the seed)
        have += demo_signups_create(count=min(total - have, CHUNK), seed=seed)
        seed += 1
    with connection.cursor() as cursor:
        # As autovacuum would for tables in use: the index-only scans need the visibility map.
        for table in (SignUp._meta.db_table, District._meta.db_table):
            cursor.execute(f"VACUUM ANALYZE {table}")  # noqa: S608 (our tables)


def measure(client: Client, url: str, headers: dict, requests: int) -> dict:
    for _ in range(2):  # compiled templates, connections: once-per-process costs
        client.get(url, **headers)
    uncached = []
    for _ in range(requests):
        forget_coverage()
        started = time.perf_counter()
        response = client.get(url, **headers)
        uncached.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    cached = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, **headers)
        cached.append(time.perf_counter() - started)
    forget_coverage()
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **headers)
    return {"uncached_p95_ms": p95(uncached), "cached_p95_ms": p95(cached), "queries": len(queries)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, action="append", required=True)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    user, _created = organizer_save(email="bench-engine@example.org", states=[], all_states=True)
    organizer_totp_reset(user=user)
    token = api_token_create(user=user, name="bench")[1]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    results = {}
    for total in sorted(args.signups):
        top_up(total)
        counted = SignUp.objects.count()
        rows = {}
        for name, url in URLS.items():
            headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if url.startswith(API) else {}
            rows[name] = measure(client, url, headers, args.requests)
        results[counted] = rows
        print(json.dumps({"signups": counted, "results": rows}))
    scales = sorted(results)
    print("\n| URL | " + " | ".join(f"{n:,}: uncached / cached p95 ms, queries" for n in scales) + " |")
    print("|---|" + "---|" * len(scales))
    for name in URLS:
        cells = ["{uncached_p95_ms} / {cached_p95_ms}, {queries}".format(**results[n][name]) for n in scales]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

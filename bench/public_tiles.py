"""Public map tiles (issue 14: "tiles as for the organizers' map", p95 under 150 ms uncached).

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.public_tiles --base http://127.0.0.1:8800

Against the running gunicorn, with the public snapshot already built (``bench/run.py``'s
public section runs beat): per tile, p95 of 30 sequential requests with the tile dropped
from Redis before each (only the tiles: the snapshot stays, as it does between two
visitors), then of 30 served from Redis. Each tile is first asked ``WARMUP`` times (not
measured). Prints one JSON line.
"""

import argparse
import json

import django

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402

from bench.dashboard import REQUESTS, WARMUP, fetch, p95  # noqa: E402
from public_site.tiles import CACHE_PREFIX  # noqa: E402

TILES = {
    "congress z6 (New York)": "/public/tiles/cd/6/18/24.pbf",
    "congress z4 (East)": "/public/tiles/cd/4/4/6.pbf",
    "state house z6 (New York)": "/public/tiles/sldl/6/18/24.pbf",
}


def drop_tiles(client: redis.Redis) -> None:
    keys = list(client.scan_iter(f"*{CACHE_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8800")
    args = parser.parse_args()
    client = redis.Redis.from_url(settings.REDIS_URL)
    result = {}
    for name, path in TILES.items():
        for _ in range(WARMUP):
            drop_tiles(client)
            fetch(args.base, path, "", None)
        uncached, cached, statuses = [], [], set()
        for _ in range(REQUESTS):
            drop_tiles(client)
            status, seconds = fetch(args.base, path, "", None)
            uncached.append(seconds)
            statuses.add(status)
        for _ in range(REQUESTS):
            status, seconds = fetch(args.base, path, "", None)
            cached.append(seconds)
            statuses.add(status)
        result[name] = {
            "path": path,
            "statuses": sorted(statuses),
            "p95_uncached_ms": p95(uncached) * 1000,
            "p95_cached_ms": p95(cached) * 1000,
        }
    print("BENCH_JSON " + json.dumps(result))


if __name__ == "__main__":
    main()

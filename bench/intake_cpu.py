"""CPU per sign-up in process (issue 11): the sign-up API or the bare insert through Django's WSGI handler.

    PYTHONPATH=. DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgis://postgres@127.0.0.1:5432/berniecrat \\
        REDIS_URL=redis://127.0.0.1:6379/9 RATELIMIT_ENABLE=0 .venv/bin/python -m bench.intake_cpu --mode point
    ... --mode zip | --mode insert (needs bench_insert: bench/views.py) | --profile (cProfile, by cumulative time)

Bodies as ``bench/lua/bench.lua``'s ``signup`` mode (``point``: a map point near the ZIP's centre,
``zip``: the ZIP only), fresh emails, every request from 127.0.0.1 (``RATELIMIT_ENABLE=1`` with
``SIGNUP_API_RATE`` / ``SIGNUP_EMAIL_RATE`` no run reaches measures the limiter too). Prints one JSON
line: the web process's CPU per request (``time.process_time``, so other load on the machine
hardly counts) and the CPU PostgreSQL's backend spent for it (from ``/proc``; same machine only).
"""

import argparse
import io
import json
import os
import random
import sys
import time
from urllib.parse import urlencode

import django

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402

from bench.loadgen import FIRST, signup_payload  # noqa: E402


def active_zips() -> list[tuple]:
    """The ZIP codes bench/run.py gives the load generators."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT zip, state, ST_Y(point), ST_X(point) FROM districts_zipcode
               WHERE active AND jsonb_array_length(cd_geoids) > 0 AND state NOT IN ('AS', 'GU', 'MP', 'VI', 'PR')"""
        )
        return cursor.fetchall()


def request_of(mode: str, rng: random.Random, row: tuple, email: str) -> tuple[str, bytes, str]:
    if mode == "insert":
        body = urlencode({"name": rng.choice(FIRST), "email": email, "zip": row[0]}).encode()
        return "/bench/insert", body, "application/x-www-form-urlencoded"
    body = signup_payload(email, row, rng, point=mode == "point")
    return "/api/v1/signups/", json.dumps(body, ensure_ascii=False).encode(), "application/json"


def environ(path: str, body: bytes, content_type: str) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8800",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8800",
        "HTTP_X_FORWARDED_PROTO": "https",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def backend_cpu() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["point", "zip", "insert"], default="point")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    rng = random.Random(1)
    zips = active_zips()
    tag = f"cpu{int(time.time())}x{os.getpid()}"
    warm_up = 50
    requests = [
        request_of(args.mode, rng, rng.choice(zips), f"{tag}-{i}@bench.example.org")
        for i in range(warm_up + args.requests)
    ]
    handler = WSGIHandler()
    statuses: dict[str, int] = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    def run(batch):
        for path, body, content_type in batch:
            response = handler(environ(path, body, content_type), start_response)
            b"".join(response)
            response.close()

    run(requests[:warm_up])
    statuses.clear()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    backend, cpu = backend_cpu(), time.process_time()
    run(requests[warm_up:])
    cpu, backend = time.process_time() - cpu, backend_cpu() - backend
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    per_ms = 1000 / args.requests
    print(
        json.dumps(
            {
                "mode": args.mode,
                "requests": args.requests,
                "cpu_ms": round(cpu * per_ms, 3),
                "postgres_cpu_ms": round(backend * per_ms, 3),
                "statuses": statuses,
            }
        )
    )


if __name__ == "__main__":
    main()

"""Issue 11's figures: the sign-up door under load, with the Procfile's workers running beside it.

    PYTHONPATH=. .venv/bin/python -m bench.intake                       # about 5 minutes
    PYTHONPATH=. .venv/bin/python -m bench.intake --seconds 12 --runs 3 --submissions 50000

Uses ``bench.run``'s machinery (``make bench`` sets up the bench database first): gunicorn
with ``gunicorn.conf.py`` and ``bench.settings``, the Procfile's ``intake``, ``worker``
and ``email`` processes (``nice -n 10``, as ``make run`` and the README's units run
them), an SMTP sink, and wrk (``bench/lua/bench.lua``) at 32 connections:

* the sign-up API (``signup``) against the bare insert view (``insert``), interleaved;
* the ``/run/`` form (``form``) against a bare CSRF-protected insert (``csrfinsert``);
  after each run the bench waits until every submission is applied and every email sent
  (``drained_after_s``: the intake's and the email workers' catch-up after a burst);
* intake processing: ``--submissions`` rows written straight into the intake table
  (half with a map point, half ZIP only, 2 % for an email already known), then
  ``manage.py run_intake --once`` in one and in two processes sharing the table
  (``--intake-workers``) with the Celery workers stopped, timed (placing, districts,
  held changes and the outbox rows included; sending excluded).

Prints one JSON line (``BENCH_INTAKE``); bench/RESULTS.md quotes it by hand.
"""

import argparse
import json
import random
import statistics
import subprocess
import time

from bench.run import BIN, CACHE, ROOT, Bench, log


def interleaved(bench: Bench, pairs, runs: int, seconds: int) -> dict:
    results: dict = {}
    drained: dict = {}
    for _ in range(runs):
        for a, b in pairs:
            for mode in (b, a):  # the baseline first in each round
                bench.wrk(mode, 32, 2)  # warm-up of this path
                results.setdefault(mode, []).append(bench.wrk(mode, 32, seconds))
                # Every run starts with the workers idle: what the door took in (held by the
                # intake while the door was busy) is applied and mailed before the next one.
                drained.setdefault(mode, []).append(round(bench.wait_drained(300), 1))
    summary = {}
    for mode, rows in results.items():
        summary[mode] = {
            "rps": [round(r["rps"], 1) for r in rows],
            "p99_ms": [round(r["p99_ms"], 1) for r in rows],
            "errors_5xx": sum(r["errors_5xx"] for r in rows),
            "drained_after_s": drained[mode],
        }
    for a, b in pairs:
        summary[f"ratio_{a}_{b}"] = round(
            statistics.median(x / y for x, y in zip(summary[a]["rps"], summary[b]["rps"], strict=True)), 3
        )
    return summary


def intake_throughput(bench: Bench, submissions: int, batch_size: int, workers: int) -> dict:
    zips = [line.split("\t") for line in bench.zips.read_text().splitlines()]
    rng = random.Random(11)
    known = bench.sql("SELECT email FROM signups_signup ORDER BY id LIMIT 1000")
    known = [row[0] for row in known] or ["nobody@bench.example.org"]
    rows = []
    tag = bench.tag("it")
    for i in range(submissions):
        zip_code, state, lat, lng = rng.choice(zips)
        email = rng.choice(known) if rng.random() < 0.02 else f"{tag}-{i}@bench.example.org"
        point = rng.random() < 0.5
        data = {
            "first_name": "Ana",
            "last_name": "Ruiz",
            "state": state,
            "zip": zip_code,
            "offices": ["state_house"],
            "timeframe": "next",
            "consent_email": True,
        }
        rows.append((email, json.dumps(data), float(lat) if point else None, float(lng) if point else None))
    with bench.db.cursor() as cursor:
        cursor.execute(
            """INSERT INTO signups_submission (kind, email, data, lat, lng, language, source, partner, received_at,
                                                 outcome)
               SELECT 'run', e, d::jsonb, la, ln, 'en', 'api', '', now(), ''
               FROM unnest(%s::text[], %s::text[], %s::float8[], %s::float8[]) AS s(e, d, la, ln)""",
            [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]],
        )
    seconds = run_intake_once(bench, batch_size, workers)
    left = bench.sql("SELECT count(*) FROM signups_submission WHERE processed_at IS NULL")[0][0]
    startup = statistics.median(run_intake_once(bench, batch_size, workers) for _ in range(3))
    return {
        "submissions": submissions,
        "batch_size": batch_size,
        "workers": workers,
        "seconds": round(seconds, 2),
        "per_s": round(submissions / seconds, 1),
        "startup_s": round(startup, 2),
        "per_s_after_startup": round(submissions / (seconds - startup), 1),
        "left_pending": left,
        "note": "seconds: until the last worker exits, process start-up included; startup_s: the same "
        "workers on an empty table (Django set-up, one look)",
    }


def run_intake_once(bench: Bench, batch_size: int, workers: int) -> float:
    """Seconds until ``workers`` processes of ``manage.py run_intake --once`` (sharing the table,
    as several intake workers do) have applied everything pending and exited."""
    cmd = [str(BIN / "python"), "manage.py", "run_intake", "--once", "--batch-size", str(batch_size)]
    started = time.monotonic()
    running = [
        subprocess.Popen(cmd, cwd=ROOT, env=bench.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
        for _ in range(workers)
    ]
    for process in running:
        _out, err = process.communicate()
        if process.returncode:
            raise RuntimeError(f"run_intake failed: {err.decode()[-2000:]}")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--submissions", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument(
        "--intake-workers", type=int, nargs="+", default=[1, 2], help="intake processing with this many workers"
    )
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--smtp-port", type=int, default=2611)
    parser.add_argument(
        "--without-workers",
        action="store_true",
        help="the door alone: no intake, Celery or email worker beside the web (what they cost the web)",
    )
    args = parser.parse_args()
    args.full, args.only, args.update = False, None, False
    bench = Bench(args)
    CACHE.mkdir(parents=True, exist_ok=True)
    out: dict = {}
    try:
        bench.prepare()
        bench.start_sink()
        bench.start_web()
        if not args.without_workers:
            bench.start_workers()
        time.sleep(3)
        beside = "without workers" if args.without_workers else "with the Procfile's workers running"
        log(f"API vs insert, form vs CSRF insert, {beside}")
        out["closed_loop"] = interleaved(bench, [("signup", "insert"), ("form", "csrfinsert")], args.runs, args.seconds)
        bench.stop_workers()
        out["intake"] = []
        for workers in args.intake_workers:
            bench.sql("TRUNCATE signups_submission")
            log(f"intake processing: {args.submissions} submissions, {workers} worker(s)")
            out["intake"].append(intake_throughput(bench, args.submissions, args.batch_size, workers))
    finally:
        bench.stop_all()
    out["workers"] = not args.without_workers
    print("BENCH_INTAKE " + json.dumps(out))


if __name__ == "__main__":
    main()

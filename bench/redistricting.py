"""Redistricting benchmark: ``reassign_districts`` vs one raw PostGIS join over the same points.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.redistricting --signups 100000 --runs 3

Seeds the sign-ups with one bulk ``INSERT ... SELECT`` at ZIP centroids (the bench
database only), then times, per run:

* ``current``: ``signups.services.signups_reassign_districts()`` as the
  ``reassign_districts`` command runs it;
* ``raw join``: one point-in-polygon join of every located sign-up with the current
  districts (what the database itself needs to answer the question);
* ``proposed``: the same reassignment as one set-based ``UPDATE ... FROM (spatial join)``,
  which is what we propose for ``signups_reassign_districts``; ``proposed_batched``: the
  same in ``id`` ranges of 10,000.

Checks that ``current`` and ``proposed`` store the same districts. Prints one JSON line.
"""

import argparse
import json
import statistics
import time

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from districts.models import District  # noqa: E402
from signups.models import SignUp  # noqa: E402
from signups.services import signups_reassign_districts  # noqa: E402

TABLE = SignUp._meta.db_table
SENTINELS = {"boolean": "false", "text": "''", "character varying": "''", "ARRAY": "'{}'", "jsonb": "'{}'"}


def _filler_columns(cursor) -> dict[str, str]:
    """NOT NULL columns without a database default that the seed does not set itself: a neutral value each."""
    cursor.execute(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'""",
        [TABLE],
    )
    fillers = {}
    for name, data_type in cursor.fetchall():
        if data_type.startswith("timestamp"):
            fillers[name] = "now()"
        elif data_type in ("integer", "smallint", "bigint"):
            fillers[name] = "0"
        else:
            fillers[name] = SENTINELS.get(data_type, "''")
    return fillers


def seed(count: int) -> None:
    """``count`` located sign-ups at ZIP centroids (active residential ZIPs, round robin), districts unset."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE} CASCADE")  # noqa: S608 - our own table name
        values = _filler_columns(cursor)
        values.update(
            email="'seed-' || g || '@bench.example.org'",
            first_name="'Seed'",
            last_name="'Person'",
            state="z.state",
            zip="z.zip",
            language="'en'",
            consent_email="true",
            wants_to_run="true",
            offices="'{state_house}'",
            timeframe="'next'",
            location="z.point",
            location_quality="'zip'",
            located_at="now()",
            confirmation_sent_at="now()",  # nothing for a worker to send
        )
        columns = ", ".join(values)
        cursor.execute(
            f"""
            WITH z AS (
                SELECT row_number() OVER (ORDER BY zip) - 1 AS n, zip, state, point FROM districts_zipcode
                WHERE active AND jsonb_array_length(cd_geoids) > 0 AND state NOT IN ('AS', 'GU', 'MP', 'VI', 'PR')
            ), k AS (SELECT count(*) AS k FROM z)
            INSERT INTO {TABLE} ({columns})
            SELECT {", ".join(values.values())}
            FROM generate_series(1, %s) AS g CROSS JOIN k JOIN z ON z.n = (g::bigint * 7919) %% k.k
            """,  # noqa: S608 - our own SQL, no user input
            [count],
        )
        cursor.execute(f"VACUUM ANALYZE {TABLE}")  # noqa: S608


def _current_ids_sql():
    return District.objects.current().countable().order_by().values("id").query.sql_with_params()


def raw_join() -> int:
    """One join of every located sign-up with the current districts its point lies in; returns the rows."""
    ids_sql, params = _current_ids_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT s.id, d.chamber, d.id FROM {TABLE} s
                JOIN districts_district d ON ST_Intersects(d.geometry, s.location)
                WHERE s.location IS NOT NULL AND d.id IN ({ids_sql})""",  # noqa: S608
            params,
        )
        return len(cursor.fetchall())


PROPOSED_SQL = """
    WITH hits AS (
        SELECT DISTINCT ON (l.id, d.chamber) l.id, d.chamber, d.id AS district_id
        FROM {table} l JOIN districts_district d ON ST_Intersects(d.geometry, l.location)
        WHERE d.id IN ({ids_sql}) {batch}
        ORDER BY l.id, d.chamber, d.geoid
    ), found AS (
        SELECT l.id,
               max(h.district_id) FILTER (WHERE h.chamber = 'cd') AS cd_id,
               max(h.district_id) FILTER (WHERE h.chamber = 'sldu') AS sldu_id,
               max(h.district_id) FILTER (WHERE h.chamber = 'sldl') AS sldl_id
        FROM {table} l LEFT JOIN hits h ON h.id = l.id
        WHERE l.location IS NOT NULL {batch}
        GROUP BY l.id
    )
    UPDATE {table} s
    SET cd_id = found.cd_id, sldu_id = found.sldu_id, sldl_id = found.sldl_id, districts_assigned_at = now()
    FROM found WHERE s.id = found.id
"""


def proposed(batch_size: int | None = None) -> int:
    """The reassignment as ``UPDATE ... FROM (spatial join)``: the proposal for ``signups_reassign_districts``.

    Same answer as ``districts_for_points``: per chamber the first district by GEOID
    (a point on a shared border), NULL where the point is in none. With no
    ``batch_size``, one statement: PostgreSQL then walks the districts and probes
    the sign-ups' GiST index, so each polygon is prepared once for all the points in
    it. Batches (``id`` ranges) hold row locks for less time but force a
    point-by-point plan.
    """
    ids_sql, params = _current_ids_sql()
    if batch_size is None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(PROPOSED_SQL.format(table=TABLE, batch="", ids_sql=ids_sql), params)
            return cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM {TABLE}")  # noqa: S608
        low, high = cursor.fetchone()
    sql = PROPOSED_SQL.format(table=TABLE, batch="AND l.id >= %s AND l.id < %s", ids_sql=ids_sql)
    done = 0
    for start in range(low, high + 1, batch_size):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(sql, [*params, start, start + batch_size, start, start + batch_size])
            done += cursor.rowcount
    return done


def _snapshot(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMP TABLE {name} AS SELECT id, cd_id, sldu_id, sldl_id FROM {TABLE}")  # noqa: S608


def _differences(a: str, b: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*) FROM {a} JOIN {b} USING (id)
                WHERE ({a}.cd_id, {a}.sldu_id, {a}.sldl_id) IS DISTINCT FROM ({b}.cd_id, {b}.sldu_id, {b}.sldl_id)"""  # noqa: S608
        )
        return cursor.fetchone()[0]


def _reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET cd_id = NULL, sldu_id = NULL, sldl_id = NULL")  # noqa: S608
        cursor.execute(f"VACUUM ANALYZE {TABLE}")  # noqa: S608


def timed(fn) -> tuple[float, int]:
    start = time.perf_counter()
    n = fn()
    return time.perf_counter() - start, n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signups", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-current", action="store_true", help="time only the raw join and the proposal")
    parser.add_argument("--seed-only", type=int, metavar="N", help="only replace the sign-ups with N seeded ones")
    args = parser.parse_args()
    if args.seed_only is not None:
        seed(args.seed_only)
        proposed()  # with their districts, as after a reassignment
        print("BENCH_JSON " + json.dumps({"seeded": args.seed_only}))
        return

    start = time.perf_counter()
    seed(args.signups)
    seeded = time.perf_counter() - start
    times = {"current": [], "raw_join": [], "proposed": [], "proposed_batched": []}
    counts = {}
    mismatches = []
    for _ in range(args.runs):
        if not args.skip_current:
            _reset()
            seconds, counts["current"] = timed(signups_reassign_districts)
            times["current"].append(seconds)
            _snapshot("bench_current")
        _reset()
        seconds, counts["raw_join"] = timed(raw_join)
        times["raw_join"].append(seconds)
        _reset()
        seconds, counts["proposed"] = timed(proposed)
        times["proposed"].append(seconds)
        if not args.skip_current:
            _snapshot("bench_proposed")
            mismatches.append(_differences("bench_current", "bench_proposed"))
        _reset()
        seconds, counts["proposed_batched"] = timed(lambda: proposed(batch_size=10_000))
        times["proposed_batched"].append(seconds)
    summary = {
        k: {"min": min(v), "median": statistics.median(v), "max": max(v), "all": v} for k, v in times.items() if v
    }
    print(
        "BENCH_JSON "
        + json.dumps(
            {
                "signups": args.signups,
                "seed_seconds": seeded,
                "times": summary,
                "rows": counts,
                "mismatches_current_vs_proposed": mismatches,
            }
        )
    )


if __name__ == "__main__":
    main()

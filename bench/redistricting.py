"""Redistricting benchmark: ``reassign_districts`` vs one raw PostGIS join over the same points.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.redistricting --signups 100000 --runs 3

Seeds the sign-ups with one bulk ``INSERT ... SELECT`` at ZIP centroids (the bench
database only), then times, per run:

* ``raw join``: one point-in-polygon join of every located sign-up with the current
  districts of every layer sign-ups are assigned to (the three chambers and the
  loaded governing local units: counties, towns, places, school districts), what the
  database itself needs to answer the question; ``raw_join_per_layer`` also times it
  one layer at a time (one join per layer, summed; recorded for reference);
* ``current``: ``signups.services.locating.signups_reassign_districts()`` as the
  ``reassign_districts`` command runs it, with every sign-up's districts cleared first,
  so every row is written (the worst case: the target's measure);
* ``current_cd_only``: the same with only the congressional districts cleared, as after
  a new congressional map (the other layers stay, and most rows are written for
  their new ``cd`` only);
* ``current_unchanged``: the same run again right after, when nothing changed (no row
  is written).

Sign-ups are assigned to every layer with current governing districts: the chambers
and whatever local layers the database has (the generalised counties of ``make setup``;
real places, county subdivisions and school districts once ``load_districts --census
YEAR --layers cousub,place,school`` has run). ``--stand-ins`` adds, for the run, the
stand-ins of ``bench.local_lookup`` for the five layers no file of is at hand (cousub,
place, unsd from SLDL polygons, elsd and scsd from SLDU), so every sign-up is
assigned in all nine layers (issue 15's target: at least 0.5 of the raw join), and
removes them at the end.

Checks the stored districts of a sample of sign-ups against ``districts_for_points``
(a separate implementation of the same rule). Prints one JSON line.
"""

import argparse
import json
import statistics
import time

import django

django.setup()

from django.db import connection  # noqa: E402

from districts.models import District  # noqa: E402
from districts.selectors import districts_for_points  # noqa: E402
from signups.models import DISTRICT_LAYERS, SignUp  # noqa: E402
from signups.services.redistricting import signups_reassign_districts  # noqa: E402

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


def _current_ids_sql(layers=DISTRICT_LAYERS):
    # The districts signups_reassign_districts assigns: the chambers and the governing local units.
    current = District.objects.current().countable().governing().filter(chamber__in=list(layers))
    return current.order_by().values("id").query.sql_with_params()


def raw_join(layers=DISTRICT_LAYERS) -> int:
    """One join of every located sign-up with the current districts of ``layers`` holding its point; returns rows."""
    ids_sql, params = _current_ids_sql(layers)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT s.id, d.chamber, d.id FROM {TABLE} s
                JOIN districts_district d ON ST_Intersects(d.geometry, s.location)
                WHERE s.location IS NOT NULL AND d.id IN ({ids_sql})""",  # noqa: S608
            params,
        )
        return len(cursor.fetchall())


def loaded_layers() -> list[str]:
    """The layers with current districts (the local layers loaded on this database)."""
    current = District.objects.current().countable().governing().filter(chamber__in=DISTRICT_LAYERS)
    found = set(current.order_by().values_list("chamber", flat=True).distinct())
    return [layer for layer in DISTRICT_LAYERS if layer in found]


def _sample_mismatches(size: int = 1000) -> int:
    """How many of ``size`` random located sign-ups store other districts than ``districts_for_points`` finds."""
    rows = list(
        SignUp.objects.filter(location__isnull=False)
        .order_by("?")
        .values_list("location", *(f"{layer}_id" for layer in DISTRICT_LAYERS))[:size]
    )
    found = districts_for_points([(point.y, point.x) for point, *_ in rows])
    return sum(
        1
        for (_point, *stored), d in zip(rows, found, strict=True)
        if stored != [(d[layer] or {}).get("id") for layer in DISTRICT_LAYERS]
    )


def _reset(columns: tuple[str, ...] = tuple(f"{layer}_id" for layer in DISTRICT_LAYERS)) -> None:
    """Clear these district columns of every sign-up (as a new map would change them), then vacuum."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {', '.join(f'{c} = NULL' for c in columns)}")  # noqa: S608
        cursor.execute(f"VACUUM ANALYZE {TABLE}")  # noqa: S608


class _Database:
    """What ``bench.local_lookup``'s stand-in helpers ask of a bench: ``sql(query, params)``."""

    def sql(self, query: str, params=None):
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else None


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    n = fn()
    return time.perf_counter() - start, n


def reassign() -> dict:
    result = signups_reassign_districts()
    return {"checked": result.checked, "changed": result.changed, "bulk": result.bulk}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signups", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed-only", type=int, metavar="N", help="only replace the sign-ups with N seeded ones")
    parser.add_argument("--stand-ins", action="store_true", help="add stand-ins for cousub, place and school layers")
    args = parser.parse_args()
    if args.seed_only is not None:
        seed(args.seed_only)
        signups_reassign_districts()  # with their districts, as after a reassignment
        print("BENCH_JSON " + json.dumps({"seeded": args.seed_only}))
        return

    if args.stand_ins:
        from bench.local_lookup import add_stand_ins

        add_stand_ins(_Database())
    try:
        measure(args)
    finally:
        if args.stand_ins:
            from bench.local_lookup import remove_stand_ins

            _reset()  # no sign-up may keep a stand-in district
            remove_stand_ins(_Database())


def measure(args) -> None:
    start = time.perf_counter()
    seed(args.signups)
    seeded = time.perf_counter() - start
    times = {"raw_join": [], "raw_join_per_layer": [], "current": [], "current_cd_only": [], "current_unchanged": []}
    counts = {}
    layers = loaded_layers()
    for _ in range(args.runs):
        _reset()
        seconds, counts["raw_join"] = timed(raw_join)
        times["raw_join"].append(seconds)
        per_layer = [timed(lambda layer=layer: raw_join([layer])) for layer in layers]
        times["raw_join_per_layer"].append(sum(seconds for seconds, _rows in per_layer))
        counts["raw_join_per_layer"] = sum(rows for _seconds, rows in per_layer)
        _reset()
        seconds, counts["current"] = timed(reassign)
        times["current"].append(seconds)
        _reset(("cd_id",))
        seconds, counts["current_cd_only"] = timed(reassign)
        times["current_cd_only"].append(seconds)
        seconds, counts["current_unchanged"] = timed(reassign)
        times["current_unchanged"].append(seconds)
    summary = {k: {"min": min(v), "median": statistics.median(v), "max": max(v), "all": v} for k, v in times.items()}
    print(
        "BENCH_JSON "
        + json.dumps(
            {
                "signups": args.signups,
                "layers": layers,
                "seed_seconds": seeded,
                "times": summary,
                "rows": counts,
                "sample_mismatches": _sample_mismatches(),
            }
        )
    )


if __name__ == "__main__":
    main()

"""District lookup with the local layers loaded, against the bare hello view (issue 15's speed target).

    BENCH_DATABASE_URL=postgis://postgres@127.0.0.1:5432/berniecrat_bench_local \\
        DATABASE_URL=postgis://postgres@127.0.0.1:5432/berniecrat_bench_local bash scripts/setup.sh
    BENCH_DATABASE_URL=postgis://postgres@127.0.0.1:5432/berniecrat_bench_local \\
        PYTHONPATH=. .venv/bin/python -m bench.local_lookup --runs 3 --seconds 8

Starts gunicorn as ``bench.run`` does (production settings, ``gunicorn.conf.py``) and
runs wrk at 32 connections, ``/bench/hello`` then ``/api/v1/districts/lookup`` at random
points near real ZIP centroids, ``--runs`` times, in three database states:

1. ``chambers``: CD, SLDU, SLDL only (the county set made not current): today's reference;
2. ``+county``: with the generalised nationwide county layer of ``DISTRICTS_DATA_DIR/local``;
3. ``+6 local``: with stand-ins for the five layers no real file of is at hand (cousub,
   place and unsd copied from the current SLDL polygons, elsd and scsd from SLDU), so
   every point answers in all six local layers (a worst case: real places and
   school districts of the secondary kind do not cover the whole country).

Prints one line per state and writes ``.cache/bench/local_lookup.json``. The stand-ins are
removed at the end. Not part of ``make bench`` (it changes the bench database's districts).
"""

import argparse
import json
import statistics

from bench.run import CACHE, Bench, log, stats

STAND_INS = {"cousub": "sldl", "place": "sldl", "unsd": "sldl", "elsd": "sldu", "scsd": "sldu"}
STAND_IN_VINTAGE = "bench-stand-in"


def add_stand_ins(bench: Bench) -> int:
    for layer, source in STAND_INS.items():
        (set_id,) = bench.sql(
            """INSERT INTO districts_boundaryset
                   (chamber, vintage, name, source, checksum, resolution, states, is_current, loaded_at)
               VALUES (%s, %s, %s, 'bench/local_lookup.py', '', 'simplified', '[]', true, now()) RETURNING id""",
            [layer, STAND_IN_VINTAGE, f"stand-in from {source}"],
        )[0]
        bench.sql(
            """INSERT INTO districts_district
                   (boundary_set_id, chamber, state, state_fips, code, geoid, ocd_id, name, kind, governing,
                    seats, is_placeholder, voting, superseded, geometry, internal_point, attributes)
               SELECT %s, %s, d.state, d.state_fips, d.code, d.geoid, '', 'Stand-in ' || d.name, 'stand-in', true,
                      1, false, true, false, d.geometry, d.internal_point, '{}'
                 FROM districts_district d JOIN districts_boundaryset b ON b.id = d.boundary_set_id
                WHERE d.chamber = %s AND b.is_current AND NOT d.superseded AND NOT d.is_placeholder""",
            [set_id, layer, source],
        )
    bench.sql("ANALYZE districts_district")
    return bench.sql("SELECT count(*) FROM districts_district WHERE boundary_set_id IN "
                     "(SELECT id FROM districts_boundaryset WHERE vintage = %s)", [STAND_IN_VINTAGE])[0][0]  # fmt: skip


def remove_stand_ins(bench: Bench) -> None:
    sets = "SELECT id FROM districts_boundaryset WHERE vintage = %s"
    districts = f"SELECT id FROM districts_district WHERE boundary_set_id IN ({sets})"
    # The pieces first: their foreign key cascades in Django, not in the database.
    bench.sql(f"DELETE FROM districts_districtpiece WHERE district_id IN ({districts})", [STAND_IN_VINTAGE])
    bench.sql(f"DELETE FROM districts_district WHERE boundary_set_id IN ({sets})", [STAND_IN_VINTAGE])
    bench.sql("DELETE FROM districts_boundaryset WHERE vintage = %s", [STAND_IN_VINTAGE])
    bench.sql("ANALYZE districts_district")


def set_county_current(bench: Bench, current: bool) -> None:
    bench.sql("UPDATE districts_boundaryset SET is_current = %s WHERE chamber = 'county'", [current])


def measure(bench: Bench, label: str, runs: int, seconds: int) -> dict:
    bench.wrk("lookup", 32, 2)  # warm the workers' caches and connections
    reps = []
    for rep in range(runs):
        hello = bench.wrk("hello", 32, seconds)
        lookup = bench.wrk("lookup", 32, seconds)
        reps.append({"hello": hello, "lookup": lookup, "ratio": lookup["rps"] / hello["rps"]})
        log(f"{label} run {rep + 1}: lookup {lookup['rps']:.0f}/s, hello {hello['rps']:.0f}/s")
    return {
        "ratio": stats([r["ratio"] for r in reps]),
        "lookup_rps": stats([r["lookup"]["rps"] for r in reps]),
        "hello_rps": stats([r["hello"]["rps"] for r in reps]),
        "lookup_p50_ms": stats([r["lookup"]["p50_ms"] for r in reps]),
        "lookup_p99_ms": stats([r["lookup"]["p99_ms"] for r in reps]),
        "errors_5xx": sum(r["lookup"]["errors_5xx"] for r in reps),
        "runs": reps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--port", type=int, default=8815)
    args = parser.parse_args()
    bench = Bench(argparse.Namespace(full=False, runs=args.runs, seconds=args.seconds, port=args.port, smtp_port=2515))
    bench.prepare()
    results = {}
    try:
        remove_stand_ins(bench)
        bench.start_web()
        set_county_current(bench, False)
        results["chambers"] = measure(bench, "chambers", args.runs, args.seconds)
        set_county_current(bench, True)
        results["+county"] = measure(bench, "+county", args.runs, args.seconds)
        results["stand_in_districts"] = add_stand_ins(bench)
        results["+6 local"] = measure(bench, "+6 local", args.runs, args.seconds)
    finally:
        bench.stop_web()
        set_county_current(bench, True)
        remove_stand_ins(bench)
    (CACHE / "local_lookup.json").write_text(json.dumps(results, indent=1, default=str))
    for label in ("chambers", "+county", "+6 local"):
        r = results[label]
        print(
            f"{label:9} lookup/hello {r['ratio']['median']:.2f} (min {r['ratio']['min']:.2f}, max "
            f"{r['ratio']['max']:.2f}); lookup {statistics.median(x['lookup']['rps'] for x in r['runs']):.0f}/s "
            f"p50 {r['lookup_p50_ms']['median']:.1f} ms p99 {r['lookup_p99_ms']['median']:.1f} ms; "
            f"5xx {r['errors_5xx']}"
        )


if __name__ == "__main__":
    main()

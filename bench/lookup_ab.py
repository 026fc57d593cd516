"""A/B of the district lookup fix, in one process with the calls interleaved (so machine load hits both alike).

    PYTHONPATH=. DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python -m bench.lookup_ab

"before" is the lookup as it was (the QuerySet chain built and compiled per call, the
answer through three DRF serializers); "after" is ``district_lookup`` + ``district_payload``
now. Checks that both give the same answer at every point. Prints one line.
"""

import random
import statistics
import time
from pathlib import Path

import django

django.setup()

from django.contrib.gis.geos import Point  # noqa: E402

from districts.api import DistrictSerializer, district_payload  # noqa: E402
from districts.models import District  # noqa: E402
from districts.selectors import CHAMBERS, district_lookup  # noqa: E402

ZIPS = Path(__file__).resolve().parent.parent / ".cache" / "bench" / "zips.tsv"


def before(lat: float, lng: float) -> dict:
    districts = (
        District.objects.current()
        .countable()
        .containing(Point(lng, lat, srid=4326))
        .one_per_chamber()
        .only("id", "chamber", "geoid", "ocd_id", "name", "state")
    )
    found = {d.chamber: d for d in districts}
    return {c: (DistrictSerializer(found[c]).data if found.get(c) else None) for c in CHAMBERS}


def after(lat: float, lng: float) -> dict:
    return {c: district_payload(d) for c, d in district_lookup(lat=lat, lng=lng).items()}


def main(count: int = 2000) -> None:
    rng = random.Random(3)
    zips = [line.split("\t") for line in ZIPS.read_text().splitlines()]
    points = [
        (float(z[2]) + rng.uniform(-0.05, 0.05), float(z[3]) + rng.uniform(-0.05, 0.05))
        for z in rng.sample(zips, count)
    ]
    before(*points[0]), after(*points[0])
    t_before, t_after = [], []
    for lat, lng in points:
        start = time.perf_counter()
        old = before(lat, lng)
        t_before.append(time.perf_counter() - start)
        start = time.perf_counter()
        new = after(lat, lng)
        t_after.append(time.perf_counter() - start)
        if old != new:
            raise AssertionError(f"answers differ at {lat}, {lng}: {old} != {new}")
    b, a = statistics.median(t_before) * 1000, statistics.median(t_after) * 1000
    print(f"lookup + payload: before {b:.3f} ms, after {a:.3f} ms (median of {count}), {b / a:.2f}x; answers identical")


if __name__ == "__main__":
    main()

"""Find the congressional, state senate and state house districts and the local governments of points.

Examples::

    python manage.py lookup_districts --lat 40.7484 --lng -73.9857
    python manage.py lookup_districts --lat 40.7484 --lng -73.9857 --json
    python manage.py lookup_districts --csv people.csv > people_with_districts.csv

The CSV needs ``lat`` and ``lng`` columns; every other column passes through and
``cd_geoid, cd_ocd_id, cd_name, sldu_..., sldl_...``, then ``county_..., cousub_..., place_...,
unsd_..., elsd_..., scsd_...`` (with ``_type`` too) are added, empty where none. Local
layers answer with governing units only (no census-designated places).
"""

import csv as _csv
import json as _json
import sys

from django.core.management.base import BaseCommand, CommandError

from districts.api import lookup_payload
from districts.layers import LOCAL_LAYERS
from districts.selectors import CHAMBERS, district_lookup, districts_for_points

BATCH = 5000
# CSV columns added per layer: the chambers' as before, the local layers' with the unit's type too.
FIELDS = dict.fromkeys(CHAMBERS, ("geoid", "ocd_id", "name")) | dict.fromkeys(
    LOCAL_LAYERS, ("geoid", "ocd_id", "name", "kind")
)
ADDED = [f"{layer}_{'type' if field == 'kind' else field}" for layer, fields in FIELDS.items() for field in fields]


class Command(BaseCommand):
    help = "Look up the districts of one point (--lat/--lng) or of every row of a CSV (--csv)."

    def add_arguments(self, parser):
        parser.add_argument("--lat", type=float)
        parser.add_argument("--lng", type=float)
        parser.add_argument("--json", action="store_true", help="Print JSON instead of text.")
        parser.add_argument("--csv", metavar="FILE", help="CSV with lat,lng columns ('-' for standard input).")

    def handle(self, *args, lat, lng, json: bool, csv: str | None, **options):
        if csv:
            return self._csv(csv)
        if lat is None or lng is None:
            raise CommandError("Give --lat and --lng, or --csv FILE.")
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise CommandError("--lat must be within -90..90 and --lng within -180..180.")
        found = district_lookup(lat=lat, lng=lng)
        if json:
            self.stdout.write(_json.dumps(lookup_payload(found), indent=2))
            return
        for layer, d in found.items():
            ids = ", ".join(filter(None, (d.geoid, d.ocd_id))) if d else ""
            self.stdout.write(f"{layer:5} {d.name} ({ids})" if d else f"{layer:5} none")

    def _csv(self, filename: str) -> None:
        try:
            source = sys.stdin if filename == "-" else open(filename, newline="", encoding="utf-8-sig")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"{filename}: {exc.strerror}") from exc
        with source:
            reader = _csv.DictReader(source)
            if not reader.fieldnames or not {"lat", "lng"} <= set(reader.fieldnames):
                raise CommandError(f"{filename}: the CSV needs 'lat' and 'lng' columns")
            writer = _csv.DictWriter(self.stdout, fieldnames=[*reader.fieldnames, *ADDED], lineterminator="\n")
            writer.writeheader()
            batch = []
            for line, row in enumerate(reader, start=2):
                batch.append((line, row))
                if len(batch) == BATCH:
                    self._write_batch(batch, writer, filename)
                    batch = []
            self._write_batch(batch, writer, filename)

    def _write_batch(self, batch, writer, filename) -> None:
        points = []  # per row: (lat, lng), or None where the row has no usable point
        for line, row in batch:
            try:
                lat, lng = float(row["lat"]), float(row["lng"])
            except (TypeError, ValueError):
                lat = lng = float("nan")
            if -90 <= lat <= 90 and -180 <= lng <= 180:
                points.append((lat, lng))
            else:
                self.stderr.write(f"{filename}:{line}: lat/lng missing or out of range; no districts")
                points.append(None)
        found = iter(districts_for_points([p for p in points if p is not None]))
        for (_line, row), point in zip(batch, points, strict=True):
            districts = next(found) if point is not None else {}
            for layer, fields in FIELDS.items():
                d = districts.get(layer)
                for field in fields:
                    row[f"{layer}_{'type' if field == 'kind' else field}"] = d[field] if d else ""
            writer.writerow(row)

"""Load ZIP codes: centroids and the congressional districts each ZIP overlaps.

Reads ``zip_centroids_zipcodes_pypi_3.0.0.csv`` and ``zcta_to_cd119_zccd.csv`` from
one directory (default: ``settings.DISTRICTS_DATA_DIR / "zip"``). Examples::

    # the shared data directory (DISTRICTS_DATA_DIR/zip)
    python manage.py load_zipcodes
    # another copy of the two files
    python manage.py load_zipcodes /srv/data/zip
    # no data directory: centroids from the `zipcodes` package, without districts
    python manage.py load_zipcodes --from-package

The table ends up holding exactly the ZIPs of the files, written in one
transaction. Re-running with the same files changes nothing.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from districts.zipcodes import (
    CENTROIDS_FILE,
    ZCTA_CD_FILE,
    ZipDataError,
    read_zip_data,
    read_zip_package,
    zipcodes_sync,
)


class Command(BaseCommand):
    help = f"Load ZIP code centroids ({CENTROIDS_FILE}) and ZIP -> congressional districts ({ZCTA_CD_FILE})."

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", nargs="?", help="Directory holding the two CSV files (default: DISTRICTS_DATA_DIR/zip)."
        )
        parser.add_argument(
            "--from-package",
            action="store_true",
            help="Take the centroids from the zipcodes package instead (no ZIP -> district table).",
        )

    def handle(self, *args, directory, from_package, **options):
        started = time.monotonic()
        if from_package:
            records, source = read_zip_package(), "zipcodes package"
        else:
            source = self._directory(directory)
            try:
                records = read_zip_data(source)
            except ZipDataError as exc:
                raise CommandError(str(exc)) from exc
        result = zipcodes_sync(records)
        with_cd = sum(1 for r in records if r.cd_geoids)
        split = sum(1 for r in records if len(r.cd_geoids) > 1)
        self.stdout.write(
            f"{source}: {len(records)} ZIP codes ({sum(r.active for r in records)} active), "
            f"{with_cd} with congressional districts, {split} spanning several."
        )
        status = (
            f"created {result.created}, updated {result.updated}, deleted {result.deleted}, "
            f"unchanged {result.unchanged}"
        )
        elapsed = f" ({time.monotonic() - started:.1f} s)"
        if result.changed:
            self.stdout.write(self.style.SUCCESS(f"ZIP codes loaded: {status}{elapsed}"))
        else:
            self.stdout.write(f"ZIP codes unchanged: {status}{elapsed}")

    def _directory(self, directory: str | None) -> Path:
        if directory is None:
            if not settings.DISTRICTS_DATA_DIR:
                raise CommandError(
                    "Name the directory with the ZIP files (DISTRICTS_DATA_DIR is not set), or use --from-package."
                )
            directory = Path(settings.DISTRICTS_DATA_DIR) / "zip"
        directory = Path(directory)
        if not directory.is_dir():
            raise CommandError(f"{directory}: no such directory")
        return directory

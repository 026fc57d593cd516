"""Load Census district boundaries.

Examples::

    # shared data: nationwide layers, then full-resolution states that supersede them
    python manage.py load_districts ../shared/data/boundaries
    python manage.py load_districts tl_2024_36_sldl.zip --states NY
    # the newest Census TIGER/Line release, downloaded once into DISTRICTS_CACHE_DIR
    python manage.py load_districts --census --make-current
    python manage.py load_districts --census 2024
    python manage.py load_districts https://www2.census.gov/geo/tiger/TIGER2026/CD/tl_2026_us_cd120.zip

Re-running with the same files changes nothing.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from districts.importers import SourceError, checksum, read_source, source_files
from districts.models import BoundarySet, Resolution
from districts.services import boundary_set_load
from districts.sources import census_tiger_urls, fetch


class Command(BaseCommand):
    help = "Load Census TIGER/Line or cartographic boundary files (zip, GeoJSON, directory or https URL)."

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="*", help="Files, directories or https:// URLs.")
        parser.add_argument(
            "--census",
            nargs="?",
            type=int,
            const=settings.DISTRICTS_TIGER_YEAR,
            metavar="YEAR",
            help="Download a Census TIGER/Line release: the national CD file and every state's "
            "SLDU/SLDL file (default year: DISTRICTS_TIGER_YEAR, %(const)s).",
        )
        parser.add_argument("--states", help="Only these states, e.g. NY,VT (USPS codes).")
        parser.add_argument(
            "--resolution", choices=Resolution.values, help="Override the resolution guessed from the file name."
        )
        parser.add_argument(
            "--make-current", action="store_true", help="Make the loaded vintage its chamber's current map."
        )

    def handle(self, *args, sources, census, states, resolution, make_current, **options):
        if census:
            sources = [*sources, *census_tiger_urls(census)]
        if not sources:
            raise CommandError("Name at least one source, or use --census.")
        state_filter = {s.strip().upper() for s in states.split(",") if s.strip()} if states else None
        try:
            for source in sources:
                for path in self._local_files(source):
                    self._load(path, source, state_filter, resolution, make_current)
        except SourceError as exc:
            raise CommandError(str(exc)) from exc

    def _local_files(self, source: str) -> list[Path]:
        if source.startswith(("https://", "http://")):
            self.stdout.write(f"Fetching {source}")
            return [fetch(source, Path(settings.DISTRICTS_CACHE_DIR))]
        return source_files(Path(source))

    def _load(self, path: Path, source: str, states, resolution, make_current) -> None:
        digest = checksum(path, extra=",".join(sorted(states or [])) + (resolution or ""))
        known = BoundarySet.objects.filter(name__startswith=path.name, checksum=digest).first()
        if known and not make_current:
            self.stdout.write(f"{path.name}: unchanged ({known.chamber} {known.vintage}, already loaded)")
            return
        self.stdout.write(f"Reading {path}")
        for layer in read_source(path, states=states, resolution=resolution):
            result = boundary_set_load(
                layer=layer, source=source if "://" in source else str(path), checksum=digest, make_current=make_current
            )
            bs = result.boundary_set
            current = "current" if bs.is_current else "not current"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{bs.chamber} {bs.vintage} {bs.name} ({bs.resolution}, {current}): {result.status}, "
                    f"{sum(result.per_state.values())} areas in {len(result.per_state)} states"
                )
            )
            self.stdout.write("  " + " ".join(f"{st} {n}" for st, n in result.per_state.items()))

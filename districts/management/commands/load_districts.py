"""Load Census district boundaries and local government layers.

Examples::

    # shared data: nationwide layers, then full-resolution states that supersede them
    python manage.py load_districts ../shared/data/boundaries
    python manage.py load_districts ../shared/data/local          # generalised counties
    python manage.py load_districts tl_2024_36_sldl.zip --states NY
    # the newest Census TIGER/Line release, downloaded once into DISTRICTS_CACHE_DIR
    python manage.py load_districts --census --make-current
    python manage.py load_districts --census 2024
    # local governments: the national county file and each state's towns, places and school districts
    python manage.py load_districts --census 2024 --layers county,cousub,place,school
    python manage.py load_districts --census 2024 --layers place,school --states VT,NY
    python manage.py load_districts https://www2.census.gov/geo/tiger/TIGER2026/CD/tl_2026_us_cd120.zip

Re-running with the same files changes nothing; an interrupted ``--census`` run picks
up where it stopped (files it has are neither fetched nor loaded again, a file cut
off mid-download is continued).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from districts.importers import SourceError, checksum, read_source, source_files
from districts.layers import expand_layers
from districts.models import BoundarySet, Resolution
from districts.services import boundary_set_load
from districts.sources import NotPublished, census_tiger_urls, fetch, is_optional


class Command(BaseCommand):
    help = "Load Census TIGER/Line or cartographic boundary files (zip, GeoJSON, directory or http(s) URL)."

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="*", help="Files, directories or https:// URLs.")
        parser.add_argument(
            "--census",
            nargs="?",
            type=int,
            const=settings.DISTRICTS_TIGER_YEAR,
            metavar="YEAR",
            help="Download a Census TIGER/Line release: the national files and every state's files of "
            "--layers (default year: DISTRICTS_TIGER_YEAR, %(const)s).",
        )
        parser.add_argument(
            "--layers",
            default="cd,sldu,sldl",
            help="With --census: which layers, e.g. county,cousub,place,school (school = unsd,elsd,scsd). "
            "Default: cd,sldu,sldl.",
        )
        parser.add_argument("--states", help="Only these states, e.g. NY,VT (USPS codes).")
        parser.add_argument(
            "--resolution", choices=Resolution.values, help="Override the resolution guessed from the file name."
        )
        parser.add_argument(
            "--make-current", action="store_true", help="Make the loaded vintage its layer's current map."
        )

    def handle(self, *args, sources, census, layers, states, resolution, make_current, **options):
        state_filter = {s.strip().upper() for s in states.split(",") if s.strip()} if states else None
        if census:
            try:
                wanted = expand_layers([name.strip().lower() for name in layers.split(",") if name.strip()])
            except ValueError as exc:
                raise CommandError(f"--layers: {exc}") from exc
            sources = [*sources, *census_tiger_urls(census, wanted, state_filter)]
        if not sources:
            raise CommandError("Name at least one source, or use --census.")
        try:
            # Directories expand to their files up front, so the bar knows how many files there are.
            items = [(source, path) for source in sources for path in self._local_files(source)]
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        # Progress goes to stderr (stdout says what was loaded): files, and features read.
        out = getattr(self.stderr, "_out", self.stderr)
        with (
            tqdm(total=len(items), unit="file", desc="files", file=out, position=0) as files_bar,
            tqdm(unit="feature", desc="features", file=out, position=1) as features_bar,
        ):
            try:
                for source, path in items:
                    local = self._fetch(source, out) if path is None else path
                    if local is not None:
                        self._load(local, source, state_filter, resolution, make_current, features_bar.update)
                    files_bar.update()
            except SourceError as exc:
                raise CommandError(str(exc)) from exc

    def _local_files(self, source: str) -> list[Path | None]:
        """The files of a local source; ``[None]`` for a URL, fetched when its turn comes."""
        if source.startswith(("https://", "http://")):
            return [None]
        return source_files(Path(source))

    def _fetch(self, url: str, progress_file) -> Path | None:
        try:
            return fetch(url, Path(settings.DISTRICTS_CACHE_DIR), progress_file=progress_file)
        except NotPublished:
            # Elementary and secondary school district files exist only where a state has such districts.
            if is_optional(url):
                self.stdout.write(f"{url.rsplit('/', 1)[-1]}: not published for this state (no such districts)")
                return None
            raise

    def _load(self, path: Path, source: str, states, resolution, make_current, on_feature) -> None:
        digest = checksum(path, extra=",".join(sorted(states or [])) + (resolution or ""))
        known = BoundarySet.objects.filter(name__startswith=path.name, checksum=digest).first()
        if known and not make_current:
            self.stdout.write(f"{path.name}: unchanged ({known.chamber} {known.vintage}, already loaded)")
            return
        self.stdout.write(f"Reading {path}")
        for layer in read_source(path, states=states, resolution=resolution, on_feature=lambda: on_feature(1)):
            result = boundary_set_load(
                layer=layer, source=source if "://" in source else str(path), checksum=digest, make_current=make_current
            )
            bs = result.boundary_set
            current = "current" if bs.is_current else "not current"
            governing = sum(1 for r in layer.records if r.governing and not r.is_placeholder)
            areas = f"{sum(result.per_state.values())} areas"
            if governing != len(layer.records):
                areas += f" ({governing} governing)"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{bs.chamber} {bs.vintage} {bs.name} ({bs.resolution}, {current}): {result.status}, "
                    f"{areas} in {len(result.per_state)} states"
                )
            )
            self.stdout.write("  " + " ".join(f"{st} {n}" for st, n in result.per_state.items()))

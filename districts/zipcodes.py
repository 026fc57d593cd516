"""ZIP codes: reading the ZIP centroid and ZCTA-to-district files, storing and looking up ZIPs.

Two files, both in ``settings.DISTRICTS_DATA_DIR / "zip"`` (see its README):

* ``zip_centroids_zipcodes_pypi_3.0.0.csv``: every ZIP with state, city, active
  flag and centroid (``zip_code,zip_code_type,active,state,city,county,lat,long,timezone``);
  one ``ZipCode`` row per line.
* ``zcta_to_cd119_zccd.csv``: one line per (ZCTA, congressional district) pair
  (``state_fips,state_abbr,zcta,cd``). ``cd`` 0 is the state's single seat: at large
  (GEOID ``<fips>00``) or, for DC and Puerto Rico, the delegate / resident
  commissioner, whose Census GEOID is ``<fips>98`` (``1198``, ``7298``), as in the
  district boundary files. A ZCTA is matched to the ZIP with the same five digits.
"""

import csv
import functools
import re
import weakref
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.geos import Point
from django.db import connection, transaction

from berniecrat.memo import forget_reference_data, remembered
from berniecrat.prepared import prepared

from .models import ZipCode

CENTROIDS_FILE = "zip_centroids_zipcodes_pypi_3.0.0.csv"
ZCTA_CD_FILE = "zcta_to_cd119_zccd.csv"
CENTROID_COLUMNS = {"zip_code", "active", "state", "city", "lat", "long"}
ZCTA_CD_COLUMNS = {"state_fips", "zcta", "cd"}
# FIPS codes whose only House seat is a non-voting one: Census district code 98, not 00.
DELEGATE_FIPS = {"11", "72"}
BULK_BATCH_SIZE = 5000
_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")


class ZipDataError(Exception):
    """A ZIP data file that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class ZipData:
    """One ZIP as read from the files, before it is stored."""

    zip: str
    state: str
    city: str
    lat: float
    lng: float
    cd_geoids: tuple[str, ...]
    active: bool

    def as_model(self) -> ZipCode:
        return ZipCode(
            zip=self.zip,
            state=self.state,
            city=self.city,
            point=Point(self.lng, self.lat, srid=4326),
            cd_geoids=list(self.cd_geoids),
            active=self.active,
        )


@dataclass
class SyncResult:
    created: int
    updated: int
    deleted: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def clean_zip(value: str) -> str | None:
    """'10001', ' 10001-1234 ' or '100011234' -> '10001'; anything else -> None."""
    match = _ZIP.match((value or "").strip())
    return match[1] if match else None


def zip_lookup(zip_code: str) -> ZipCode | None:
    """The stored ZIP (active or retired; ZIP+4 accepted), or None if unknown or malformed.

    Remembered by the process (``berniecrat.memo``): every sign-up and finder search reads
    one, and ZIP codes change only when ``load_zipcodes`` runs. The row is shared: read-only.
    """
    zip5 = clean_zip(zip_code)
    if zip5 is None:
        return None
    return _zip_row(zip5)


@functools.cache
def _zip_row_sql() -> str:
    """``ZipCode.objects.filter(zip=...)`` as the ORM writes it, with the ZIP as ``$1``: compiling
    the QuerySet cost more than PostgreSQL's answer, for a read every ZIP-only sign-up and
    finder search makes (``district_lookup`` does the same, and says more)."""
    sql, _params = ZipCode.objects.filter(zip="00000").order_by().query.sql_with_params()
    return sql % ("$1",)


# Per database connection (whose thread's GEOS reader the geometry's converter holds): the
# attribute names of the ZIP row's columns and the ORM's converters of each column that has any.
_row_reading: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _zip_row_reading() -> tuple[list[str], list[tuple[int, tuple]]]:
    found = _row_reading.get(connection.connection)
    if found is None:
        compiler = ZipCode.objects.filter(zip="00000").order_by().query.get_compiler(connection=connection)
        compiler.setup_query()  # the select list of _zip_row_sql, in its order
        columns = [col.target.attname for col, _sql, _alias in compiler.select]
        converters = compiler.get_converters([col for col, _sql, _alias in compiler.select])
        found = _row_reading[connection.connection] = (columns, list(converters.items()))
    return found


@remembered(maxsize=20_000)
def _zip_row(zip5: str) -> ZipCode | None:
    with connection.cursor() as cursor:
        name = prepared(cursor, "zip_row", ("varchar",), _zip_row_sql)
        cursor.execute(f"EXECUTE {name} (%s)", [zip5])
        row = cursor.fetchone()
    if row is None:
        return None
    # Converted as a QuerySet would (the centre's geometry, the GEOIDs' JSON), without raw()'s
    # machinery: it cost three times the query on every ZIP not yet remembered (bench/findings.md, issue 11).
    columns, converters = _zip_row_reading()
    values = list(row)
    for position, (convert_all, expression) in converters:
        for convert in convert_all:
            values[position] = convert(values[position], expression, connection)
    return ZipCode.from_db(connection.alias, columns, values)


def _rows(path: Path, required: set[str]):
    if not path.is_file():
        raise ZipDataError(f"{path}: no such file")
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = required - set(reader.fieldnames or [])
            if missing:
                raise ZipDataError(
                    f"{path}: missing column(s) {', '.join(sorted(missing))} "
                    f"(found: {', '.join(reader.fieldnames or []) or 'nothing'})"
                )
            yield from enumerate(reader, start=2)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ZipDataError(f"{path}: not a readable CSV file ({exc})") from exc


def cd_geoid(state_fips: str, cd: str) -> str:
    """Census GEOID of a district: state FIPS and two-digit code ('36', '12' -> '3612'; '56', '0' -> '5600')."""
    number = int(cd)
    if number == 0 and state_fips in DELEGATE_FIPS:
        number = 98
    return f"{state_fips}{number:02d}"


def read_zcta_districts(path: Path) -> dict[str, set[str]]:
    """ZCTA -> GEOIDs of the congressional districts it overlaps."""
    by_zcta: dict[str, set[str]] = {}
    for line, row in _rows(path, ZCTA_CD_COLUMNS):
        fips, zcta, cd = row["state_fips"].strip().zfill(2), row["zcta"].strip().zfill(5), row["cd"].strip()
        if not (len(fips) == 2 and fips.isdigit() and len(zcta) == 5 and zcta.isdigit() and cd.isdigit()):
            raise ZipDataError(f"{path}, line {line}: bad state_fips/zcta/cd {fips!r}/{zcta!r}/{cd!r}")
        by_zcta.setdefault(zcta, set()).add(cd_geoid(fips, cd))
    return by_zcta


def read_zip_data(directory: Path) -> list[ZipData]:
    """Every ZIP of the centroid file, with its districts from the ZCTA file; raises ZipDataError."""
    centroids, zcta_cd = Path(directory) / CENTROIDS_FILE, Path(directory) / ZCTA_CD_FILE
    for path in (centroids, zcta_cd):  # both checked before the long read
        if not path.is_file():
            raise ZipDataError(f"{path}: no such file")
    districts = read_zcta_districts(zcta_cd)
    zips: dict[str, ZipData] = {}
    for line, row in _rows(centroids, CENTROID_COLUMNS):
        zip5 = row["zip_code"].strip()
        try:
            if not (len(zip5) == 5 and zip5.isdigit()):
                raise ValueError(f"bad ZIP {zip5!r}")
            lat, lng = float(row["lat"]), float(row["long"])
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise ValueError(f"coordinates out of range ({lat}, {lng})")
        except ValueError as exc:
            raise ZipDataError(f"{centroids}, line {line}: {exc}") from exc
        if zip5 in zips:
            raise ZipDataError(f"{centroids}, line {line}: ZIP {zip5} appears twice")
        zips[zip5] = ZipData(
            zip=zip5,
            state=row["state"].strip().upper(),
            city=row["city"].strip(),
            lat=lat,
            lng=lng,
            cd_geoids=tuple(sorted(districts.get(zip5, ()))),
            active=row["active"].strip().lower() in {"true", "1", "yes"},
        )
    if not zips:
        raise ZipDataError(f"{centroids}: no ZIP codes in the file")
    return list(zips.values())


def read_zip_package() -> list[ZipData]:
    """ZIP centroids from the ``zipcodes`` package (the same dataset as the shared CSV).

    Used where no data directory is at hand (production): it carries no ZIP -> district
    table, so ``cd_geoids`` stay empty and ZIP-only sign-ups are never flagged ambiguous.
    """
    import zipcodes

    return [
        ZipData(
            zip=row["zip_code"],
            state=row["state"].upper(),
            city=row["city"],
            lat=float(row["lat"]),
            lng=float(row["long"]),
            cd_geoids=(),
            active=bool(row["active"]),
        )
        for row in zipcodes.list_all()
    ]


def _stored() -> dict[str, ZipData]:
    return {
        z.zip: ZipData(
            zip=z.zip,
            state=z.state,
            city=z.city,
            lat=z.point.y,
            lng=z.point.x,
            cd_geoids=tuple(z.cd_geoids),
            active=z.active,
        )
        for z in ZipCode.objects.all().iterator(chunk_size=BULK_BATCH_SIZE)
    }


@transaction.atomic
def zipcodes_sync(records: list[ZipData]) -> SyncResult:
    """Make the ZipCode table hold exactly ``records``, in one transaction.

    New and changed ZIPs are upserted with ``bulk_create``; ZIPs no longer in the
    data are deleted; identical rows are not written, so a repeat changes nothing.
    Rows are updated in place, never deleted and re-created, so the primary keys stay.
    """
    with transaction.get_connection().cursor() as cursor:
        # One loader at a time; readers keep seeing the old rows until commit.
        cursor.execute(f"LOCK TABLE {ZipCode._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    stored = _stored()
    wanted = {r.zip: r for r in records}
    created = [r for z, r in wanted.items() if z not in stored]
    updated = [r for z, r in wanted.items() if z in stored and stored[z] != r]
    deleted = [z for z in stored if z not in wanted]
    if created or updated:
        ZipCode.objects.bulk_create(
            [r.as_model() for r in (*created, *updated)],
            batch_size=BULK_BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["zip"],
            update_fields=["state", "city", "point", "cd_geoids", "active"],
        )
    if deleted:
        ZipCode.objects.filter(zip__in=deleted).delete()
    if created or updated or deleted:
        transaction.on_commit(forget_reference_data)
    return SyncResult(
        created=len(created),
        updated=len(updated),
        deleted=len(deleted),
        unchanged=len(wanted) - len(created) - len(updated),
    )

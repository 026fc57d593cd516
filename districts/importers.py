"""Read Census TIGER/Line and cartographic boundary files into district records.

Accepts zipped shapefiles (per state or national), GeoJSON FeatureCollections
(plain or ``.gz``) and directories of such files. Everything is read through
GDAL, reprojected to WGS 84 and checked before anything is written, so a bad
file never leaves a half-loaded set behind (see ``services.boundary_set_load``).
"""

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon

from .models import Chamber, Resolution
from .ocd import ocd_division_id
from .states import BY_FIPS

MTFCC_CHAMBER = {"G5200": Chamber.CD, "G5210": Chamber.SLDU, "G5220": Chamber.SLDL}
# Census marks areas with no district defined (mostly water) with these codes.
PLACEHOLDER_CODES = {"ZZZ", "ZZ"}
# LSAD codes of the non-voting delegate (C4) and resident commissioner (C3) seats;
# Census gives them district code 98.
DELEGATE_LSAD = {"C3", "C4"}
AT_LARGE_LSAD = {"C1", "C3", "C4"}
SUPPORTED_SUFFIXES = (".zip", ".geojson", ".json", ".geojson.gz", ".json.gz", ".shp")


class SourceError(Exception):
    """A boundary source that cannot be loaded; the message names the file and the problem."""


@dataclass
class DistrictRecord:
    state: str
    state_fips: str
    code: str
    geoid: str
    name: str
    ocd_id: str
    is_placeholder: bool
    voting: bool
    geometry: MultiPolygon
    internal_point: Point | None
    attributes: dict


@dataclass
class Layer:
    """The districts of one chamber read from one file."""

    name: str
    chamber: str
    vintage: str
    resolution: str
    records: list[DistrictRecord] = field(default_factory=list)

    @property
    def states(self) -> list[str]:
        return sorted({r.state for r in self.records})


def source_files(path: Path) -> list[Path]:
    """The loadable files at ``path``: the file itself, or those in a directory tree."""
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUPPORTED_SUFFIXES))
        if not files:
            raise SourceError(f"{path}: directory has no shapefile zip or GeoJSON file")
        return files
    if not path.name.lower().endswith(SUPPORTED_SUFFIXES):
        raise SourceError(f"{path}: unsupported file type (expected .zip, .shp, .geojson or .geojson.gz)")
    return [path]


def checksum(path: Path, extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def guess_resolution(filename: str) -> str:
    name = filename.lower()
    if name.startswith("tl_"):
        return Resolution.FULL
    for marker, resolution in (("_500k", Resolution.CB_500K), ("_5m", Resolution.CB_5M), ("_20m", Resolution.CB_20M)):
        if marker in name:
            return resolution
    # Anything else (re-packaged or simplified GeoJSON) ranks between the
    # cartographic products, so a genuine TIGER/Line file always supersedes it.
    return Resolution.SIMPLIFIED


def _gdal_paths(path: Path) -> list[str]:
    name = path.name.lower()
    if name.endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.namelist() if m.lower().endswith(".shp")]
        except zipfile.BadZipFile as exc:
            raise SourceError(f"{path}: not a valid zip file ({exc})") from exc
        if not members:
            raise SourceError(f"{path}: the zip holds no shapefile (.shp)")
        return [f"/vsizip/{path}/{m}" for m in sorted(members)]
    if name.endswith(".gz"):
        return [f"/vsigzip/{path}"]
    return [str(path)]


def read_source(path: Path, *, states: set[str] | None = None, resolution: str | None = None) -> list[Layer]:
    """Every layer in one file, parsed and validated; raises SourceError."""
    layers = []
    for gdal_path in _gdal_paths(path):
        try:
            datasource = DataSource(gdal_path)
        except GDALException as exc:
            raise SourceError(f"{path}: GDAL cannot read it ({exc})") from exc
        for ogr_layer in datasource:
            layers.append(_read_layer(path, ogr_layer, states=states, resolution=resolution))
    return layers


def _detect_chamber(path: Path, fields: list[str], first) -> tuple[str, str]:
    """(chamber, code field) from MTFCC or, failing that, the attribute names."""
    if "MTFCC" in fields and first is not None:
        chamber = MTFCC_CHAMBER.get(first.get("MTFCC"))
        if chamber is None:
            raise SourceError(f"{path}: MTFCC {first.get('MTFCC')!r} is not a congressional or legislative layer")
    else:
        chamber = None
    cd_fields = [f for f in fields if re.fullmatch(r"CD\d{3}FP", f)]
    by_name = (
        Chamber.CD
        if cd_fields
        else Chamber.SLDU
        if "SLDUST" in fields
        else Chamber.SLDL
        if "SLDLST" in fields
        else None
    )
    chamber = chamber or by_name
    if chamber is None:
        raise SourceError(
            f"{path}: not a district layer (no MTFCC G5200/G5210/G5220 and no CDnnnFP, SLDUST or SLDLST attribute)"
        )
    code_field = {Chamber.SLDU: "SLDUST", Chamber.SLDL: "SLDLST"}.get(chamber) or (cd_fields[0] if cd_fields else None)
    if code_field not in fields:
        raise SourceError(f"{path}: {chamber} layer is missing its district code attribute")
    return chamber, code_field


def _vintage(path: Path, chamber: str, code_field: str, first) -> str:
    if chamber == Chamber.CD:
        return code_field[:-2]  # "CD119FP" -> "CD119": attribute names follow the Congress
    lsy = first.get("LSY") if first is not None and "LSY" in first.fields else None
    if lsy:
        return str(lsy)
    year = re.match(r"tl_(\d{4})_", path.name)
    if year:
        return year[1]
    raise SourceError(f"{path}: cannot tell the legislative vintage (no LSY attribute, not a tl_YYYY file)")


def _multipolygon(geom: GEOSGeometry, where: str) -> MultiPolygon:
    if not geom.valid:
        geom = geom.make_valid()
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    if isinstance(geom, MultiPolygon):
        return geom
    polygons = [g for g in geom if isinstance(g, Polygon)] if geom.geom_type == "GeometryCollection" else []
    if not polygons:
        raise SourceError(f"{where}: geometry is a {geom.geom_type}, not a polygon")
    return MultiPolygon(*polygons, srid=geom.srid)


def _read_layer(path: Path, ogr_layer, *, states, resolution) -> Layer:
    fields = list(ogr_layer.fields)
    if len(ogr_layer) == 0:
        raise SourceError(f"{path}: the layer has no features")
    first = ogr_layer[0]
    chamber, code_field = _detect_chamber(path, fields, first)
    missing = [f for f in ("STATEFP", "GEOID", "NAMELSAD") if f not in fields]
    if missing:
        raise SourceError(f"{path}: missing attribute(s) {', '.join(missing)}")
    layer = Layer(
        # A state-filtered load is a set of its own, so it never replaces the whole file's set.
        name=f"{path.name} [{','.join(sorted(states))}]" if states else path.name,
        chamber=chamber,
        vintage=_vintage(path, chamber, code_field, first),
        resolution=resolution or guess_resolution(path.name),
    )
    for feature in ogr_layer:
        state = BY_FIPS.get(str(feature.get("STATEFP")))
        if state is None:
            raise SourceError(f"{path}: feature {feature.fid} has unknown STATEFP {feature.get('STATEFP')!r}")
        if states and state.usps not in states:
            continue
        attributes = {name: _plain(feature.get(name)) for name in fields}
        code = str(attributes[code_field])
        geoid = str(attributes["GEOID"])
        where = f"{path} feature {geoid}"
        ogr_geom = feature.geom
        if ogr_geom is None:
            raise SourceError(f"{where}: no geometry")
        if ogr_geom.srs is not None and ogr_geom.srs.srid != 4326:
            ogr_geom.transform(4326)
        geometry = _multipolygon(GEOSGeometry(ogr_geom.wkb, srid=4326), where)
        lsad = str(attributes.get("LSAD") or "")
        internal_point = None
        if attributes.get("INTPTLAT") not in (None, "") and attributes.get("INTPTLON") not in (None, ""):
            internal_point = Point(float(attributes["INTPTLON"]), float(attributes["INTPTLAT"]), srid=4326)
        layer.records.append(
            DistrictRecord(
                state=state.usps,
                state_fips=state.fips,
                code=code,
                geoid=geoid,
                name=f"{state.name} {attributes['NAMELSAD']}",
                ocd_id=ocd_division_id(
                    chamber=chamber,
                    state=state.usps,
                    code=code,
                    name=str(attributes["NAMELSAD"]),
                    at_large=chamber == Chamber.CD and (code in {"00", "98"} or lsad in AT_LARGE_LSAD),
                ),
                is_placeholder=code.upper() in PLACEHOLDER_CODES,
                voting=not (chamber == Chamber.CD and (code == "98" or lsad in DELEGATE_LSAD)),
                geometry=geometry,
                internal_point=internal_point,
                attributes=attributes,
            )
        )
    if states is not None and not layer.records:
        raise SourceError(f"{path}: no districts for the states {', '.join(sorted(states))}")
    return layer


def _plain(value):
    """Attribute values as JSON-friendly scalars (GDAL gives dates and decimals too)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)

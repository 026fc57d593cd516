"""Read Census TIGER/Line and cartographic boundary files into district records.

Reads the legislative layers (CD, SLDU, SLDL) and the local ones (COUNTY, COUSUB,
PLACE, UNSD, ELSD, SCSD; see ``layers.py``). Accepts zipped shapefiles (per state or
national), GeoJSON FeatureCollections (plain or ``.gz``) and directories of such files. Everything is read through
GDAL, reprojected to WGS 84 and checked before anything is written, so a bad
file never leaves a half-loaded set behind (see ``services.boundary_set_load``).
"""

import gzip
import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon

from .layers import LOCAL_LAYERS, UNDEFINED_SCHOOL_LEA, LayerSpec, is_governing
from .models import Chamber, Resolution
from .ocd import ocd_division_id, ocd_local_id
from .states import BY_FIPS

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
    kind: str = ""
    governing: bool = True


@dataclass
class Layer:
    """The districts of one chamber (or local layer) read from one file."""

    name: str
    chamber: str
    vintage: str
    resolution: str
    records: list[DistrictRecord] = field(default_factory=list)

    @property
    def states(self) -> list[str]:
        return sorted({r.state for r in self.records})


def _is_topojson(path: Path) -> bool:
    """A TopoJSON file (``{"type": "Topology", ...}``), which shares GeoJSON's suffixes but not its layout."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    return b'"Topology"' in head


def source_files(path: Path) -> list[Path]:
    """The loadable files at ``path``: the file itself, or those in a directory tree.

    In a directory, TopoJSON files are passed over: ``DISTRICTS_DATA_DIR/local/source/``
    keeps the TopoJSON the county GeoJSON beside it was converted from.
    """
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.name.lower().endswith(SUPPORTED_SUFFIXES) and not _is_topojson(p)
        )
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


def read_source(
    path: Path, *, states: set[str] | None = None, resolution: str | None = None, on_feature=None
) -> list[Layer]:
    """Every layer in one file, parsed and validated; raises SourceError.

    ``on_feature``, if given, is called once per feature read (for a progress bar).
    """
    layers = []
    for gdal_path in _gdal_paths(path):
        try:
            datasource = DataSource(gdal_path)
        except GDALException as exc:
            raise SourceError(f"{path}: GDAL cannot read it ({exc})") from exc
        for ogr_layer in datasource:
            layers.append(_read_layer(path, ogr_layer, states=states, resolution=resolution, on_feature=on_feature))
    return layers


def _detect_layer(path: Path, fields: list[str], first) -> tuple[str, str]:
    """(chamber or local layer, code field) from MTFCC or, failing that, the attribute names."""
    by_mtfcc = {"G5200": Chamber.CD, "G5210": Chamber.SLDU, "G5220": Chamber.SLDL}
    by_mtfcc |= {mtfcc: spec.layer for spec in LOCAL_LAYERS.values() for mtfcc in spec.mtfcc}
    if "MTFCC" in fields and first is not None:
        chamber = by_mtfcc.get(first.get("MTFCC"))
        if chamber is None:
            raise SourceError(f"{path}: MTFCC {first.get('MTFCC')!r} is not a district or local government layer")
    else:
        chamber = None
    cd_fields = [f for f in fields if re.fullmatch(r"CD\d{3}FP", f)]
    # By attribute names, most specific first: a county subdivision carries COUNTYFP too.
    by_name = (
        Chamber.CD
        if cd_fields
        else Chamber.SLDU
        if "SLDUST" in fields
        else Chamber.SLDL
        if "SLDLST" in fields
        else next((spec.layer for spec in LOCAL_LAYERS.values() if spec.code_field in fields), None)
    )
    chamber = chamber or by_name
    if chamber is None:
        raise SourceError(
            f"{path}: not a district layer (no MTFCC of a district or local government layer and no CDnnnFP, "
            "SLDUST, SLDLST, COUNTYFP, COUSUBFP, PLACEFP, UNSDLEA, ELSDLEA or SCSDLEA attribute)"
        )
    code_field = (
        {Chamber.SLDU: "SLDUST", Chamber.SLDL: "SLDLST"}.get(chamber)
        or (LOCAL_LAYERS[chamber].code_field if chamber in LOCAL_LAYERS else None)
        or (cd_fields[0] if cd_fields else None)
    )
    if code_field not in fields:
        raise SourceError(f"{path}: {chamber} layer is missing its district code attribute")
    return chamber, code_field


def _vintage(path: Path, chamber: str, code_field: str, first) -> str:
    if chamber in LOCAL_LAYERS:
        # The release year: tl_2024_50_place.zip, cb_2023_us_county_5m.zip, us_counties_cb2023_....geojson.gz.
        year = re.search(r"(?:^|_)(?:tl|cb)_?(\d{4})(?:_|$)", path.name.lower().split(".")[0])
        if year:
            return year[1]
        raise SourceError(f"{path}: cannot tell the Census release year of a {chamber} layer (not a tl_YYYY file)")
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
        repaired = geom.make_valid()
        # A polygon that collapses to lines when repaired (zero area: Falls Church, 51610, in the
        # generalised county file) is kept as published: the area exists, and no point falls in it.
        collapsed = isinstance(geom, (Polygon, MultiPolygon)) and not _polygons(repaired)
        geom = geom if collapsed else repaired
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    if isinstance(geom, MultiPolygon):
        return geom
    polygons = _polygons(geom)
    if not polygons:
        raise SourceError(f"{where}: geometry is a {geom.geom_type}, not a polygon")
    return MultiPolygon(*polygons, srid=geom.srid)


def _polygons(geom: GEOSGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    if geom.geom_type in {"MultiPolygon", "GeometryCollection"}:
        return [p for g in geom for p in _polygons(g)]
    return []


def _read_layer(path: Path, ogr_layer, *, states, resolution, on_feature=None) -> Layer:
    fields = list(ogr_layer.fields)
    if len(ogr_layer) == 0:
        raise SourceError(f"{path}: the layer has no features")
    first = ogr_layer[0]
    chamber, code_field = _detect_layer(path, fields, first)
    spec = LOCAL_LAYERS.get(chamber)
    required = ("STATEFP", "GEOID", "NAMELSAD") if spec is None else ("STATEFP", "GEOID", "NAME")
    missing = [f for f in required if f not in fields]
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
        if on_feature is not None:
            on_feature()
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
        internal_point = None
        if attributes.get("INTPTLAT") not in (None, "") and attributes.get("INTPTLON") not in (None, ""):
            internal_point = Point(float(attributes["INTPTLON"]), float(attributes["INTPTLAT"]), srid=4326)
        if spec is not None:
            record = _local_record(spec, state, code, geoid, attributes)
        else:
            record = _district_record(chamber, state, code, geoid, attributes)
        record.geometry = geometry
        record.internal_point = internal_point
        layer.records.append(record)
    if states is not None and not layer.records:
        raise SourceError(f"{path}: no districts for the states {', '.join(sorted(states))}")
    return layer


def _district_record(chamber: str, state, code: str, geoid: str, attributes: dict) -> DistrictRecord:
    """A legislative district: named after its state, keyed in OCD by number (or name in MA, NH, VT)."""
    lsad = str(attributes.get("LSAD") or "")
    return DistrictRecord(
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
        geometry=None,
        internal_point=None,
        attributes=attributes,
    )


# County equivalents numbered 500 and up in these states are independent cities (Baltimore city,
# St. Louis city, Carson City, the Virginia cities); a file without NAMELSAD says so only this way.
INDEPENDENT_CITY_STATES = {"MD", "MO", "NV", "VA"}


def _kind(spec: LayerSpec, state, code: str, attributes: dict) -> str:
    """What the area is: the NAMELSAD beyond the NAME ("Burlington city" -> "city"), else the layer's noun."""
    name = str(attributes.get("NAME") or "").strip()
    namelsad = str(attributes.get("NAMELSAD") or "").strip()
    if namelsad and name and namelsad != name:
        if namelsad.startswith(name):
            return namelsad[len(name) :].strip()
        if namelsad.endswith(name):
            return namelsad[: -len(name)].strip()
    if spec.layer == "county" and state.usps in INDEPENDENT_CITY_STATES and code.isdigit() and int(code) >= 500:
        return "city"
    return spec.noun


def _local_record(spec: LayerSpec, state, code: str, geoid: str, attributes: dict) -> DistrictRecord:
    """A county, county subdivision, place or school district, with whether it governs."""
    name = str(attributes.get("NAMELSAD") or attributes["NAME"]).strip()
    kind = _kind(spec, state, code, attributes)
    # Census fills the gaps of these layers with areas that are nothing: "School District Not
    # Defined" (LEA 99997-99999) and "County subdivisions not defined" (COUSUBFP 00000).
    placeholder = code in UNDEFINED_SCHOOL_LEA or (spec.layer == "cousub" and code == "00000")
    governing = is_governing(spec, attributes) and not placeholder
    return DistrictRecord(
        state=state.usps,
        state_fips=state.fips,
        code=code,
        geoid=geoid,
        name=name,
        ocd_id=ocd_local_id(
            layer=spec.layer, state=state.usps, name=str(attributes["NAME"]), kind=kind, governing=governing
        ),
        is_placeholder=placeholder,
        voting=True,
        geometry=None,
        internal_point=None,
        attributes=attributes,
        kind=kind,
        governing=governing,
    )


def _plain(value):
    """Attribute values as JSON-friendly scalars (GDAL gives dates and decimals too)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)

"""Small made-up TIGER/Line local government files, written with GDAL (``ogr2ogr``) as Census ships them.

Same file names (``tl_2024_us_county.zip``, ``tl_2024_50_cousub.zip``, ``tl_2024_50_place.zip``,
``tl_2024_50_unsd.zip``, ``..._elsd.zip``, ``..._scsd.zip``), zipped shapefiles in NAD83 with
the documented attribute names, string codes, integer areas and "+44.2000000"-style internal
points, and the FUNCSTAT/CLASSFP/LSAD/MTFCC values Census gives governments, census-designated
places and statistical areas. The geography is invented: squares in north-western Vermont.

Made-up Vermont (state 50), county 50901 "Lamoille Test County" = the square
(-73.0, 44.0)-(-72.0, 45.0):

* West half: ``Maple town`` (governing town, T1/A) holding ``Maple Junction village``
  (incorporated place inside the town, C1/A) and ``Cedar Hollow CDP`` (U1/S: no
  government); ``Maple Unified School District``.
* East half: ``Birch city``, an incorporated place that serves as a county subdivision
  (place C5/A; its COUSUB twin is C5 too and counts once, as the place); the
  ``Birch Elementary`` and ``Birch Union High`` school districts.
* County 50903 to the north is statistical: ``Pine CCD`` (Z5/S); water north of it is
  ``School District Not Defined`` (LEA 99997).
* Alaska 02905 ``Test Census Area``: a statistical county equivalent (H5/S).
"""

import json
import subprocess
import tempfile
import zipfile
from pathlib import Path

YEAR = 2024
STATE = "50"
COUNTY = "901"

MAPLE_JUNCTION = (44.2, -72.8)  # lat, lng: inside the village inside Maple town
CEDAR_HOLLOW = (44.7, -72.8)  # inside the CDP, in Maple town
BIRCH = (44.5, -72.25)  # inside Birch city
PINE = (45.15, -72.5)  # county 50903, statistical county subdivision, no school district defined


def square(lng: float, lat: float, width: float, height: float | None = None) -> dict:
    height = width if height is None else height
    ring = [[lng, lat], [lng + width, lat], [lng + width, lat + height], [lng, lat + height], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _common(geometry: dict, name: str, namelsad: str | None, lsad: str, mtfcc: str, funcstat: str) -> dict:
    ring = geometry["coordinates"][0]
    lng = (ring[0][0] + ring[2][0]) / 2
    lat = (ring[0][1] + ring[2][1]) / 2
    props = {"NAME": name}
    if namelsad is not None:
        props["NAMELSAD"] = namelsad
    return props | {
        "LSAD": lsad,
        "MTFCC": mtfcc,
        "FUNCSTAT": funcstat,
        "ALAND": 123456789,
        "AWATER": 1234567,
        "INTPTLAT": f"{lat:+011.7f}",
        "INTPTLON": f"{lng:+012.7f}",
    }


def county_features() -> list[tuple[dict, dict]]:
    def county(state, code, name, lsad, classfp, funcstat, geometry, kind="County"):
        props = {"STATEFP": state, "COUNTYFP": code, "COUNTYNS": "01461757", "GEOID": state + code}
        props |= _common(geometry, name, f"{name} {kind}", lsad, "G4020", funcstat) | {"CLASSFP": classfp}
        return props, geometry

    return [
        county(STATE, COUNTY, "Lamoille Test", "06", "H1", "A", square(-73.0, 44.0, 1.0)),
        county(STATE, "903", "Orleans Test", "06", "H1", "A", square(-73.0, 45.0, 1.0)),
        county("02", "905", "Test", "05", "H5", "S", square(-150.0, 62.0, 1.0), kind="Census Area"),
    ]


def cousub_features() -> list[tuple[dict, dict]]:
    def cousub(county, code, name, kind, lsad, classfp, funcstat, geometry):
        props = {"STATEFP": STATE, "COUNTYFP": county, "COUSUBFP": code, "COUSUBNS": "01462000"}
        props |= {"GEOID": STATE + county + code}
        props |= _common(geometry, name, f"{name} {kind}", lsad, "G4040", funcstat) | {"CLASSFP": classfp}
        return props, geometry

    return [
        cousub(COUNTY, "44125", "Maple", "town", "43", "T1", "A", square(-73.0, 44.0, 0.5, 1.0)),
        cousub(COUNTY, "05650", "Birch", "city", "25", "C5", "A", square(-72.5, 44.0, 0.5, 1.0)),
        cousub("903", "55000", "Pine", "CCD", "22", "Z5", "S", square(-73.0, 45.0, 1.0)),
    ]


def place_features() -> list[tuple[dict, dict]]:
    def place(code, name, kind, lsad, classfp, mtfcc, funcstat, geometry):
        props = {"STATEFP": STATE, "PLACEFP": code, "PLACENS": "02378000", "GEOID": STATE + code}
        props |= _common(geometry, name, f"{name} {kind}", lsad, mtfcc, funcstat) | {"CLASSFP": classfp}
        return props, geometry

    return [
        place("44200", "Maple Junction", "village", "47", "C1", "G4110", "A", square(-72.9, 44.1, 0.2)),
        place("05650", "Birch", "city", "25", "C5", "G4110", "A", square(-72.5, 44.0, 0.5, 1.0)),
        place("11500", "Cedar Hollow", "CDP", "57", "U1", "G4210", "S", square(-72.9, 44.6, 0.2)),
    ]


def school_features(layer: str) -> list[tuple[dict, dict]]:
    code_field = f"{layer.upper()}LEA"
    mtfcc = {"unsd": "G5420", "elsd": "G5400", "scsd": "G5410"}[layer]
    grades = {"unsd": ("KG", "12"), "elsd": ("KG", "08"), "scsd": ("09", "12")}[layer]

    def district(code, name, funcstat, geometry):
        props = {"STATEFP": STATE, code_field: code, "GEOID": STATE + code}
        props |= _common(geometry, name, None, "00", mtfcc, funcstat)
        props |= {"LOGRADE": grades[0], "HIGRADE": grades[1], "SDTYP": ""}
        return props, geometry

    return {
        "unsd": [
            district("00010", "Maple Unified School District", "E", square(-73.0, 44.0, 0.5, 1.0)),
            district("99997", "School District Not Defined", "F", square(-73.0, 45.0, 1.0)),
        ],
        "elsd": [district("00020", "Birch Elementary School District", "E", square(-72.5, 44.0, 0.5, 1.0))],
        "scsd": [district("00030", "Birch Union High School District", "E", square(-72.5, 44.0, 0.5, 1.0))],
    }[layer]


FEATURES = {
    "county": county_features,
    "cousub": cousub_features,
    "place": place_features,
    "unsd": lambda: school_features("unsd"),
    "elsd": lambda: school_features("elsd"),
    "scsd": lambda: school_features("scsd"),
}


def tiger_name(layer: str, year: int = YEAR) -> str:
    return f"tl_{year}_us_county" if layer == "county" else f"tl_{year}_{STATE}_{layer}"


def write_geojson(directory: Path, layer: str, year: int = YEAR) -> Path:
    """The layer as a GeoJSON FeatureCollection named like the TIGER file (``tl_2024_50_place.geojson``)."""
    features = [{"type": "Feature", "properties": p, "geometry": g} for p, g in FEATURES[layer]()]
    path = Path(directory) / f"{tiger_name(layer, year)}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def write_tiger_zip(directory: Path, layer: str, year: int = YEAR) -> Path:
    """The layer as Census ships it: a zipped ESRI shapefile (.shp .shx .dbf .prj .cpg), NAD83."""
    directory = Path(directory)
    with tempfile.TemporaryDirectory() as work:
        return _zip_shapefile(Path(work), directory, layer, year)


def _zip_shapefile(work: Path, directory: Path, layer: str, year: int) -> Path:
    source = write_geojson(work, layer, year)
    name = tiger_name(layer, year)
    subprocess.run(  # noqa: S603 (fixed arguments)
        [
            "ogr2ogr",
            "-f",
            "ESRI Shapefile",
            str(work / f"{name}.shp"),
            str(source),
            "-nln",
            name,
            "-a_srs",
            "EPSG:4269",
            "-nlt",
            "POLYGON",
            "-lco",
            "ENCODING=UTF-8",
            "-lco",
            "RESIZE=YES",
        ],
        check=True,
        capture_output=True,
    )
    target = directory / f"{name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            zf.write(work / f"{name}{suffix}", f"{name}{suffix}")
    return target


def write_all(directory: Path, year: int = YEAR) -> dict[str, Path]:
    """Every layer's zip in ``directory``, by layer."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    return {layer: write_tiger_zip(directory, layer, year) for layer in FEATURES}

"""The Census layers of local government, as data: how each is recognised, keyed and judged.

Field layouts and codes follow the Census Bureau's TIGER/Line Shapefiles technical
documentation (one chapter per layer; "Functional Status Codes" and "Class Codes"
appendices):

* ``COUNTY`` (national file ``tl_YYYY_us_county.zip``, MTFCC G4020): STATEFP,
  COUNTYFP, COUNTYNS, GEOID, NAME, NAMELSAD, LSAD, CLASSFP, MTFCC, FUNCSTAT, ALAND,
  AWATER, INTPTLAT, INTPTLON.
* ``COUSUB`` (``tl_YYYY_SS_cousub.zip``, G4040): STATEFP, COUNTYFP, COUSUBFP,
  COUSUBNS, GEOID (state + county + cousub), NAME, NAMELSAD, LSAD, CLASSFP, MTFCC,
  FUNCSTAT, ...
* ``PLACE`` (``tl_YYYY_SS_place.zip``, G4110 incorporated place, G4210 census-designated
  place): STATEFP, PLACEFP, PLACENS, GEOID, NAME, NAMELSAD, LSAD, CLASSFP, MTFCC,
  FUNCSTAT, ...
* ``UNSD`` / ``ELSD`` / ``SCSD`` (``tl_YYYY_SS_unsd.zip`` ..., G5420 / G5400 / G5410):
  STATEFP, UNSDLEA|ELSDLEA|SCSDLEA, GEOID, NAME, LSAD ("00"), LOGRADE, HIGRADE, MTFCC,
  SDTYP, FUNCSTAT, ... (no NAMELSAD). Census publishes elementary and secondary files
  only for the states that have such districts.

FUNCSTAT says whether an area is a government: A (active government providing
general-purpose functions), B (partially consolidated, with separate officials) and C
(consolidated with another government, one set of officials) govern; E (active
government providing special-purpose functions) is how school districts govern; F
(fictitious), G (subordinate), I (inactive), N (nonfunctioning) and S (statistical:
census-designated places, census county divisions, Alaska census areas) do not.
"""

from dataclasses import dataclass

from .models import Chamber, LocalLayer

# Legislative districts elect a member whatever their FUNCSTAT (Census marks them "N").
GENERAL_PURPOSE_FUNCSTAT = frozenset({"A", "B", "C"})
SPECIAL_PURPOSE_FUNCSTAT = frozenset({"E"})
# School district LEA codes Census gives areas where no school district is defined (mostly water).
UNDEFINED_SCHOOL_LEA = frozenset({"99997", "99998", "99999"})


@dataclass(frozen=True)
class LayerSpec:
    """How one Census layer is read: what marks it, where its code is, who governs."""

    layer: str
    mtfcc: frozenset[str]
    code_field: str
    # The TIGER/Line directory and file suffix: TIGER2024/PLACE/tl_2024_50_place.zip.
    tiger_dir: str
    national: bool
    # What the lookup groups it under: "county", "municipality" or "school_district".
    group: str
    # ``kind`` when the file has no NAMELSAD to take it from.
    noun: str
    governing_funcstat: frozenset[str]
    # Published only for some states (a missing state file is not an error).
    optional: bool = False

    @property
    def file_suffix(self) -> str:
        return self.tiger_dir.lower()


LOCAL_LAYERS: dict[str, LayerSpec] = {
    spec.layer: spec
    for spec in (
        LayerSpec(
            LocalLayer.COUNTY, frozenset({"G4020"}), "COUNTYFP", "COUNTY", True, "county", "county",
            GENERAL_PURPOSE_FUNCSTAT,
        ),
        LayerSpec(
            LocalLayer.COUSUB, frozenset({"G4040"}), "COUSUBFP", "COUSUB", False, "municipality",
            "county subdivision", GENERAL_PURPOSE_FUNCSTAT,
        ),
        LayerSpec(
            LocalLayer.PLACE, frozenset({"G4110", "G4210"}), "PLACEFP", "PLACE", False, "municipality", "place",
            GENERAL_PURPOSE_FUNCSTAT,
        ),
        LayerSpec(
            LocalLayer.UNSD, frozenset({"G5420"}), "UNSDLEA", "UNSD", False, "school_district",
            "unified school district", SPECIAL_PURPOSE_FUNCSTAT,
        ),
        LayerSpec(
            LocalLayer.ELSD, frozenset({"G5400"}), "ELSDLEA", "ELSD", False, "school_district",
            "elementary school district", SPECIAL_PURPOSE_FUNCSTAT, optional=True,
        ),
        LayerSpec(
            LocalLayer.SCSD, frozenset({"G5410"}), "SCSDLEA", "SCSD", False, "school_district",
            "secondary school district", SPECIAL_PURPOSE_FUNCSTAT, optional=True,
        ),
    )
}  # fmt: skip

# What ``load_districts --layers`` accepts: a chamber, a local layer, or "school" for all three school layers.
LAYER_ALIASES = {"school": [LocalLayer.UNSD.value, LocalLayer.ELSD.value, LocalLayer.SCSD.value]}
LEGISLATIVE = [c.value for c in Chamber]


def expand_layers(names: list[str]) -> list[str]:
    """``["county", "school"]`` -> ``["county", "unsd", "elsd", "scsd"]``; raises ValueError on an unknown name."""
    known = [*LEGISLATIVE, *LOCAL_LAYERS]
    layers: list[str] = []
    for name in names:
        for layer in LAYER_ALIASES.get(name, [name]):
            if layer not in known:
                raise ValueError(f"unknown layer {name!r} (known: {', '.join([*known, *LAYER_ALIASES])})")
            if layer not in layers:
                layers.append(layer)
    return layers


def is_governing(spec: LayerSpec, attributes: dict) -> bool:
    """Whether a feature of a local layer has a government of its own that people run for.

    Without FUNCSTAT (a re-packaged file such as the generalised county GeoJSON) the
    file cannot tell, and the area is taken to govern. In COUSUB an incorporated place
    that serves as a county subdivision (CLASSFP C2, C5, C6, C7, ...: Boston, a New
    York city, a Virginia independent city) is the same government as the PLACE
    feature, so it governs only there and is counted once.
    """
    funcstat = str(attributes.get("FUNCSTAT") or "").strip().upper()
    if spec.group == "school_district" and str(attributes.get(spec.code_field) or "") in UNDEFINED_SCHOOL_LEA:
        return False
    if spec.layer == LocalLayer.COUSUB and str(attributes.get("CLASSFP") or "").upper().startswith("C"):
        return False
    return not funcstat or funcstat in spec.governing_funcstat

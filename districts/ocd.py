"""Open Civic Data division IDs for Census districts.

Conventions from github.com/opencivicdata/ocd-division-ids
(identifiers/country-us): numbered districts drop leading zeros and are lower
case (``sldl:075`` -> ``sldl:75``, ``01A`` -> ``1a``); at-large seats are
``cd:at-large``; DC and Puerto Rico are a district and a territory, not states;
Massachusetts, New Hampshire and Vermont name their legislative districts, and
OCD keys those by name (``sldl:1st_barnstable``, ``sldl:belknap_1``, ``sldl:addison-1``).
"""

import re

PREFIX = "ocd-division/country:us"

# Jurisdictions that are not states in OCD.
_JURISDICTION = {
    "dc": "district:dc",
    "pr": "territory:pr",
    "as": "territory:as",
    "gu": "territory:gu",
    "mp": "territory:mp",
    "vi": "territory:vi",
}


def _jurisdiction(state: str) -> str:
    state = state.lower()
    return f"{PREFIX}/{_JURISDICTION.get(state, f'state:{state}')}"


_ORDINALS = {
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
    "fifth": "5th",
    "sixth": "6th",
    "seventh": "7th",
    "eighth": "8th",
    "ninth": "9th",
    "tenth": "10th",
}


def _strip_zeros(code: str) -> str:
    # "075" -> "75", "01A" -> "1a", "00B" -> "b"; a bare "0" stays.
    return re.sub(r"^0+(?=.)", "", code).lower()


def _named_sld(state: str, chamber: str, name: str) -> str | None:
    """OCD key of a district known by name in MA, NH and VT, from the Census NAMELSAD."""
    if state == "MA":
        base = re.sub(r"\s+District$", "", name).lower()
        base = re.sub(r"\b(" + "|".join(_ORDINALS) + r")\b", lambda m: _ORDINALS[m[1]], base)
        # "Berkshire-Hampden-Franklin-Hampshire" is "berkshire_hampden_franklin_and_hampshire" in OCD.
        parts = base.split("-")
        if len(parts) > 1:
            base = "_".join(parts[:-1]) + " and " + parts[-1]
        return re.sub(r"[\s,]+", "_", base)
    if state == "NH" and chamber == "sldl":
        match = re.fullmatch(r"State House District (.+?) 0*(\d+)", name)
        return f"{match[1].lower().replace(' ', '_')}_{match[2]}" if match else None
    if state == "VT":
        base = re.sub(r"\s+(State House|Senatorial) District$", "", name)
        # OCD keeps a two-word county name together ("grand_isle-chittenden") and writes the
        # 2022 plan's "Chittenden South East" senate district as "chittenden-southeast".
        base = base.replace("Grand Isle", "Grand_Isle").replace("South East", "Southeast")
        return re.sub(r"\s+", "-", base).lower()
    return None


def ocd_division_id(*, chamber: str, state: str, code: str, name: str, at_large: bool = False) -> str:
    """The OCD division ID of a district given its Census attributes."""
    if chamber == "cd":
        key = "at-large" if at_large else _strip_zeros(code)
        return f"{_jurisdiction(state)}/cd:{key}"
    key = _named_sld(state, chamber, name) or _strip_zeros(code)
    return f"{_jurisdiction(state)}/{chamber}:{key}"


# OCD names county equivalents by their kind in these states.
_COUNTY_TYPE = {"ak": "borough", "la": "parish"}


def _slug(name: str) -> str:
    # OCD's identifier rules: lower case, spaces as underscores, apostrophes as '~', no periods
    # ("St. Clair County" -> "st_clair", "Children's Home" -> "children~s_home").
    return re.sub(r"\s+", "_", name.strip().lower().replace(".", "").replace("'", "~"))


def ocd_local_id(*, layer: str, state: str, name: str, kind: str = "", governing: bool = True) -> str:
    """The OCD division ID of a county or incorporated place, or "" where OCD defines none.

    OCD names counties ``county:`` (``borough:`` in Alaska, ``parish:`` in Louisiana),
    independent cities and incorporated places ``place:`` (a peer of county, since
    places cross county lines), and DC is ``district:dc`` itself. County subdivisions,
    school districts and statistical areas have no general OCD scheme.
    """
    state = state.lower()
    if not governing or layer not in {"county", "place"}:
        return ""
    if state == "dc" and layer == "county":
        return _jurisdiction(state)
    if layer == "place" or kind.lower() == "city":
        return f"{_jurisdiction(state)}/place:{_slug(name)}"
    return f"{_jurisdiction(state)}/{_COUNTY_TYPE.get(state, 'county')}:{_slug(name)}"

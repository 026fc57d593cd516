"""Public reads: the districts at a place, each with its public status. Never a person.

A place is a point, a ZIP code (its centre) or an address (the Census Geocoder,
then the ZIP code as ``districts.geocoding.locate.locate_address`` does). The address is
used for the lookup and forgotten: nothing here writes.
"""

import dataclasses

from districts.geocoding.census import GeocoderUnavailable
from districts.geocoding.locate import Location, Quality, locate_address
from districts.models import District, LocalLayer, ZipCode
from districts.selectors import district_lookup, district_lookup_at_zip
from districts.zipcodes import zip_lookup

from .coverage import CHAMBERS, PublicDistrict, public_snapshot


@dataclasses.dataclass(frozen=True)
class Place:
    """What the finder found: the district of each chamber with its status (None where there is
    none), how the place was located (``"point"``, ``"street"``, ``"zip"``, ``"ambiguous"``
    or ``"none"``), and whether the Census Geocoder could not be asked (ZIP used instead)."""

    districts: dict
    quality: str
    geocoder_down: bool = False
    # The local governments of an exact place (county, town or city, school districts: names only,
    # no status), in ``LocalLayer`` order; none for a ZIP's centre, which may lie in another town.
    local: tuple[District, ...] = ()

    @property
    def found(self) -> bool:
        return any(self.districts.values())

    @property
    def nobody_here(self) -> list[PublicDistrict]:
        return [d for d in self.districts.values() if d is not None and d.status == "none"]

    def ordered(self) -> list[tuple[str, PublicDistrict | None]]:
        """(chamber, district) in the headline's order: state house, state senate, Congress."""
        return [(chamber, self.districts.get(chamber)) for chamber in CHAMBERS]


def local_units_of(found: dict) -> tuple[District, ...]:
    """The governing local units of a lookup (``district_lookup``'s answer), county first."""
    return tuple(found[layer] for layer in LocalLayer.values if found.get(layer) is not None)


def _place_at(*, lat: float, lng: float, quality: str, geocoder_down: bool = False) -> Place:
    """The districts at a point with their public statuses (one indexed query; the statuses come
    from the public snapshot), and its local governments when the point is exact."""
    found = district_lookup(lat=lat, lng=lng)
    exact = quality in ("point", Quality.STREET.value)
    return Place(
        districts=public_districts_of(found),
        quality=quality,
        geocoder_down=geocoder_down,
        local=local_units_of(found) if exact else (),
    )


def public_districts_of(found: dict) -> dict[str, PublicDistrict | None]:
    """``{chamber: District | None}`` (a lookup already made, e.g. by the intake for the place
    just submitted) with each district's public status; local layers are left out."""
    statuses = public_snapshot().status_by_id()
    return {
        chamber: None
        if district is None
        else PublicDistrict(
            id=district.pk,
            chamber=chamber,
            state=district.state,
            geoid=district.geoid,
            name=district.name,
            # A district loaded after the snapshot was built has nobody counted yet.
            status=statuses.get(district.pk, "none"),
        )
        for chamber, district in found.items()
        if chamber in CHAMBERS
    }


def _place(location: Location, *, geocoder_down: bool = False) -> Place:
    if location.lat is None or location.lng is None:
        return Place(districts=dict.fromkeys(CHAMBERS), quality=Quality.NONE.value, geocoder_down=geocoder_down)
    return _place_at(lat=location.lat, lng=location.lng, quality=location.quality.value, geocoder_down=geocoder_down)


def place_at_point(*, lat: float, lng: float) -> Place:
    return _place_at(lat=lat, lng=lng, quality="point")


def place_at_zip(*, zip_row: ZipCode | None = None, zip_code: str = "") -> Place:
    """The districts at a ZIP code's centre (``"ambiguous"`` when the ZIP spans several
    congressional districts); an unknown ZIP finds nothing."""
    row = zip_row or zip_lookup(zip_code)
    if row is None:
        return Place(districts=dict.fromkeys(CHAMBERS), quality=Quality.NONE.value)
    quality = Quality.AMBIGUOUS if row.is_ambiguous else Quality.ZIP
    # The centre may lie in another town or school district: no local governments.
    return Place(districts=public_districts_of(district_lookup_at_zip(row)), quality=quality.value)


def place_at_address(*, street: str, city: str, state: str, zip_code: str, zip_row: ZipCode | None = None) -> Place:
    """The districts at an address: the Census Geocoder for a street, else (or when it cannot
    be reached) the ZIP code's centre."""
    try:
        location = locate_address(street=street, city=city, state=state, zip=zip_code, zip_row=zip_row)
    except GeocoderUnavailable:
        return dataclasses.replace(place_at_zip(zip_row=zip_row, zip_code=zip_code), geocoder_down=True)
    return _place(location)

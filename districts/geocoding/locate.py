"""Address -> location: a Census street match, else the ZIP code's centre (the rules are in
the package docstring, ``districts.geocoding``)."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.gis.geos import Point

from ..models import ZipCode
from ..zipcodes import clean_zip, zip_lookup
from .batch import census_geocode_batch
from .census import GeocoderRejected, census_geocode, clean_text

logger = logging.getLogger(__name__)


class Quality(StrEnum):
    STREET = "street"
    ZIP = "zip"
    AMBIGUOUS = "ambiguous"
    NONE = "none"


@dataclass(frozen=True)
class Location:
    """Where an address is, and how sure we are.

    ``lat``/``lng`` are None only for quality ``"none"``. ``cd_geoids`` are the
    congressional districts of the ZIP (quality "zip"/"ambiguous"; may be empty),
    empty for a street match.
    """

    lat: float | None
    lng: float | None
    quality: Quality
    cd_geoids: tuple[str, ...] = ()

    @property
    def point(self) -> Point | None:
        if self.lat is None or self.lng is None:
            return None
        return Point(self.lng, self.lat, srid=4326)


def locate_address(*, street: str, city: str, state: str, zip: str, zip_row: ZipCode | None = None) -> Location:
    """Best available location of an address (see the module docstring for the rules).

    ``zip_row``: the ZIP's row when the caller has read it already (form validation
    does), so it is not read again. Raises GeocoderUnavailable when Census must be
    asked and cannot be reached.
    """
    if clean_text(street):
        try:
            coords = census_geocode(street=street, city=city, state=state, zip=zip)
        except GeocoderRejected:
            logger.warning("locate address: Census rejected the request, using the ZIP code")
            coords = None
        if coords is not None:
            logger.info("locate address: quality=street")
            return Location(lat=coords[0], lng=coords[1], quality=Quality.STREET)
    location = _zip_location(zip, state, zip_row)
    logger.info("locate address: quality=%s", location.quality.value)
    return location


def locate_addresses(rows: Iterable[tuple]) -> dict:
    """Batch ``locate_address``: ``{id: Location}`` for ``(id, street, city, state, zip)`` rows.

    One Census batch request for the streets (used when a backlog builds up), ZIP
    centres for the rest. Raises GeocoderUnavailable like ``census_geocode_batch``.
    """
    rows = list(rows)
    try:
        coords = census_geocode_batch(rows)
    except GeocoderRejected:
        logger.warning("locate addresses: Census rejected the batch, using ZIP codes")
        coords = {}
    located = {}
    for row_id, _street, _city, state, zip_code in rows:
        found = coords.get(row_id)
        located[row_id] = (
            Location(lat=found[0], lng=found[1], quality=Quality.STREET) if found else _zip_location(zip_code, state)
        )
    return located


def _zip_location(zip_code: str, state: str, row: ZipCode | None = None) -> Location:
    if row is None or row.zip != clean_zip(zip_code):
        row = zip_lookup(zip_code)
    state_code = clean_text(state)
    if row is None or (state_code and row.state != state_code):
        return Location(lat=None, lng=None, quality=Quality.NONE)
    quality = Quality.AMBIGUOUS if row.is_ambiguous else Quality.ZIP
    return Location(lat=row.point.y, lng=row.point.x, quality=quality, cd_geoids=tuple(row.cd_geoids))

"""The Census Geocoder client for one address: errors, normalised addresses and the cache
of answers (keyed by an HMAC, no address text), HTTP, and the JSON answer.

Endpoint (https://geocoding.geo.census.gov/geocoder/Geocoding_Services_API.html)::

    GET  {CENSUS_GEOCODER_URL}/locations/address?street=&city=&state=&zip=&benchmark=&format=json
"""

import http.client
import json
import logging
import math
import re
import unicodedata
from collections.abc import Mapping
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

from ..zipcodes import clean_zip

logger = logging.getLogger(__name__)

Coordinates = tuple[float, float]  # (lat, lng)

# Part of every cache key; bump the version when the cached value's meaning changes.
CACHE_NAMESPACE = "geocode:census:v1"
CACHE_TTL = 30 * 24 * 60 * 60
# The Census batch endpoint takes at most 10,000 addresses per file.
USER_AGENT = "berniecrat (districts.geocoding)"
_HMAC_SALT = "districts.geocoding.cache_key"
MISS = object()

# Dropped: periods and apostrophes ("N.W." -> "NW", "O'Neil" -> "ONEIL").
_DROP = re.compile(r"[.'’`]")
# Replaced by a space: the rest of the common punctuation ("Apt #4" -> "APT 4").
# Kept: "-" and "/" ("123-45 Queens Blvd", "12 1/2 Main St") and "&".
_SPACE = re.compile(r"[,;:!?\"“”()\[\]{}<>#*_=+|\\@$%^~]")


class GeocoderError(Exception):
    """The Census Geocoder gave no usable answer."""


class GeocoderUnavailable(GeocoderError):
    """Network error, timeout, HTTP 5xx/408/429 or an unparseable answer: try again later."""


class GeocoderRejected(GeocoderError):
    """HTTP 4xx: the service refused the request (bad benchmark, over-long address); retrying won't help."""


# --- Normalisation and cache ---------------------------------------------------


def clean_text(part: str | None) -> str:
    text = unicodedata.normalize("NFKC", part or "")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text).upper()
    text = _SPACE.sub(" ", _DROP.sub("", text))
    return " ".join(text.split())


def address_parts(street: str, city: str, state: str, zip: str) -> tuple[str, str, str, str]:
    return clean_text(street), clean_text(city), clean_text(state), clean_zip(zip or "") or clean_text(zip)


def normalize_address(street: str, city: str, state: str, zip: str) -> str:
    """'421 8th Ave.,  Apt #4', 'New York', 'ny', '10001-2345' -> '421 8TH AVE APT 4, NEW YORK, NY, 10001'."""
    return ", ".join(address_parts(street, city, state, zip))


def cache_key(*, street: str, city: str = "", state: str = "", zip: str = "") -> str:
    """Cache key of a Census answer: namespace and an HMAC-SHA256 (keyed by SECRET_KEY) of the
    benchmark and normalised address. Holds no address text, and cannot be recomputed from a
    guessed address without the secret key."""
    message = f"{settings.CENSUS_GEOCODER_BENCHMARK}\n{normalize_address(street, city, state, zip)}"
    return f"{CACHE_NAMESPACE}:{salted_hmac(_HMAC_SALT, message, algorithm='sha256').hexdigest()}"


def cache_read(key: str):
    """The cached answer ((lat, lng) or None for "no match"), or MISS."""
    try:
        value = cache.get(key, MISS)
    except Exception:  # a cache outage must not stop geocoding
        logger.warning("geocode cache unavailable (read)", exc_info=True)
        return MISS
    if value is MISS:
        return MISS
    if value == ():
        return None
    try:
        return checked_coordinates(value[1], value[0])
    except (TypeError, ValueError, IndexError):
        return MISS  # not something this module wrote: ask again


def cache_write(key: str, coords: Coordinates | None) -> None:
    try:
        cache.set(key, tuple(coords) if coords else (), CACHE_TTL)
    except Exception:
        logger.warning("geocode cache unavailable (write)", exc_info=True)


# --- HTTP ------------------------------------------------------------------------


def census_request(endpoint: str, *, query: dict | None = None, data: bytes | None = None, headers: dict) -> Request:
    base = settings.CENSUS_GEOCODER_URL.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise ImproperlyConfigured("CENSUS_GEOCODER_URL must be an http(s) URL")
    url = f"{base}/{endpoint}" + (f"?{urlencode(query)}" if query else "")
    return Request(url, data=data, headers={"User-Agent": USER_AGENT, **headers})  # noqa: S310 (scheme checked)


def _error_messages(exc: HTTPError) -> str:
    try:
        body = json.loads(exc.read(4096) or b"{}")
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list):
            return "; ".join(str(e) for e in errors)[:300]
    except (ValueError, OSError, http.client.HTTPException):
        pass
    return ""


def census_fetch(request: Request, timeout: float) -> bytes:
    """The response body; raises GeocoderUnavailable or GeocoderRejected. Messages never hold the URL."""
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310 (Request built by census_request)
            return response.read()
    except HTTPError as exc:
        try:
            if exc.code >= 500 or exc.code in (408, 429):
                raise GeocoderUnavailable(f"Census Geocoder answered HTTP {exc.code}") from None
            detail = _error_messages(exc)
            raise GeocoderRejected(f"Census Geocoder answered HTTP {exc.code}: {detail or exc.reason}") from None
        finally:
            exc.close()
    except TimeoutError:
        raise GeocoderUnavailable(f"Census Geocoder did not answer within {timeout} s") from None
    except URLError as exc:
        raise GeocoderUnavailable(f"Census Geocoder unreachable: {exc.reason}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise GeocoderUnavailable(f"Census Geocoder connection failed: {type(exc).__name__}") from None


# --- Parsing ---------------------------------------------------------------------


def checked_coordinates(lng, lat) -> Coordinates:
    lat, lng = float(lat), float(lng)
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValueError("coordinates out of range")
    return lat, lng


def parse_geocoder_response(body: bytes | str | Mapping) -> Coordinates | None:
    """(lat, lng) of the first address match of a ``locations/...`` or ``geographies/...``
    JSON answer (``result.addressMatches[0].coordinates``: x = longitude, y = latitude);
    None when ``addressMatches`` is empty. Raises GeocoderRejected for an ``errors`` body
    and GeocoderUnavailable for anything else unexpected."""
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError:  # includes UnicodeDecodeError
            raise GeocoderUnavailable("Census Geocoder answer is not JSON") from None
    result = body.get("result") if isinstance(body, Mapping) else None
    matches = result.get("addressMatches") if isinstance(result, Mapping) else None
    if not isinstance(matches, list):
        errors = body.get("errors") if isinstance(body, Mapping) else None
        if errors:
            raise GeocoderRejected(f"Census Geocoder error: {'; '.join(map(str, errors))[:300]}")
        raise GeocoderUnavailable("Census Geocoder answer has no result.addressMatches")
    if not matches:
        return None
    try:
        coords = matches[0]["coordinates"]
        return checked_coordinates(coords["x"], coords["y"])
    except (KeyError, TypeError, ValueError):
        raise GeocoderUnavailable("Census Geocoder match has no usable coordinates") from None


# --- Single address ----------------------------------------------------------------


def census_geocode(
    *, street: str, city: str = "", state: str = "", zip: str = "", use_cache: bool = True
) -> Coordinates | None:
    """(lat, lng) of a street address from the Census Geocoder, or None if Census has no match.

    Answers, "no match" included, are cached for 30 days (``use_cache=False`` skips the
    cache). Raises GeocoderUnavailable (retry later; not cached) or GeocoderRejected (HTTP 4xx).
    """
    street_n, city_n, state_n, zip_n = address_parts(street, city, state, zip)
    if not street_n:
        raise ValueError("census_geocode needs a street address")
    key = cache_key(street=street, city=city, state=state, zip=zip)
    if use_cache:
        cached = cache_read(key)
        if cached is not MISS:
            logger.info("census geocode: cache hit (%s)", "match" if cached else "no match")
            return cached
    params = {"street": street_n, "city": city_n, "state": state_n, "zip": zip_n}
    query = {k: v for k, v in params.items() if v}
    query |= {"benchmark": settings.CENSUS_GEOCODER_BENCHMARK, "format": "json"}
    request = census_request("locations/address", query=query, headers={"Accept": "application/json"})
    try:
        coords = parse_geocoder_response(census_fetch(request, settings.CENSUS_GEOCODER_TIMEOUT))
    except GeocoderError as exc:
        logger.warning("census geocode failed: %s", type(exc).__name__)
        raise
    logger.info("census geocode: %s", "match" if coords else "no match")
    cache_write(key, coords)
    return coords

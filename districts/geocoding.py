"""Address -> point: the US Census Geocoder, with the ZIP code centroid as fallback.

The sign-up flow calls ``locate_address`` from a Celery task:

* a street address is sent to the Census Geocoder (``locations/address``); a match
  gives quality ``"street"``;
* with no street, or when Census finds no match, the ZIP code centroid is used:
  quality ``"zip"``, or ``"ambiguous"`` when the ZIP overlaps several congressional
  districts (its centre then says little about the district);
* an unknown ZIP, or a ZIP that lies in another state than the one given, gives
  quality ``"none"`` and no point. (A ZIP/state mismatch means one of the two is
  wrong, and the centroid of a ZIP in another state would put the person in that
  state's districts, so it is not used.)

``GeocoderUnavailable`` (network error, timeout, HTTP 5xx/408/429, unparseable answer)
reaches the caller so the task can retry later. Without a street nothing goes over the
network, so ``locate_address(street="", ...)`` is safe inside a web request.

Census answers (matches and "no match") are cached for 30 days under an HMAC-SHA256
of the normalised address and the benchmark: no address text in cache keys.
Failures are never cached. Log lines carry outcomes only, never addresses.

Endpoints (https://geocoding.geo.census.gov/geocoder/Geocoding_Services_API.html)::

    GET  {CENSUS_GEOCODER_URL}/locations/address?street=&city=&state=&zip=&benchmark=&format=json
    POST {CENSUS_GEOCODER_URL}/locations/addressbatch   (multipart: benchmark, addressFile)
"""

import csv
import http.client
import io
import json
import logging
import math
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

from .models import ZipCode
from .zipcodes import clean_zip, zip_lookup

__all__ = [
    "BATCH_MAX_ROWS",
    "CACHE_TTL",
    "Coordinates",
    "GeocoderError",
    "GeocoderRejected",
    "GeocoderUnavailable",
    "Location",
    "Quality",
    "cache_key",
    "census_geocode",
    "census_geocode_batch",
    "locate_address",
    "normalize_address",
    "parse_batch_response",
    "parse_geocoder_response",
    "zip_lookup",
]

logger = logging.getLogger(__name__)

Coordinates = tuple[float, float]  # (lat, lng)

# Part of every cache key; bump the version when the cached value's meaning changes.
CACHE_NAMESPACE = "geocode:census:v1"
CACHE_TTL = 30 * 24 * 60 * 60
# The Census batch endpoint takes at most 10,000 addresses per file.
BATCH_MAX_ROWS = 10_000
# A batch of 10,000 addresses takes minutes; used when settings has no CENSUS_GEOCODER_BATCH_TIMEOUT.
DEFAULT_BATCH_TIMEOUT = 600.0
USER_AGENT = "berniecrat (districts.geocoding)"
_HMAC_SALT = "districts.geocoding.cache_key"
_MISS = object()

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


# --- Normalisation and cache ---------------------------------------------------


def _clean(part: str | None) -> str:
    text = unicodedata.normalize("NFKC", part or "")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text).upper()
    text = _SPACE.sub(" ", _DROP.sub("", text))
    return " ".join(text.split())


def _parts(street: str, city: str, state: str, zip: str) -> tuple[str, str, str, str]:
    return _clean(street), _clean(city), _clean(state), clean_zip(zip or "") or _clean(zip)


def normalize_address(street: str, city: str, state: str, zip: str) -> str:
    """'421 8th Ave.,  Apt #4', 'New York', 'ny', '10001-2345' -> '421 8TH AVE APT 4, NEW YORK, NY, 10001'."""
    return ", ".join(_parts(street, city, state, zip))


def cache_key(*, street: str, city: str = "", state: str = "", zip: str = "") -> str:
    """Cache key of a Census answer: namespace and an HMAC-SHA256 (keyed by SECRET_KEY) of the
    benchmark and normalised address. Holds no address text, and cannot be recomputed from a
    guessed address without the secret key."""
    message = f"{settings.CENSUS_GEOCODER_BENCHMARK}\n{normalize_address(street, city, state, zip)}"
    return f"{CACHE_NAMESPACE}:{salted_hmac(_HMAC_SALT, message, algorithm='sha256').hexdigest()}"


def _cache_get(key: str):
    """The cached answer ((lat, lng) or None for "no match"), or _MISS."""
    try:
        value = cache.get(key, _MISS)
    except Exception:  # a cache outage must not stop geocoding
        logger.warning("geocode cache unavailable (read)", exc_info=True)
        return _MISS
    if value is _MISS:
        return _MISS
    if value == ():
        return None
    try:
        return _coordinates(value[1], value[0])
    except (TypeError, ValueError, IndexError):
        return _MISS  # not something this module wrote: ask again


def _cache_set(key: str, coords: Coordinates | None) -> None:
    try:
        cache.set(key, tuple(coords) if coords else (), CACHE_TTL)
    except Exception:
        logger.warning("geocode cache unavailable (write)", exc_info=True)


# --- HTTP ------------------------------------------------------------------------


def _request(endpoint: str, *, query: dict | None = None, data: bytes | None = None, headers: dict) -> Request:
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


def _fetch(request: Request, timeout: float) -> bytes:
    """The response body; raises GeocoderUnavailable or GeocoderRejected. Messages never hold the URL."""
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310 (Request built by _request)
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


def _coordinates(lng, lat) -> Coordinates:
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
        return _coordinates(coords["x"], coords["y"])
    except (KeyError, TypeError, ValueError):
        raise GeocoderUnavailable("Census Geocoder match has no usable coordinates") from None


def parse_batch_response(body: bytes | str) -> dict[str, Coordinates | None]:
    """Rows of a ``locations/addressbatch`` (or ``geographies/addressbatch``) CSV answer:
    id -> (lat, lng) for ``Match`` rows (the 6th field is "lng,lat"), None for ``No_Match``
    and ``Tie``. Rows come back in any order. Raises GeocoderUnavailable if unreadable."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            body = body.decode("latin-1")
    results: dict[str, Coordinates | None] = {}
    try:
        for row in csv.reader(io.StringIO(body)):
            if not row or not any(field.strip() for field in row):
                continue
            if len(row) < 3:
                raise ValueError("short row")
            row_id, status = row[0].strip(), row[2].strip()
            if status == "Match":
                lng, lat = row[5].split(",")
                results[row_id] = _coordinates(lng, lat)
            elif status in ("No_Match", "Tie"):
                results[row_id] = None
            else:
                raise ValueError("unknown match status")
    except (csv.Error, ValueError, IndexError) as exc:
        raise GeocoderUnavailable(f"Census Geocoder batch answer is not readable ({exc})") from None
    return results


# --- Single address ----------------------------------------------------------------


def census_geocode(
    *, street: str, city: str = "", state: str = "", zip: str = "", use_cache: bool = True
) -> Coordinates | None:
    """(lat, lng) of a street address from the Census Geocoder, or None if Census has no match.

    Answers, "no match" included, are cached for 30 days (``use_cache=False`` skips the
    cache). Raises GeocoderUnavailable (retry later; not cached) or GeocoderRejected (HTTP 4xx).
    """
    street_n, city_n, state_n, zip_n = _parts(street, city, state, zip)
    if not street_n:
        raise ValueError("census_geocode needs a street address")
    key = cache_key(street=street, city=city, state=state, zip=zip)
    if use_cache:
        cached = _cache_get(key)
        if cached is not _MISS:
            logger.info("census geocode: cache hit (%s)", "match" if cached else "no match")
            return cached
    params = {"street": street_n, "city": city_n, "state": state_n, "zip": zip_n}
    query = {k: v for k, v in params.items() if v}
    query |= {"benchmark": settings.CENSUS_GEOCODER_BENCHMARK, "format": "json"}
    request = _request("locations/address", query=query, headers={"Accept": "application/json"})
    try:
        coords = parse_geocoder_response(_fetch(request, settings.CENSUS_GEOCODER_TIMEOUT))
    except GeocoderError as exc:
        logger.warning("census geocode failed: %s", type(exc).__name__)
        raise
    logger.info("census geocode: %s", "match" if coords else "no match")
    _cache_set(key, coords)
    return coords


# --- Batch -------------------------------------------------------------------------

BatchRow = Sequence[str] | Mapping[str, str]


def _batch_fields(row: BatchRow) -> tuple[str, str, str, str, str]:
    if isinstance(row, Mapping):
        return row["id"], row.get("street", ""), row.get("city", ""), row.get("state", ""), row.get("zip", "")
    row_id, street, city, state, zip_code = row
    return row_id, street, city, state, zip_code


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = f"----berniecrat{uuid.uuid4().hex}"
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        out.write(content)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _batch_request(rows: list[tuple[str, tuple[str, str, str, str]]], timeout: float) -> dict:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for row_id, parts in rows:  # no header row: Census would geocode it as an address
        writer.writerow([row_id, *parts])
    body, content_type = _multipart(
        {"benchmark": settings.CENSUS_GEOCODER_BENCHMARK},
        {"addressFile": ("addresses.csv", text.getvalue().encode(), "text/csv")},
    )
    request = _request("locations/addressbatch", data=body, headers={"Content-Type": content_type})
    return parse_batch_response(_fetch(request, timeout))


def census_geocode_batch(rows: Iterable[BatchRow], *, use_cache: bool = True, timeout: float | None = None) -> dict:
    """Geocode many addresses with the batch endpoint: ``{id: (lat, lng) | None}``.

    ``rows`` are ``(id, street, city, state, zip)`` tuples or mappings with those keys;
    ids must be unique (compared as strings) and come back as given. Cached answers
    are used and new ones cached, like ``census_geocode``; rows without a street are
    None without a request. Sent in files of at most 10,000 rows. Raises
    GeocoderUnavailable if a file fails or its answer lacks a row (nothing of that file
    is cached), GeocoderRejected for HTTP 4xx.
    """
    if timeout is None:
        timeout = getattr(settings, "CENSUS_GEOCODER_BATCH_TIMEOUT", DEFAULT_BATCH_TIMEOUT)
    results: dict = {}
    pending: list[tuple[str, object, tuple[str, str, str, str], str]] = []
    seen: set[str] = set()
    for row in rows:
        row_id, street, city, state, zip_code = _batch_fields(row)
        sid = str(row_id)
        if sid in seen:
            raise ValueError(f"duplicate batch id {sid!r}")
        seen.add(sid)
        parts = _parts(street, city, state, zip_code)
        if not parts[0]:
            results[row_id] = None
            continue
        key = cache_key(street=street, city=city, state=state, zip=zip_code)
        cached = _cache_get(key) if use_cache else _MISS
        if cached is not _MISS:
            results[row_id] = cached
        else:
            pending.append((sid, row_id, parts, key))
    hits = len(results)
    for start in range(0, len(pending), BATCH_MAX_ROWS):
        chunk = pending[start : start + BATCH_MAX_ROWS]
        try:
            answer = _batch_request([(sid, parts) for sid, _, parts, _ in chunk], timeout)
        except GeocoderError as exc:
            logger.warning("census batch geocode failed: %s", type(exc).__name__)
            raise
        missing = sum(1 for sid, *_ in chunk if sid not in answer)
        if missing:
            raise GeocoderUnavailable(f"Census Geocoder batch answer lacks {missing} of {len(chunk)} rows")
        for sid, row_id, _, key in chunk:
            results[row_id] = answer[sid]
            _cache_set(key, answer[sid])
    matched = sum(1 for v in results.values() if v)
    logger.info(
        "census batch geocode: %d rows, %d matched, %d from cache or without street, %d sent",
        len(results),
        matched,
        hits,
        len(pending),
    )
    return results


# --- Address -> location --------------------------------------------------------------


def locate_address(*, street: str, city: str, state: str, zip: str, zip_row: ZipCode | None = None) -> Location:
    """Best available location of an address (see the module docstring for the rules).

    ``zip_row``: the ZIP's row when the caller has read it already (form validation
    does), so it is not read again. Raises GeocoderUnavailable when Census must be
    asked and cannot be reached.
    """
    if _clean(street):
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
    state_code = _clean(state)
    if row is None or (state_code and row.state != state_code):
        return Location(lat=None, lng=None, quality=Quality.NONE)
    quality = Quality.AMBIGUOUS if row.is_ambiguous else Quality.ZIP
    return Location(lat=row.point.y, lng=row.point.x, quality=quality, cd_geoids=tuple(row.cd_geoids))

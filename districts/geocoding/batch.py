"""The Census batch endpoint: many addresses in one CSV file, answered by a CSV file.

Endpoint (https://geocoding.geo.census.gov/geocoder/Geocoding_Services_API.html)::

    POST {CENSUS_GEOCODER_URL}/locations/addressbatch   (multipart: benchmark, addressFile)
"""

import csv
import io
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings

from .census import (
    MISS,
    Coordinates,
    GeocoderError,
    GeocoderUnavailable,
    address_parts,
    cache_key,
    cache_read,
    cache_write,
    census_fetch,
    census_request,
    checked_coordinates,
)

logger = logging.getLogger(__name__)

BATCH_MAX_ROWS = 10_000
# A batch of 10,000 addresses takes minutes; used when settings has no CENSUS_GEOCODER_BATCH_TIMEOUT.
DEFAULT_BATCH_TIMEOUT = 600.0


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
                results[row_id] = checked_coordinates(lng, lat)
            elif status in ("No_Match", "Tie"):
                results[row_id] = None
            else:
                raise ValueError("unknown match status")
    except (csv.Error, ValueError, IndexError) as exc:
        raise GeocoderUnavailable(f"Census Geocoder batch answer is not readable ({exc})") from None
    return results


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
    request = census_request("locations/addressbatch", data=body, headers={"Content-Type": content_type})
    return parse_batch_response(census_fetch(request, timeout))


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
        parts = address_parts(street, city, state, zip_code)
        if not parts[0]:
            results[row_id] = None
            continue
        key = cache_key(street=street, city=city, state=state, zip=zip_code)
        cached = cache_read(key) if use_cache else MISS
        if cached is not MISS:
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
            cache_write(key, answer[sid])
    matched = sum(1 for v in results.values() if v)
    logger.info(
        "census batch geocode: %d rows, %d matched, %d from cache or without street, %d sent",
        len(results),
        matched,
        hits,
        len(pending),
    )
    return results

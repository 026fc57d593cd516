"""Where boundary files come from: local paths, or Census downloads kept in a cache."""

import http.client
import ipaddress
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from tqdm import tqdm

from .importers import SourceError
from .layers import LEGISLATIVE, LOCAL_LAYERS
from .states import BY_USPS, FIFTY_STATES

# Local layers are fetched for DC too: it has a county equivalent, a place and a school district.
LOCAL_STATES = sorted([*FIFTY_STATES, BY_USPS["DC"]], key=lambda s: s.fips)


def congress_for_tiger_year(year: int) -> int:
    """The Congress whose districts a TIGER/Line release carries (TIGER2026 -> 120th).

    A release carries the districts of the next election: the Congress elected in
    November of an even year ``y`` is number ``(y - 1786) / 2``.
    """
    return (year - year % 2 - 1786) // 2


def census_tiger_urls(year: int, layers: list[str] | None = None, states: set[str] | None = None) -> list[str]:
    """The files of a TIGER/Line release for ``layers`` (default: the three chambers).

    National files (CD, COUNTY) first, then each state's files in FIPS order: SLDU and
    SLDL for the 50 states, COUSUB, PLACE and the school district layers for the 50
    states and DC. ``states`` (USPS codes) narrows the per-state files.
    """
    layers = layers or LEGISLATIVE
    base = f"{settings.DISTRICTS_TIGER_URL.rstrip('/')}/TIGER{year}"
    urls = []
    if "cd" in layers:
        urls.append(f"{base}/CD/tl_{year}_us_cd{congress_for_tiger_year(year)}.zip")
    for spec in LOCAL_LAYERS.values():
        if spec.national and spec.layer in layers:
            urls.append(f"{base}/{spec.tiger_dir}/tl_{year}_us_{spec.file_suffix}.zip")
    for state in LOCAL_STATES:
        if states and state.usps not in states:
            continue
        if state.usps != "DC":
            if "sldu" in layers:
                urls.append(f"{base}/SLDU/tl_{year}_{state.fips}_sldu.zip")
            # Nebraska's legislature has one chamber; Census publishes no SLDL file for it.
            if "sldl" in layers and state.usps != "NE":
                urls.append(f"{base}/SLDL/tl_{year}_{state.fips}_sldl.zip")
        for spec in LOCAL_LAYERS.values():
            if not spec.national and spec.layer in layers:
                urls.append(f"{base}/{spec.tiger_dir}/tl_{year}_{state.fips}_{spec.file_suffix}.zip")
    return urls


def is_optional(url: str) -> bool:
    """Whether ``url`` is a file Census publishes only for some states (elementary, secondary school districts)."""
    name = url.rsplit("/", 1)[-1].lower()
    return any(spec.optional and name.endswith(f"_{spec.file_suffix}.zip") for spec in LOCAL_LAYERS.values())


class NotPublished(SourceError):
    """The server has no such file (HTTP 404)."""


def _allowed(parsed) -> bool:
    # https anywhere; plain http only on this machine (a test server, a local mirror).
    if parsed.scheme == "https":
        return True
    if parsed.scheme != "http" or not parsed.hostname:
        return False
    if parsed.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parsed.hostname).is_loopback
    except ValueError:
        return False


def cache_path(url: str, cache_dir: Path) -> Path:
    parsed = urlparse(url)
    return Path(cache_dir) / (parsed.hostname or "") / parsed.path.lstrip("/")


def fetch(url: str, cache_dir: Path, *, timeout: float = 60, progress_file=None) -> Path:
    """Download ``url`` once into ``cache_dir`` (with a progress bar) and return the local path.

    A download that was cut off is kept as ``<name>.part`` and continued from where it
    stopped (an HTTP Range request) the next time; only a complete file takes the
    final name, so a file in the cache is never fetched again. Raises ``NotPublished``
    on 404 (and remembers it, so a resumed run does not ask again) and ``SourceError``
    on any other failure.
    """
    parsed = urlparse(url)
    if not _allowed(parsed):
        raise SourceError(f"{url}: only https:// URLs (or http:// on this machine) are downloaded")
    target = cache_path(url, cache_dir)
    if target.exists():
        return target
    absent = target.with_name(target.name + ".absent")
    if absent.exists():
        raise NotPublished(f"{url}: not published (HTTP 404, remembered)")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            if have and response.status != 206:
                have = 0  # the server ignored the Range header: start again
            length = int(response.headers.get("Content-Length") or 0)
            with (
                part.open("ab" if have else "wb") as out,
                tqdm(
                    total=(have + length) or None,
                    initial=have,
                    unit="B",
                    unit_scale=True,
                    desc=target.name,
                    leave=False,
                    file=progress_file,
                ) as bar,
            ):
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # asked for bytes past the end: the part is the whole file
            part.replace(target)
            return target
        if exc.code == 404:
            absent.touch()
            raise NotPublished(f"{url}: not published (HTTP 404)") from exc
        raise SourceError(f"{url}: download failed (HTTP {exc.code})") from exc
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError) as exc:
        raise SourceError(f"{url}: download failed ({getattr(exc, 'reason', exc)}); run again to resume") from exc
    if length and part.stat().st_size < have + length:
        raise SourceError(f"{url}: download cut off at {part.stat().st_size} bytes; run again to resume")
    part.replace(target)
    return target

"""Where boundary files come from: local paths, or Census downloads kept in a cache."""

import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from tqdm import tqdm

from .importers import SourceError
from .states import FIFTY_STATES

CENSUS_TIGER = "https://www2.census.gov/geo/tiger"


def congress_for_tiger_year(year: int) -> int:
    """The Congress whose districts a TIGER/Line release carries (TIGER2026 -> 120th).

    A release carries the districts of the next election: the Congress elected in
    November of an even year ``y`` is number ``(y - 1786) / 2``.
    """
    return (year - year % 2 - 1786) // 2


def census_tiger_urls(year: int) -> list[str]:
    """The national CD file and every state's SLDU and SLDL file of a TIGER/Line release."""
    base = f"{CENSUS_TIGER}/TIGER{year}"
    urls = [f"{base}/CD/tl_{year}_us_cd{congress_for_tiger_year(year)}.zip"]
    for state in FIFTY_STATES:
        urls.append(f"{base}/SLDU/tl_{year}_{state.fips}_sldu.zip")
        # Nebraska's legislature has one chamber; Census publishes no SLDL file for it.
        if state.usps != "NE":
            urls.append(f"{base}/SLDL/tl_{year}_{state.fips}_sldl.zip")
    return urls


def fetch(url: str, cache_dir: Path, *, timeout: float = 60) -> Path:
    """Download ``url`` once into ``cache_dir`` (with a progress bar) and return the local path."""
    parsed = urlparse(url)
    if parsed.scheme != "https":
        raise SourceError(f"{url}: only https:// URLs are downloaded")
    target = Path(cache_dir) / parsed.netloc / parsed.path.lstrip("/")
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (https only, checked above)
            total = int(response.headers.get("Content-Length") or 0) or None
            with (
                tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp,
                tqdm(total=total, unit="B", unit_scale=True, desc=target.name, leave=False) as bar,
            ):
                while chunk := response.read(1 << 16):
                    tmp.write(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SourceError(f"{url}: download failed ({getattr(exc, 'reason', exc)})") from exc
    # Only a complete download reaches the cache, so an interrupted one is fetched again.
    shutil.move(tmp.name, target)
    return target

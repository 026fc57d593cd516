"""The one place the public side reads coverage: a snapshot of statuses and figures, never a person.

Everything public (pages, JSON, tiles, share images, the district finder) reads
``public_snapshot()``, which this module builds from the organizer side's count
engine (``coverage``, asked for ``Scope.everywhere()``) through the functions under "Engine" below;
moving to another engine changes those two functions only.

What the public sees, and why:

* a district's **status** only: ``"none"`` (nobody yet), ``"candidate"`` (someone
  wants to run here) or ``"filed"`` (a candidate has filed or is on the ballot).
  Never a count of people in a district: in a small district "2 would-be
  candidates" points at neighbours. Volunteers never change a district's status
  (the organizer side's ``"volunteers"`` status is ``"none"`` here);
* per chamber, nationally and per state: districts covered / total / percent and
  districts with a filed candidate;
* per local lens (``coverage.layers.LENSES``: school boards, city and town
  councils, county offices), nationally and per state: governing units covered
  (someone there wants to run for that office) / total / percent;
* per state and local lens: how many units have each status, and the units with
  nobody yet (layer, GEOID, name), the only ones listed: a state has hundreds of
  towns and school districts, and the page asks visitors to fill the gaps. Their
  status is the chambers' (the engine's rule, ``_PUBLIC_STATUS`` below), from the
  same rebuild;
* national numbers of people only: supporters who want to run and volunteers.

Only **confirmed** sign-ups count (``CoverageFilters(confirmed_only=True)``): a
sign-up nobody confirmed from its mailbox could be anyone typing anything, and
the public map must not be paintable by a script. A supporter therefore shows on
the map once they click the link in their email, at most ``SNAPSHOT_SECONDS`` later.

The snapshot is built at most once per ``SNAPSHOT_SECONDS`` for the whole site
(kept in Redis, shared by every web process) and kept in each process's memory
for ``LOCAL_SECONDS``, so a livestream's traffic costs no database query and
almost no Redis traffic per request. Celery beat rebuilds it every
``REFRESH_SECONDS`` (``public_site.tasks.refresh_snapshot``), off the request path:
at 100,000 sign-ups a rebuild takes about a second, and a request that made it
held every request queued behind its web worker. A request rebuilds it only when
it is ``SNAPSHOT_SECONDS`` old (beat down or late), so the figures' lag stays bounded.
"""

import dataclasses
import logging
import time
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import connection

import coverage
from accounts.scope import Scope
from coverage import CoverageFilters
from coverage.layers import LOCAL, layer
from coverage.summary import coverage_summary_build
from districts.models import Chamber
from districts.states import BY_USPS

logger = logging.getLogger(__name__)

# Public figures are at most this many seconds behind the database. A minute lets a
# livestream's audience watch the map fill in, and costs five queries a minute in all.
SNAPSHOT_SECONDS = 60
# Celery beat rebuilds the snapshot this often, so requests never find it SNAPSHOT_SECONDS old.
REFRESH_SECONDS = SNAPSHOT_SECONDS // 2
# Each web process keeps the snapshot this long before asking Redis again.
LOCAL_SECONDS = 5
# Redis keeps a snapshot this long, so an old one can be served while one process rebuilds it.
KEEP_SECONDS = 15 * 60
# At most one rebuild at a time: another process may try again after this (a rebuild that died).
REBUILD_LOCK_SECONDS = 30
CACHE_PREFIX = "public:snapshot:v3"  # v3: the local units (``Snapshot.local``)

CHAMBERS = (Chamber.SLDL.value, Chamber.SLDU.value, Chamber.CD.value)  # the headline's order
STATUSES = ("none", "candidate", "filed")
# The organizer side's statuses as the public sees them: volunteers do not cover a district.
_PUBLIC_STATUS = {"none": "none", "volunteers": "none", "candidate": "candidate", "filed": "filed"}
FIGURE_KEYS = ("covered", "total", "percent", "filed", "filed_percent")


@dataclasses.dataclass(frozen=True)
class PublicDistrict:
    """One district as the public sees it: where it is and its status, nothing about people."""

    id: int
    chamber: str
    state: str
    geoid: str
    name: str
    status: str


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Public coverage at one moment (``built_at``, UTC). See the module docstring."""

    built_at: datetime
    # {"run": n, "volunteer": n}: the national numbers of people, the only ones shown.
    supporters: dict
    # {chamber: {covered, total, percent, filed, filed_percent}}, districts with a vote.
    chambers: dict
    # [{"state", "name", chamber: figures, ..., "lenses": {lens: figures}}] by USPS code.
    states: list
    # {chamber: [PublicDistrict, ...]} ordered by state and GEOID.
    districts: dict
    # {lens: {covered, total, percent, filed, filed_percent}}: the local offices, nationally.
    lenses: dict = dataclasses.field(default_factory=dict)
    # {state: {lens: {"statuses": {status: units}, "gaps": ((layer, geoid, name), ...)}}}: each
    # local lens's units per public status, and those with nobody yet by name. Tuples, not
    # PublicDistrict: a country has some 50,000 local units, read from Redis by every process.
    local: dict = dataclasses.field(default_factory=dict)

    @property
    def version(self) -> str:
        """Changes with every rebuild: part of cache keys and ETags of what is made from it."""
        return self.built_at.strftime("%Y%m%dT%H%M%S.%f")

    def state(self, code: str) -> dict | None:
        return next((row for row in self.states if row["state"] == code), None)

    def state_districts(self, code: str) -> dict:
        """``{chamber: [PublicDistrict]}`` of one state."""
        return {chamber: [d for d in rows if d.state == code] for chamber, rows in self.districts.items()}

    def state_local(self, code: str) -> dict:
        """``{lens: {"statuses", "gaps"}}`` of one state's local units (empty where none are loaded)."""
        return self.local.get(code, {})

    def status_by_id(self) -> dict[int, str]:
        return self._status_by_id

    def __post_init__(self):
        by_id = {d.id: d.status for rows in self.districts.values() for d in rows}
        object.__setattr__(self, "_status_by_id", by_id)


# --- Engine (the only code that knows how coverage is counted) ------------------------


def _engine_figures() -> dict:
    """Per-chamber and per-state district figures and the national numbers of people."""
    return coverage_summary_build(scope=Scope.everywhere(), filters=CoverageFilters(confirmed_only=True))


def _engine_statuses(chamber: str) -> list[dict]:
    """Every countable district of ``chamber`` (current maps) with the engine's status."""
    return coverage.district_rows(
        scope=Scope.everywhere(),
        filters=CoverageFilters(confirmed_only=True),
        layer_key=chamber,
        fields=("id", "state", "geoid", "name"),
    )


def _engine_local_statuses() -> list[dict]:
    """Every governing local unit (current Census layers) with the engine's status, in one query."""
    return coverage.layers_district_rows(
        scope=Scope.everywhere(),
        filters=CoverageFilters(confirmed_only=True),
        layer_keys=LOCAL,
        fields=("name",),
    )


def public_map_bounds(*, state: str | None, chamber: str) -> tuple:
    """West, south, east, north to fit a map of ``state``'s districts (the contiguous US for the country)."""
    filters = CoverageFilters(states=(state,) if state else ())
    return coverage.coverage_map_bounds(scope=Scope.everywhere(), filters=filters, chamber=chamber)


# --- The snapshot ---------------------------------------------------------------------


def _public_figures(figures: dict) -> dict:
    return {key: figures[key] for key in FIGURE_KEYS}


def _public_local(rows: list[dict]) -> dict:
    """The engine's local units as ``Snapshot.local``: per state and lens, units per public status
    and the gaps (status ``none``) by name."""
    local: dict = {}
    for row in rows:
        public = _PUBLIC_STATUS[row["status"]]
        entry = local.setdefault(row["state"], {}).setdefault(
            layer(row["chamber"]).lens, {"statuses": dict.fromkeys(STATUSES, 0), "gaps": []}
        )
        entry["statuses"][public] += 1
        if public == "none":
            entry["gaps"].append((row["chamber"], row["geoid"], row["name"]))
    for lenses in local.values():
        for entry in lenses.values():
            entry["gaps"] = tuple(sorted(entry["gaps"], key=lambda gap: (gap[2].casefold(), gap[1])))
    return local


def snapshot_build() -> Snapshot:
    """Public coverage computed now: five queries (figures, each chamber's statuses, the local units')."""
    figures = _engine_figures()
    districts = {
        chamber: [
            PublicDistrict(
                id=row["id"],
                chamber=chamber,
                state=row["state"],
                geoid=row["geoid"],
                name=row["name"],
                status=_PUBLIC_STATUS[row["status"]],
            )
            for row in _engine_statuses(chamber)
        ]
        for chamber in CHAMBERS
    }
    return Snapshot(
        built_at=datetime.now(UTC),
        supporters={"run": figures["signups"]["run"], "volunteer": figures["signups"]["volunteer"]},
        chambers={chamber: _public_figures(figures["chambers"][chamber]) for chamber in CHAMBERS},
        states=[
            {
                "state": row["state"],
                "name": BY_USPS[row["state"]].name,
                **{chamber: _public_figures(row[chamber]) for chamber in CHAMBERS},
                "lenses": {key: _public_figures(lens) for key, lens in row["lenses"].items()},
            }
            for row in figures["states"]
        ],
        districts=districts,
        lenses={key: _public_figures(lens) for key, lens in figures["lenses"].items()},
        local=_public_local(_engine_local_statuses()),
    )


def _cache_key() -> str:
    # The database name keeps a demo database's figures apart from the main one's on one Redis.
    return f"{CACHE_PREFIX}:{connection.settings_dict['NAME']}"


# (cache key, monotonic time, snapshot) held by this process; replaced whole, never mutated.
_held: tuple | None = None


def _redis(operation: str, call, default=None):
    try:
        return call()
    except Exception:  # noqa: BLE001 - any Redis failure: carry on without the cache
        logger.warning("public snapshot cache unavailable (%s)", operation, exc_info=True)
        return default


def _rebuilt_if_older(key: str, snapshot: Snapshot | None, seconds: float) -> Snapshot:
    """``snapshot``, or a new one stored in Redis when it is ``seconds`` old or missing and no other
    process is rebuilding it (with nothing to serve meanwhile, rebuilt here regardless)."""
    age = None if snapshot is None else (datetime.now(UTC) - snapshot.built_at).total_seconds()
    if (age is None or age >= seconds) and (
        snapshot is None or _redis("lock", lambda: cache.add(f"{key}:building", 1, REBUILD_LOCK_SECONDS), True)
    ):
        snapshot = snapshot_build()
        _redis("write", lambda: cache.set_many({key: snapshot, f"{key}:version": snapshot.version}, KEEP_SECONDS))
        _redis("unlock", lambda: cache.delete(f"{key}:building"))
    return snapshot


def public_snapshot() -> Snapshot:
    """The current public coverage (see the module docstring for how fresh).

    Normally Celery beat keeps the shared snapshot fresh (``public_snapshot_refresh``). When it
    is ``SNAPSHOT_SECONDS`` old all the same, one process (the one that takes a short Redis lock)
    rebuilds it while the others keep serving the old one, so a livestream's traffic never waits
    on a stampede of rebuilds. A Redis outage costs only the sharing between processes: the
    snapshot is built here and served.
    """
    global _held
    now = time.monotonic()
    held = _held
    key = _cache_key()
    if held is not None and held[0] == key:
        snapshot = held[2]
        if now - held[1] < LOCAL_SECONDS:
            return snapshot
        # Most checks find the snapshot this process holds: compare versions (a few bytes) before
        # reading the whole (about 1 MB, 20 ms to unpickle, at 100,000 sign-ups).
        fresh = (datetime.now(UTC) - snapshot.built_at).total_seconds() < SNAPSHOT_SECONDS
        if fresh and _redis("read", lambda: cache.get(f"{key}:version")) == snapshot.version:
            _held = (key, now, snapshot)
            return snapshot
    snapshot = _rebuilt_if_older(key, _redis("read", lambda: cache.get(key)), SNAPSHOT_SECONDS)
    _held = (key, now, snapshot)
    return snapshot


def public_snapshot_refresh() -> bool:
    """Celery beat, every ``REFRESH_SECONDS``: rebuild the shared snapshot once it is that old, so no
    request has to. True if rebuilt here."""
    key = _cache_key()
    snapshot = _redis("read", lambda: cache.get(key))
    return _rebuilt_if_older(key, snapshot, REFRESH_SECONDS) is not snapshot


def public_snapshot_forget() -> None:
    """Drop the cached snapshot (tests, and after a district reload) so the next read rebuilds it."""
    global _held
    _held = None
    cache.delete_many([_cache_key(), f"{_cache_key()}:version", f"{_cache_key()}:building"])

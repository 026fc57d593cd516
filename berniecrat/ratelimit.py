"""Rate limits for the public sign-up forms and API, counted in Redis (the Django cache's server).

A limit is a rate such as ``"20/minute"`` or ``"5/hour"`` (also ``"100/10m"``) and a
scope; each request counts against ``(scope, who)`` in a fixed time window, with one
``INCR`` + ``EXPIRE`` round trip. ``who`` is an IP address (IPv6 counted per /64,
which one subscriber usually holds whole) or an email address; either is
HMAC-hashed with the secret key before it becomes part of a Redis key, so the
counters hold no personal data.

Settings (from the environment, see ``settings.base``): ``RATELIMIT_ENABLE`` (``0``
turns every limit off, e.g. for load tests), the rates, and
``TRUSTED_PROXY_COUNT``: how many reverse proxies of ours stand in front of
the site and append to ``X-Forwarded-For``. The client address is then the one
that many entries from the right; with 0 (the default) the header is ignored and
``REMOTE_ADDR`` used, since anyone can send that header.

Redis being down or slow never refuses or delays a sign-up: the limiter then lets
the request through and logs a warning (the cache's socket timeouts bound the wait).
"""

import ipaddress
import logging
import re
import time
import weakref
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """``"30/minute"`` -> Rate(30, 60); ``"100/10m"`` -> Rate(100, 600)."""
        match = _RATE.match(text or "")
        if not match:
            raise ValueError(f"not a rate: {text!r} (expected e.g. '30/minute' or '100/10m')")
        count, multiplier, unit = match.groups()
        return cls(int(count), int(multiplier or 1) * _UNITS[unit.lower()])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window resets (when refused)


ALLOWED = Verdict(True)


def enabled() -> bool:
    return bool(settings.RATELIMIT_ENABLE)


def client_ip(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or the entry ``TRUSTED_PROXY_COUNT``
    places from the right of ``X-Forwarded-For`` when our own proxies stand in front.

    Each trusted proxy appends the address it got the request from, so entries further
    left were written by the client (and may be forged); a header with fewer entries
    than proxies, or an entry that is no address, falls back to ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote


def client_bucket_of(ip: str) -> str:
    """What a limit counts an address as: itself, an IPv6 address's /64, a mapped IPv4 as IPv4."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip or "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _key(scope: str, who: str, window: int) -> str:
    digest = salted_hmac("berniecrat.ratelimit", who.strip().lower()).hexdigest()[:32]
    # "throttle_" like DRF's throttle keys: the test suite clears these between tests.
    return cache.make_key(f"throttle_{scope}_{digest}_{window}")


def hit(scope: str, who: str, rate: str | Rate) -> Verdict:
    """Count one request of ``who`` under ``scope``; refused once over ``rate`` in this window."""
    if not enabled():
        return ALLOWED
    rate = rate if isinstance(rate, Rate) else Rate.parse(rate)
    now = time.time()
    window = int(now // rate.seconds)
    key = _key(scope, who, window)
    try:
        count = _incr(key, rate.seconds + 1)
    except Exception as exc:  # noqa: BLE001 - any Redis failure: let the sign-up in
        logger.warning("rate limit %s not counted: Redis unavailable (%s)", scope, exc.__class__.__name__)
        return ALLOWED
    if count > rate.count:
        return Verdict(False, retry_after=max(1, int((window + 1) * rate.seconds - now) + 1))
    return ALLOWED


# One Redis client per cache connection: Django's ``get_client`` makes a new ``Redis`` object (over
# the same pool) for every call, which cost more than the round trip itself on the sign-up path.
_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _redis(key: str):
    """The Redis client of the cache (``django.core.cache.backends.redis``), or None for another cache."""
    backend = getattr(cache, "_cache", None)
    if not hasattr(backend, "get_client"):
        return None
    client = _clients.get(backend)
    if client is None:
        client = _clients[backend] = backend.get_client(key, write=True)
    return client


def _incr(key: str, ttl: int) -> int:
    client = _redis(key)
    if client is not None:  # one round trip
        pipe = client.pipeline()
        pipe.incr(key)
        pipe.expire(key, ttl)
        return pipe.execute()[0]
    # Any other cache (no Redis at hand): add-then-incr, good enough for one process.
    cache.add(key, 0, ttl, version=None)
    return cache.incr(key, version=None)


def hit_ip(scope: str, request, rate: str | Rate) -> Verdict:
    return hit(f"{scope}_ip", client_bucket_of(client_ip(request)), rate)


def hit_email(scope: str, email: str, rate: str | Rate) -> Verdict:
    return hit(f"{scope}_email", email, rate)


def first_use(scope: str, value: str, ttl: int) -> bool:
    """True the first time ``value`` is offered under ``scope`` within ``ttl`` seconds, False after
    (a form's time-trap token works once). Like the limits: off with ``RATELIMIT_ENABLE=0``,
    and True when Redis cannot answer (a sign-up is never refused for our outage)."""
    if not enabled():
        return True
    key = _key(scope, value, 0)
    try:
        client = _redis(key)
        if client is not None:
            return bool(client.set(key, 1, nx=True, ex=ttl))
        return cache.add(key, 1, ttl, version=None)
    except Exception as exc:  # noqa: BLE001 - any Redis failure: let the sign-up in
        logger.warning("%s not checked: Redis unavailable (%s)", scope, exc.__class__.__name__)
        return True

"""Rate limits for the public sign-up forms and API, counted in Redis (the Django cache's server).

A limit is a rate such as ``"20/minute"`` or ``"5/hour"`` (also ``"100/10m"``) and a
scope; each request counts against ``(scope, who)`` in a fixed time window, with one
``INCR`` + ``EXPIRE`` per limit, all of a request's limits in one round trip (``hit_all``).
``who`` is an IP address (IPv6 counted per /64, which one subscriber usually holds
whole) or an email address; either is HMAC-hashed with the secret key before it
becomes part of a Redis key, so the counters hold no personal data.

Settings (from the environment, see ``settings.base``): ``RATELIMIT_ENABLE`` (``0``
turns every limit off, e.g. for load tests), the rates, and
``TRUSTED_PROXY_COUNT``: how many reverse proxies of ours stand in front of
the site and append to ``X-Forwarded-For``. The client address is then the one
that many entries from the right; with 0 (the default) the header is ignored and
``REMOTE_ADDR`` used, since anyone can send that header.

Redis being down or slow never refuses or delays a sign-up: the limiter then lets
the request through and logs a warning (the cache's socket timeouts bound the wait).
"""

import functools
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


# A limit to count a request against: (scope, who, rate).
Limit = tuple[str, str, str | Rate]


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> Rate:
    return Rate.parse(text)


def hit(scope: str, who: str, rate: str | Rate) -> Verdict:
    """Count one request of ``who`` under ``scope``; refused once over ``rate`` in this window."""
    return hit_all((scope, who, rate))[1]


def hit_all(*limits: Limit) -> tuple[int | None, Verdict]:
    """Count one request against each limit in turn, in one Redis round trip: ``(i, refused verdict)``
    for the first limit it is over (those after it are then not counted, as when checked one by one),
    ``(None, ALLOWED)`` when it is over none."""
    if not enabled():
        return None, ALLOWED
    now = time.time()
    counted = []  # (key, rate, window) of each limit
    for scope, who, rate in limits:
        rate = rate if isinstance(rate, Rate) else _parsed(rate)
        window = int(now // rate.seconds)
        counted.append((_key(scope, who, window), rate, window))
    try:
        over = _count(counted)
    except Exception as exc:  # noqa: BLE001 - any Redis failure: let the sign-up in
        scopes = ", ".join(scope for scope, _who, _rate in limits)
        logger.warning("rate limit %s not counted: Redis unavailable (%s)", scopes, exc.__class__.__name__)
        return None, ALLOWED
    if over is None:
        return None, ALLOWED
    _, rate, window = counted[over]
    return over, Verdict(False, retry_after=max(1, int((window + 1) * rate.seconds - now) + 1))


# One Redis client per cache connection: Django's ``get_client`` makes a new ``Redis`` object (over
# the same pool) for every call, which cost more than the round trip itself on the sign-up path.
_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_scripts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# KEYS: the counters in order; ARGV: each one's limit and time to live. Returns the 1-based index of the
# first counter over its limit (the rest untouched), or 0. One EVALSHA, where a pipeline of INCR and
# EXPIRE per limit cost redis-py four commands to pack and parse per limit (MULTI ... EXEC).
_COUNT_SCRIPT = """
for i, key in ipairs(KEYS) do
    local count = redis.call('INCR', key)
    redis.call('EXPIRE', key, ARGV[2 * i])
    if count > tonumber(ARGV[2 * i - 1]) then
        return i
    end
end
return 0
"""


def _redis(key: str):
    """The Redis client of the cache (``django.core.cache.backends.redis``), or None for another cache."""
    backend = getattr(cache, "_cache", None)
    if not hasattr(backend, "get_client"):
        return None
    client = _clients.get(backend)
    if client is None:
        client = _clients[backend] = backend.get_client(key, write=True)
    return client


def _count(counted: list[tuple[str, Rate, int]]) -> int | None:
    """Count each key in turn up to the first over its rate (its index), or None."""
    client = _redis(counted[0][0])
    if client is not None:  # one round trip
        script = _scripts.get(client)
        if script is None:
            # redis-py's Script sends EVALSHA and loads the script again after a Redis restart.
            script = _scripts[client] = client.register_script(_COUNT_SCRIPT)
        args = [value for _, rate, _window in counted for value in (rate.count, rate.seconds + 1)]
        over = script(keys=[key for key, _rate, _window in counted], args=args)
        return over - 1 if over else None
    # Any other cache (no Redis at hand): add-then-incr, good enough for one process.
    for i, (key, rate, _window) in enumerate(counted):
        cache.add(key, 0, rate.seconds + 1, version=None)
        if cache.incr(key, version=None) > rate.count:
            return i
    return None


def ip_limit(scope: str, request, rate: str | Rate) -> Limit:
    """The per-address limit of ``scope`` for this request's client (for ``hit_all``)."""
    return (f"{scope}_ip", client_bucket_of(client_ip(request)), rate)


def email_limit(scope: str, email: str, rate: str | Rate) -> Limit:
    """The per-email limit of ``scope`` (for ``hit_all``)."""
    return (f"{scope}_email", email, rate)


def hit_ip(scope: str, request, rate: str | Rate) -> Verdict:
    return hit(*ip_limit(scope, request, rate))


def hit_email(scope: str, email: str, rate: str | Rate) -> Verdict:
    return hit(*email_limit(scope, email, rate))


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

"""The one cache of coverage figures (the summary, the map tiles): Redis, and never needed.

Nothing invalidates a cached answer when people sign up: its key holds everything
that decides it (the asker's ``Scope``, the filters, what was asked), so it is never
shown to someone who may not see it, and it is at most ``SECONDS`` behind. During a
livestream an answer per scope and filter set is computed at most once a minute,
however often the pages are reloaded; a minute's lag in a percentage is harmless.

A Redis outage costs only the cache: the answer is computed and served (logged as a
warning), so the dashboard, the API and the map keep working without Redis.
"""

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection

from accounts.scope import Scope

from .filters import CoverageFilters

logger = logging.getLogger(__name__)

SECONDS = 60
PREFIX = "coverage:v4"


def cache_key(kind: str, *, scope: Scope, filters: CoverageFilters, part: str = "") -> str:
    """The key of one answer. The database name keeps a demo database's figures apart from the
    main one's when both share a Redis."""
    database = connection.settings_dict["NAME"]
    return f"{PREFIX}:{database}:{kind}:{part}:{scope.key()}:{filters.cache_key()}"


def cached(key: str, build: Callable[[], object], seconds: int = SECONDS):
    """``build()``'s answer, from Redis when it holds one for ``key``; kept there ``seconds``."""
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - any Redis failure: compute instead
        logger.warning("coverage cache unavailable (read)", exc_info=True)
        value = None
    if value is not None:
        return value
    value = build()
    try:
        cache.set(key, value, seconds)
    except Exception:  # noqa: BLE001
        logger.warning("coverage cache unavailable (write)", exc_info=True)
    return value

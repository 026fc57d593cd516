"""Per-process memory of reference data: answers that depend only on what a loader wrote
(ZIP codes, district boundaries) and that every sign-up asks for again.

Reading a ZIP code and the districts of its centre costs two queries (about 2 ms) per
sign-up and per finder search, and during a livestream most of them name the same few
thousand ZIP codes. A function decorated with ``remembered`` keeps each answer in the
process for ``REFERENCE_MEMORY_SECONDS`` (default 300). A loader calls
``forget_reference_data`` when its transaction commits, so its own process answers with
the new data at once; other processes (web workers, intake workers) do within that
many seconds, as they would see a new boundary file only after it has loaded anyway.
Answers are shared between callers: they must be treated as read-only.

``per_thread`` keeps what a class builds once and its instances share within a thread (the
fields of the sign-up form and serializer, which Django and DRF would copy for every request).
"""

import functools
import threading
import time

from django.conf import settings

_stores: list[dict] = []
_lock = threading.Lock()


def remembered(*, maxsize: int):
    """Decorate a function of hashable positional arguments whose answer depends only on reference
    data; at most ``maxsize`` answers are kept (the oldest goes first)."""

    def decorate(func):
        store: dict = {}
        _stores.append(store)

        @functools.wraps(func)
        def wrapper(*args):
            now = time.monotonic()
            held = store.get(args)
            if held is not None and held[0] > now:
                return held[1]
            value = func(*args)
            with _lock:
                while len(store) >= maxsize:
                    store.pop(next(iter(store)))
                store[args] = (now + settings.REFERENCE_MEMORY_SECONDS, value)
            return value

        return wrapper

    return decorate


def forget_reference_data() -> None:
    """Drop every remembered answer of this process (after loading ZIP codes or districts)."""
    with _lock:
        for store in _stores:
            store.clear()


_per_thread = threading.local()


def per_thread(key, build):
    """``build()``'s answer for ``key``, made once per process and thread and then shared by that
    thread's callers (never by another thread's: what it builds need not be thread-safe)."""
    built = _per_thread.__dict__
    if key not in built:
        built[key] = build()
    return built[key]

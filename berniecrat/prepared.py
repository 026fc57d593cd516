"""SQL-level prepared statements: the hottest reads planned once per database connection.

For a short statement that runs on every request, PostgreSQL's planning can cost as much
as running it (the call queue's "next person", the district lookup behind every sign-up
and every finder search: ``bench/findings.md``). ``PREPARE`` plans it once per
connection; each request then sends only ``EXECUTE name (...)`` with its values.

A prepared statement lasts as long as its connection (``CONN_MAX_AGE``) and survives a
rolled-back transaction; a new connection prepares again. PgBouncer in transaction mode
would hand the ``EXECUTE`` to another server connection: use session mode for the web's pool.
"""

import weakref
from collections.abc import Callable, Iterable

from django.db import connection

# The names prepared on each database connection (psycopg2's object: a reconnect starts empty).
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def prepared(cursor, name: str, types: Iterable[str], sql: Callable[[], str]) -> str:
    """``name`` prepared on ``cursor``'s connection (``sql()`` is built only the first time; it
    takes its values as ``$1``, ``$2``, ... of ``types``); returns ``name`` for ``EXECUTE``."""
    done = _prepared.setdefault(connection.connection, set())
    if name not in done:
        cursor.execute(f"PREPARE {name} ({', '.join(types)}) AS {sql()}")
        done.add(name)
    return name

"""SQL-level prepared statements: the hottest reads planned once per database connection.

For a short statement that runs on every request, PostgreSQL's planning can cost as much
as running it (the call queue's "next person", the district lookup behind every sign-up
and every finder search: ``bench/findings.md``). ``PREPARE`` plans it once per
connection; each request then sends only ``EXECUTE name (...)`` with its values.

A prepared statement lasts as long as its connection (``CONN_MAX_AGE``) and survives a
rolled-back transaction; a new connection prepares again. PgBouncer in transaction mode
would hand the ``EXECUTE`` to another server connection: use session mode for the web's pool.

Preparing alone does not stop the planning: under ``plan_cache_mode = auto`` PostgreSQL plans
the first five executions for their values, then keeps doing so whenever the generic plan's
estimated cost is above the average custom one -- as it is for the call queue's "next person"
(1.4-1.6 ms of planning on every ask for 0.5-1.0 ms of running it; bench/findings.md, section 8).
``GENERIC_PLAN`` put before an ``EXECUTE`` (one query string: the two run as one implicit
transaction, so ``SET LOCAL`` ends with it) makes that execution take the generic plan.
"""

import weakref
from collections.abc import Callable, Iterable

from django.db import connection

# Put before ``EXECUTE name (...)`` in the same query string: this execution uses the generic plan
# (planned once per connection) and the connection's setting is left as it was.
GENERIC_PLAN = "SET LOCAL plan_cache_mode = force_generic_plan; "

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

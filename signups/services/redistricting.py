"""After new maps: every located sign-up resolved again against the current districts.

``signups_reassign_districts`` (``manage.py reassign_districts``) finds everyone's
districts in one spatial join into a temporary table, counts the rows whose districts
change, then writes them one of two ways:

* **in place** (few rows change, as when one chamber's new map moves a few people):
  one ``UPDATE ... FROM`` the table, under a lock that waits for the sign-up table's
  writers and keeps them out until the commit; readers go on;
* **in bulk** (at least ``BULK_SHARE`` of the rows change, as after a first load of
  every local layer): the bulk-load technique of PostgreSQL's "Populating a Database".
  Under an exclusive lock the table's secondary indexes (all but one, ``_hot_blocker``)
  and the foreign keys of the changing columns are dropped, the rows written, and each
  index and key created again
  from its own catalogue definition (``pg_get_indexdef``, ``pg_get_constraintdef``:
  the same names and definitions, so the schema Django knows is unchanged), all in one
  transaction: no one ever sees the table without them, and a failure rolls back to the
  table as it was. Writing a row whose every index takes a new entry and whose every
  changed key queues a check costs more than building an index or checking a key once
  over the whole table, as soon as a large share of the rows change (bench/redistricting.py).

What the exclusive lock stops, for the seconds it is held (4-7 s at 100,000
sign-ups): every read and write of the sign-up table (the organizer pages and API, a
supporter's confirmation click, the intake workers' inserts) waits for the commit;
nothing is refused unless it waits longer than its own timeout. The public sign-up
door is not among them: the form (``views.py``) and the API (``api/intake.py``) write one
``Submission`` row (``services/intake.py``, ``submission_create``) and never touch the
sign-up table, so sign-ups keep being taken while this runs and the intake workers catch
up after. When the lock cannot be had within ``LOCK_TIMEOUT`` (a long read), the rows
are written in place instead.
"""

import logging
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction

from districts.models import District
from districts.selectors import district_hits_sql, layer_columns_sql

from ..models import DISTRICT_LAYERS, SignUp
from ..signals import signups_rewritten

logger = logging.getLogger(__name__)

# From this share of the located sign-ups changing districts on, rebuild instead of
# writing in place. Measured at 100,000 sign-ups, nine layers (bench/redistricting.py),
# the writing alone, on the shared 2-core machine: every layer of every row changing, in
# place 12-13 s (half of it the deferred foreign key checks, one per changed key per row)
# and in bulk 5-6.5 s (building 15 indexes about 3 s, checking 9 keys 2 s); only ``cd``
# changing, 5.4-6 s and 4.2 s. (Finding the districts: 5-6 s either way.)
# The rebuild costs the whole table whatever changes, so the two meet near half; below
# it, in place also spares the readers the exclusive lock.
BULK_SHARE = 0.5
# How long to wait for the table lock: a long read in progress would otherwise make
# every later request queue behind this one (PostgreSQL's lock queue is first come,
# first served). Waiting longer than this falls back to (bulk) or fails (in place).
LOCK_TIMEOUT = "10s"

TABLE = SignUp._meta.db_table
COLUMNS = [SignUp._meta.get_field(layer).column for layer in DISTRICT_LAYERS]


@dataclass
class ReassignResult:
    checked: int  # located sign-ups resolved against the current maps
    changed: int  # of those, rows written: new districts (or never resolved before)
    bulk: bool = False  # written in bulk (indexes and keys rebuilt), not in place


# The join measured in bench/redistricting.py (``districts.selectors.district_hits_sql``). One
# statement, so PostgreSQL walks the districts' small pieces and probes the sign-ups' GiST index,
# preparing each piece once for all the points in it. The sign-up table is named where it is
# read rather than read once through a CTE: a materialised CTE would hide that index
# (13.4 s instead of 4.7 s at 100,000 sign-ups). NULL where a point lies in no district of a layer.
_FOUND_SQL = """
    CREATE TEMPORARY TABLE reassign_found AS
    WITH hits AS ({hits})
    SELECT l.id, l.location, {found_columns}
    FROM {signups} l LEFT JOIN hits h ON h.key = l.id
    WHERE l.location IS NOT NULL
    GROUP BY l.id
"""

# Rows to write: never resolved, or resolved to other districts. Unchanged rows are not
# written, so ``districts_assigned_at`` says when a sign-up's districts last changed.
_DIFFERENT = "({stored}) IS DISTINCT FROM ({computed})"
_CHANGED = f"(s.districts_assigned_at IS NULL OR {_DIFFERENT})"

# ``s.location = f.location``: a sign-up that moved since the join was placed at its new
# address by its own save; the answer computed here is stale, so it is left alone.
_UPDATE_SQL = """
    UPDATE {signups} s SET {assignments}, districts_assigned_at = now()
    FROM reassign_found f
    WHERE s.id = f.id AND {changed} AND s.location = f.location
"""


def _sql(template: str, **extra: str) -> str:
    return template.format(
        signups=TABLE,
        stored=", ".join(f"s.{c}" for c in COLUMNS),
        computed=", ".join(f"f.{c}" for c in COLUMNS),
        assignments=", ".join(f"{c} = f.{c}" for c in COLUMNS),
        **extra,
    )


def _find(cursor) -> tuple[int, int, list[str]]:
    """Everyone's current districts into ``reassign_found``; returns (checked, changing, changing columns)."""
    hits, params = district_hits_sql(rows=TABLE, key="id", location="location")
    found, layers = layer_columns_sql("h")
    cursor.execute(_FOUND_SQL.format(signups=TABLE, hits=hits, found_columns=found), [*params, *layers])
    differs = ", ".join(f"count(*) FILTER (WHERE s.{c} IS DISTINCT FROM f.{c})" for c in COLUMNS)
    cursor.execute(
        _sql(
            "SELECT (SELECT count(*) FROM reassign_found), count(*), {differs}"
            " FROM reassign_found f JOIN {signups} s ON s.id = f.id WHERE {changed}",
            differs=differs,
            changed=_sql(_CHANGED),
        )
    )
    checked, changing, *per_column = cursor.fetchone()
    return checked, changing, [c for c, n in zip(COLUMNS, per_column, strict=True) if n]


def _lock(cursor, mode: str, *tables: str) -> bool:
    """Take these table locks in this order within ``LOCK_TIMEOUT``; False (and none taken) if not."""
    cursor.execute("SELECT current_setting('lock_timeout')")
    (before,) = cursor.fetchone()
    try:
        with transaction.atomic():  # a savepoint: a timeout leaves the transaction usable
            cursor.execute("SET LOCAL lock_timeout = %s", [LOCK_TIMEOUT])
            for table in tables:
                cursor.execute(f"LOCK TABLE {table} IN {mode} MODE")
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) != "55P03":  # lock_not_available
            raise
        return False
    return True


def _hot_blocker(cursor, columns: list[str]) -> str | None:
    """The smallest secondary index holding every one of ``columns`` (as a key or included), if any.

    Kept through a bulk write so that no row of it is a HOT update (PostgreSQL writes a
    row in place of itself, without new index entries, when no indexed column changes):
    an index built over a HOT chain this transaction made would be marked ``indcheckxmin``
    and left unused by every snapshot older than this transaction's commit, the
    organizer pages falling back to reading the whole table until the last such
    snapshot ends. With it kept, every written row is a new version outside any chain.
    (PostgreSQL still holds an index back when the build meets another transaction's recent
    HOT update that a snapshot open somewhere on the server may see: then only until the
    transactions open at this commit have ended, seconds unless one is left open.)
    """
    cursor.execute(
        """SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
             AND ARRAY(SELECT a.attname::text FROM pg_attribute a
                       WHERE a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)) @> %s::text[]
           ORDER BY pg_relation_size(i.oid), i.relname LIMIT 1""",
        [TABLE, columns],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def _rebuildables(cursor, columns: list[str], keep: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(name, definition) of the table's secondary indexes but ``keep`` (not those behind a
    constraint or the primary key) and of its foreign keys on ``columns``, as the catalogue holds them."""
    cursor.execute(
        """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND i.relname <> %s
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
           ORDER BY i.relname""",
        [TABLE, keep],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        """SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
           WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND a.attname = ANY (%s)
           ORDER BY c.conname""",
        [TABLE, columns],
    )
    return indexes, cursor.fetchall()


def _write_in_bulk(cursor, columns: list[str], keep: str) -> int:
    """Drop the secondary indexes but ``keep`` and the changing columns' keys, write the rows
    whose districts differ, build the indexes and keys again; returns the rows written."""
    indexes, keys = _rebuildables(cursor, columns, keep)
    # PostgreSQL alters no table with checks still pending on it: those a caller's
    # transaction queued (``seed_demo`` inserts, then reassigns) run now, and the keys,
    # all DEFERRABLE INITIALLY DEFERRED as Django declares them, are deferred again after.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    for name, _definition in keys:
        cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
    # Only rows whose districts differ: each changes a column of ``keep`` (no HOT update).
    # The table's user triggers (``coverage``'s rollups) are off for this statement: keeping
    # their tables in step row by row would copy every changed row twice into transition
    # tables; ``signups_rewritten``'s receivers rebuild them once from the written table.
    cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
    cursor.execute(_sql(_UPDATE_SQL, changed=_sql(_DIFFERENT)))
    written = cursor.rowcount
    cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
    signups_rewritten.send(sender=SignUp)
    # Room for each index's sort in memory (this transaction only).
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in keys:  # checked once here, over the whole table
        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return written


def signups_reassign_districts(*, bulk_share: float = BULK_SHARE) -> ReassignResult:
    """Re-resolve every located sign-up against the current boundary sets (after redistricting).

    Only rows whose districts change are written (in place, or in bulk from
    ``bulk_share`` of the located sign-ups on; see the module docstring). Every
    located sign-up is checked; ``checked`` counts them.

    No lost update and no deadlock with the intake workers or anyone else: both ways
    take a table lock before writing any row (in bulk, the districts' first, as adding
    a foreign key to them would), so no other transaction holds a row this one will
    write, and rows written meanwhile are read again at their newest version.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        # Room for the join's sort and hash in memory (this transaction only). (No JIT either,
        # as on every connection of the app: compiling the join took 0.6 s of 4.8 s at 100,000.)
        cursor.execute("SET LOCAL work_mem = '64MB'")
        checked, changing, columns = _find(cursor)
        keep = _hot_blocker(cursor, columns) if columns and changing >= bulk_share * checked else None
        bulk = keep is not None and _lock(cursor, "SHARE ROW EXCLUSIVE", District._meta.db_table)
        bulk = bulk and _lock(cursor, "ACCESS EXCLUSIVE", TABLE)
        changed = _write_in_bulk(cursor, columns, keep) if bulk else 0
        if changing > changed:  # in place; in bulk, the rows never resolved whose districts are none
            if not bulk and not _lock(cursor, "SHARE ROW EXCLUSIVE", TABLE):
                raise OperationalError(f"reassign_districts: {TABLE} stayed locked for {LOCK_TIMEOUT}; run it again")
            cursor.execute(_sql(_UPDATE_SQL, changed=_sql(_CHANGED)))
            changed += cursor.rowcount
        # Dropped here, not ON COMMIT: a caller's transaction (``seed_demo``) may call again.
        cursor.execute("DROP TABLE reassign_found")
    logger.info("reassigned districts: %d sign-ups checked, %d changed%s", checked, changed, " (bulk)" * bulk)
    return ReassignResult(checked=checked, changed=changed, bulk=bulk)

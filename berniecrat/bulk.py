"""Many new rows in one INSERT without the ORM's per-value preparation (the intake's batches).

``bulk_create`` prepares every value of every row through its field (``get_db_prep_save``)
and compiles a placeholder for each: for a batch of 1,000 sign-ups of 40 columns that took
four times as long as the INSERT itself (``bench/findings.md``). ``insert_rows`` hands the
values to psycopg2 as they are (it adapts strings, numbers, booleans, times and lists in C),
one ``VALUES`` row per object (quoted by psycopg2), and a geometry as its WKB. A field of any other type is
prepared by the field itself, as ``bulk_create`` would.
"""

from django.contrib.gis.db.models import GeometryField
from django.db import connection
from psycopg2 import Binary

# Internal types whose Python value psycopg2 adapts to the column as it is.
_AS_IS = {
    "ArrayField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateTimeField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def _geometry(field):
    def value(geometry):
        if geometry is None:
            return None
        if geometry.srid not in (None, field.srid):  # the ORM would transform it; this does not
            raise ValueError(f"{field.name}: SRID {geometry.srid}, the column's is {field.srid}")
        return Binary(bytes(geometry.wkb))

    return value


def insert_columns(model) -> list[tuple]:
    """(field, column, placeholder, value function or None) for every column an INSERT of ``model`` writes
    (every one but the primary key); None where psycopg2 adapts the Python value as it is."""
    columns = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue  # the database's identity
        if isinstance(field, GeometryField):
            columns.append((field, field.column, f"ST_SetSRID(ST_GeomFromWKB(%s), {field.srid})", _geometry(field)))
        elif field.get_internal_type() in _AS_IS:
            columns.append((field, field.column, "%s", None))
        else:
            columns.append((field, field.column, "%s", lambda value, f=field: f.get_db_prep_save(value, connection)))
    return columns


def insert_rows(objs: list) -> None:
    """INSERT unsaved model instances (one model) in one statement and set their primary keys.

    Like ``bulk_create`` without signals or conflict handling: ``auto_now`` and
    ``auto_now_add`` fields are stamped, defaults are what the instances were made with.
    """
    if not objs:
        return
    model = type(objs[0])
    columns = insert_columns(model)
    rows = []
    for obj in objs:
        row = []
        for field, _column, _placeholder, prepare in columns:
            value = field.pre_save(obj, add=True)
            row.append(prepare(value) if prepare else value)
        rows.append(row)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for _field, column, _p, _f in columns)
    pk = connection.ops.quote_name(model._meta.pk.column)
    template = f"({', '.join(placeholder for _f, _c, placeholder, _v in columns)})"
    with connection.cursor() as cursor:
        # psycopg2 quotes each row (``mogrify``); the statement still goes through Django's
        # cursor, so its errors are Django's and it is logged and counted like any other.
        values = b", ".join(cursor.cursor.mogrify(template, row) for row in rows).decode()
        cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values} RETURNING {pk}")  # noqa: S608
        ids = cursor.fetchall()
    for obj, (pk_value,) in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding, obj._state.db = False, connection.alias

"""The two rows every signed-in request reads (its session, its user), by SQL written once per process.

Django's ORM builds and compiles a query each time it runs: for these two reads, about
0.15 ms of Python each, as much as PostgreSQL takes to answer them. They never change
shape, so their SQL is written once, from the models' own table and column names, and run
through ``raw()``, which gives the same model instances (``accounts.sessions``,
``accounts.backends``).
"""

import functools

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection

# The attribute the user read by ``user_row`` carries: whether they have a TOTP authenticator.
TOTP_ANNOTATION = "totp_set_up"


def _columns(model, alias: str) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


# Only the models' own table and column names, quoted, are put in the SQL; every value is a parameter.
@functools.cache
def _session_sql() -> str:
    table = connection.ops.quote_name(Session._meta.db_table)
    where = "s.session_key = %s AND s.expire_date > %s"
    return f"SELECT {_columns(Session, 's')} FROM {table} s WHERE {where}"  # noqa: S608


@functools.cache
def _user_sql() -> str:
    user_model = get_user_model()
    quote = connection.ops.quote_name
    pk = quote(user_model._meta.pk.column)
    authenticators = quote(Authenticator._meta.db_table)
    totp = f"EXISTS (SELECT 1 FROM {authenticators} a WHERE a.user_id = u.{pk} AND a.type = %s)"  # noqa: S608
    table = quote(user_model._meta.db_table)
    columns = f"{_columns(user_model, 'u')}, {totp} AS {TOTP_ANNOTATION}"
    return f"SELECT {columns} FROM {table} u WHERE u.{pk} = %s"  # noqa: S608


def session_row(*, session_key: str, now) -> Session | None:
    """The session ``session_key`` unless it expired by ``now``, as ``Session.objects.get`` reads it."""
    return next(iter(Session.objects.raw(_session_sql(), [session_key, now])), None)


def user_row(*, user_id):
    """The user ``user_id`` (already the primary key's type, as ``django.contrib.auth.get_user`` gives it)
    or None, with ``TOTP_ANNOTATION``: whether they have a TOTP authenticator, read in the same query."""
    user_model = get_user_model()
    return next(iter(user_model._default_manager.raw(_user_sql(), [Authenticator.Type.TOTP.value, user_id])), None)

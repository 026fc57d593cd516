"""Sign-ups over time: per day or hour, candidates and volunteers counted as the coverage counts them.

Read from the activity rollup (``coverage.rollup``) when it can answer, else from the sign-ups.
"""

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import DateTimeField, Func
from django.utils import timezone

from accounts.scope import Scope

from . import rollup
from .engine import execute_count
from .filters import CoverageFilters
from .people import coverage_candidates, coverage_people, coverage_volunteers


class _QuarterHour(Func):
    """The quarter hour (UTC) a time falls in. Every time zone's offset is a whole number of
    quarter hours, so each quarter lies in one local hour and one local day."""

    template = "date_bin('15 minutes', %(expressions)s, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
    output_field = DateTimeField()


def _quarters(*, scope: Scope, filters: CoverageFilters, start, end) -> tuple[list[str], list]:
    """SQL of everyone's, the candidates' and the volunteers' quarter hours (one flag column each)."""
    parts, params = [], []
    for people, column in (
        (coverage_people(scope=scope, filters=filters), "total"),
        (coverage_candidates(scope=scope, filters=filters), "run"),
        (coverage_volunteers(scope=scope, filters=filters), "volunteer"),
    ):
        if start is not None:
            people = people.filter(created_at__gte=start)
        if end is not None:
            people = people.filter(created_at__lt=end)
        try:
            sql, sql_params = (
                people.order_by().annotate(period=_QuarterHour("created_at")).values("period").query.sql_with_params()
            )
        except EmptyResultSet:
            continue
        flags = ", ".join(f"{int(name == column)} AS {name}" for name in ("total", "run", "volunteer"))
        parts.append(f"SELECT period, {flags} FROM ({sql}) AS {column}_periods")  # noqa: S608
        params.extend(sql_params)
    return parts, params


def _live_quarters(*, scope: Scope, filters: CoverageFilters, start, end) -> tuple[str, list] | None:
    """SQL of ``(quarter, total, run, volunteer)`` from the sign-ups: everyone, the candidates and
    the volunteers, one pass each, summed per quarter hour; None when nobody can count."""
    parts, params = _quarters(scope=scope, filters=filters, start=start, end=end)
    if not parts:
        return None
    sql = f"""SELECT period AS quarter, sum(total) AS total, sum(run) AS run, sum(volunteer) AS volunteer
                FROM ({" UNION ALL ".join(parts)}) AS periods GROUP BY period"""  # noqa: S608
    return sql, params


def _rollup_quarters(*, scope: Scope, filters: CoverageFilters, start, end) -> tuple[str, list] | None:
    """The same from the activity rollup, when it can answer (``rollup.answers``; every bound, the
    filters' days and ``start``/``end``, at the start of a quarter hour); None otherwise."""
    since, until = filters.created_range()
    start = max((bound for bound in (start, since) if bound is not None), default=None)
    end = min((bound for bound in (end, until) if bound is not None), default=None)
    if not rollup.answers(scope=scope, filters=filters, by_time=True):
        return None
    if not (rollup.aligned(start) and rollup.aligned(end)):
        return None
    return rollup.quarters_sql(scope=scope, filters=filters, start=start, end=end)


def signups_over_time(*, scope: Scope, filters: CoverageFilters, unit: str, start=None, end=None) -> list[dict]:
    """Sign-ups per ``unit`` ("day" or "hour", in the site's time zone), oldest first. One query.

    Each row is ``{"period": aware datetime (start of the day/hour), "run": n,
    "volunteer": n, "total": n}`` where ``run``/``volunteer`` count candidates and
    volunteers as the coverage does (a person who does both is in both, once in
    ``total``). Only periods with sign-ups are returned; ``start``/``end`` (aware
    datetimes, end exclusive) narrow ``created_at`` further.
    """
    if unit not in ("day", "hour"):
        raise ValueError(f"no such unit: {unit}")
    found = _rollup_quarters(scope=scope, filters=filters, start=start, end=end)
    if found is None:
        found = _live_quarters(scope=scope, filters=filters, start=start, end=end)
    if found is None:
        return []
    quarters_sql, params = found
    # The quarters (UTC) summed per day or hour of the site's time zone: converting a few
    # thousand quarters costs far less than converting every sign-up's time.
    period_sql, period_params = connection.ops.datetime_trunc_sql(
        unit, "quarter", (), timezone.get_current_timezone_name()
    )
    sql = f"""
        SELECT {period_sql} AS period, sum(total)::int AS total, sum(run)::int AS run,
               sum(volunteer)::int AS volunteer
          FROM ({quarters_sql}) AS quarters
         GROUP BY 1 ORDER BY 1
    """  # noqa: S608 (Django's own compiled SQL; values are parameters)
    with connection.cursor() as cursor:
        execute_count(cursor, sql, [*period_params, *params])
        rows = cursor.fetchall()
    # Truncated in the site's time zone, the periods come back as local wall-clock times.
    tz = timezone.get_current_timezone()
    return [
        {
            "period": timezone.make_aware(period, tz) if timezone.is_naive(period) else period,
            "total": total,
            "run": run,
            "volunteer": volunteer,
        }
        for period, total, run, volunteer in rows
    ]

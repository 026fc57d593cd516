"""Reading the rollups (``coverage.models``): which questions they answer, and their SQL.

The rollups hold people summed by state, confirmation and what they count as (candidate,
filed, volunteer; per district of every stored layer, and per quarter hour), kept exact by
the database's triggers (``migrations/0002_rollup_triggers.py``). A count whose filters they can
answer (``folds``) reads a few thousand rollup rows instead of every sign-up; any other
count (an office, a ballot line, a stage: who counts as a candidate then depends on more
than the rollups keep) reads the sign-ups as before, through ``coverage.people``. Either
way the engine's answer is the same; ``tests/organizing/test_rollup.py`` holds them equal.
"""

import datetime

from django.db import connection

from accounts.scope import Scope

from .filters import CoverageFilters
from .models import ActivityRollup, DistrictRollup

QUARTER = datetime.timedelta(minutes=15)


def folds(filters: CoverageFilters, *, by_time: bool = False) -> bool:
    """Whether counts for ``filters`` can be read from the rollups: the one rule of which filters
    fold in. ``kind``, ``states``, ``confirmed_only`` and the asker's scope always do (vintages
    concern districts, not people); ``since``/``until`` only where the rows are by time
    (``by_time``: the activity's quarter hours, each within one local day); ``office``,
    ``ballot_line`` and ``stage`` never (the rollups do not keep them)."""
    if filters.office or filters.ballot_line or filters.stage:
        return False
    return by_time or not (filters.since or filters.until)


def answers(*, scope: Scope, filters: CoverageFilters, by_time: bool = False) -> bool:
    """Whether a count for ``scope`` and ``filters`` is read from the rollups (``folds``, and a scope
    with states to read: an empty one is answered by the live count's empty result)."""
    return folds(filters, by_time=by_time) and rollup_states(scope=scope, filters=filters) != []


def rollup_states(*, scope: Scope, filters: CoverageFilters) -> list[str] | None:
    """The states whose rollup rows to read: None for every state, else a list (empty: none)."""
    if scope.all_states:
        return list(filters.states) or None
    return [state for state in (filters.states or sorted(scope.states)) if scope.covers(state)]


def _where(*, scope: Scope, filters: CoverageFilters) -> tuple[list[str], list]:
    """Conditions (and their parameters) on either rollup's ``state`` and ``confirmed``."""
    conditions, params = [], []
    states = rollup_states(scope=scope, filters=filters)
    if states is not None:
        conditions.append("state = ANY (%s)")
        params.append(states)
    if filters.confirmed_only:
        conditions.append("confirmed")
    return conditions, params


def district_counts_sql(*, scope: Scope, filters: CoverageFilters, layer_keys) -> tuple[str, list]:
    """SQL of ``counts(id, everyone, candidates, filed, volunteers)`` for the stored layers
    ``layer_keys``, plus the ``everyone`` row (``district_id`` null), from ``DistrictRollup``."""
    conditions, params = _where(scope=scope, filters=filters)
    conditions.append("(layer IS NULL OR layer = ANY (%s))")
    params.append(list(layer_keys))
    runs = filters.kind != "volunteer"
    helps = filters.kind != "run"
    sql = f"""SELECT district_id, district_id IS NULL,
                     {"sum(candidates)::int" if runs else "0"}, {"sum(filed)::int" if runs else "0"},
                     {"sum(volunteers)::int" if helps else "0"}
                FROM {DistrictRollup._meta.db_table}
               WHERE {" AND ".join(conditions)}
               GROUP BY district_id"""  # noqa: S608 (the model's table; values are parameters)
    return sql, params


def aligned(moment: datetime.datetime | None) -> bool:
    """Whether ``moment`` (aware, or None) starts a quarter hour: a bound the activity rollup can hold."""
    return moment is None or moment.timestamp() % QUARTER.total_seconds() == 0


def quarters_sql(*, scope: Scope, filters: CoverageFilters, start, end) -> tuple[str, list]:
    """SQL of ``(quarter, total, run, volunteer)`` per quarter hour (UTC) from ``ActivityRollup``, for
    sign-ups created in ``[start, end)`` (aware datetimes starting a quarter hour, or None)."""
    conditions, params = _where(scope=scope, filters=filters)
    if filters.kind == "run":
        conditions.append("candidate")
    elif filters.kind == "volunteer":
        conditions.append("volunteer")
    for bound, condition in ((start, "quarter >= %s"), (end, "quarter < %s")):
        if bound is not None:
            conditions.append(condition)
            params.append(bound)
    run = "0" if filters.kind == "volunteer" else "sum(signups) FILTER (WHERE candidate)"
    volunteer = "0" if filters.kind == "run" else "sum(signups) FILTER (WHERE volunteer)"
    sql = f"""SELECT quarter, sum(signups) AS total, coalesce({run}, 0) AS run,
                     coalesce({volunteer}, 0) AS volunteer
                FROM {ActivityRollup._meta.db_table}
               WHERE {" AND ".join(conditions) or "true"}
               GROUP BY quarter HAVING sum(signups) > 0"""  # noqa: S608
    return sql, params


def rollup_rebuild() -> None:
    """Both rollups again from the sign-up and candidacy tables (one pass; the triggers' own SQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coverage_rollup_rebuild()")


def rollup_rebuild_after_rewrite(sender, **kwargs) -> None:
    """``signups_rewritten``'s receiver: the rows were rewritten with the triggers off."""
    rollup_rebuild()

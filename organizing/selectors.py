"""Coverage reads: who signed up where, counted in the database, limited to an organizer's states.

Every function takes the organizer (``user``) and a ``CoverageFilters`` and never
returns a person, count or district outside the organizer's states:
sign-ups and districts are read through ``visible_to(scope)`` (``accounts.scope``),
whatever states the filters ask for.

Vocabulary:

* a *candidate* is a sign-up that wants to run (``SignUp.objects.runners()``),
  has not withdrawn (``pipeline``'s candidacy stage) and matches the ``office``
  and ``ballot_line`` filters, which describe running (``coverage_candidates``);
* a *volunteer* is a sign-up that wants to volunteer (``office``,
  ``ballot_line`` and ``stage`` do not apply to volunteers: they are the help available);
* ``kind="run"`` counts candidates only (volunteers are 0), ``kind="volunteer"``
  volunteers only;
* a district is *covered* when at least one candidate is assigned to it, and
  *filed* (the second lens) when one of them has a candidacy in
  ``pipeline.models.FILED_STAGES`` (filed, on the ballot, won or lost); its
  ``status`` is ``"filed"``, else ``"candidate"`` when covered, else
  ``"volunteers"`` when it has volunteers, else ``"none"``.

Counting against the current maps uses the sign-ups' stored districts (the
``cd``/``sldu``/``sldl`` foreign keys). Counting against another loaded vintage
(``filters.vintages``) uses each sign-up's ``location`` inside the district's
area (``ST_Intersects``, GiST-indexed): sign-ups without a location are then in
no district, and a point exactly on a shared border counts in both.
"""

import dataclasses

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, CharField, DateTimeField, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from accounts.scope import Scope
from districts.models import BoundarySet, Chamber, District
from districts.states import BY_USPS
from pipeline.models import FILED_STAGES, Stage
from signups.models import SignUp

from .filters import CoverageFilters

CHAMBERS = (Chamber.SLDL.value, Chamber.SLDU.value, Chamber.CD.value)  # the headline's order

# How long a coverage summary is kept in Redis. Nothing invalidates it when people
# sign up: the key holds everything that decides the answer (the organizer's
# states and the filters), so it is never shown to someone who may not see it, and
# it is at most this many seconds behind. During a livestream a summary per
# organizer per filter set is computed at most once a minute, however often the
# dashboard is reloaded; a minute's lag in a headline percentage is harmless.
SUMMARY_CACHE_SECONDS = 60
SUMMARY_CACHE_PREFIX = "organizing:summary:v2"


class _Count(Func):
    """``COUNT(*)`` as a plain function, so a correlated subquery counts without a GROUP BY."""

    function = "COUNT"
    template = "%(function)s(*)"
    output_field = IntegerField()

    def __init__(self):
        super().__init__()


# --- Scope -------------------------------------------------------------------


def organizer_scope_key(user) -> str:
    """A string naming what ``user`` may see, for cache keys."""
    return Scope.of(user).key()


def is_national(*, user, filters: CoverageFilters) -> bool:
    """Whether figures for ``user`` and ``filters`` are the whole country's (all states, no state filter)."""
    return Scope.of(user).all_states and not filters.states


def visible_states(*, user, filters: CoverageFilters) -> list[str]:
    """USPS codes the organizer may see, narrowed by ``filters.states``; every state for all-states organizers."""
    allowed = Scope.of(user).within(BY_USPS)
    if filters.states:
        allowed = [code for code in allowed if code in filters.states]
    return allowed


# --- Sign-ups ----------------------------------------------------------------


def coverage_signups(*, user, filters: CoverageFilters):
    """The sign-ups ``user`` may see that match every filter except ``kind`` and the vintage.

    ``states``, ``since``/``until`` (on ``created_at``, inclusive days) and
    ``confirmed_only`` narrow everyone; ``office``/``ballot_line`` narrow the runners
    only, so a volunteer stays (see the module docstring). Unordered; callers order.
    """
    signups = SignUp.objects.visible_to(Scope.of(user))
    if filters.states:
        signups = signups.filter(state__in=filters.states)
    start, end = filters.created_range()
    if start:
        signups = signups.filter(created_at__gte=start)
    if end:
        signups = signups.filter(created_at__lt=end)
    if filters.confirmed_only:
        signups = signups.confirmed()
    if filters.office or filters.ballot_line or filters.stage:
        signups = _running_filters(signups.runners(), filters) | signups.volunteers()
    return signups


def _running_filters(signups, filters: CoverageFilters):
    if filters.office:
        signups = signups.filter(offices__contains=[filters.office])
    if filters.ballot_line:
        signups = signups.filter(ballot_line=filters.ballot_line)
    if filters.stage == Stage.NEW:  # no candidacy yet is new too
        signups = signups.filter(Q(candidacy__isnull=True) | Q(candidacy__stage=Stage.NEW))
    elif filters.stage:
        signups = signups.filter(candidacy__stage=filters.stage)
    return signups


def coverage_candidates(*, user, filters: CoverageFilters):
    """Sign-ups counted as candidates: runners matching every filter who have not withdrawn
    (pipeline stage), none when ``kind="volunteer"``. The one definition every count uses."""
    if filters.kind == "volunteer":
        return SignUp.objects.none()
    runners = coverage_signups(user=user, filters=filters).runners().exclude(candidacy__stage=Stage.WITHDRAWN)
    return _running_filters(runners, filters)


def coverage_filed(*, user, filters: CoverageFilters):
    """Candidates (``coverage_candidates``) who have filed or are on the ballot: the second lens."""
    return coverage_candidates(user=user, filters=filters).filter(candidacy__stage__in=FILED_STAGES)


def coverage_volunteers(*, user, filters: CoverageFilters):
    """Sign-ups counted as volunteers, none when ``kind="run"``."""
    if filters.kind == "run":
        return SignUp.objects.none()
    return coverage_signups(user=user, filters=filters).volunteers()


def coverage_people(*, user, filters: CoverageFilters):
    """The people a list or export shows: candidates and volunteers as ``kind`` asks (both by default)."""
    if filters.kind == "run":
        return coverage_candidates(user=user, filters=filters)
    if filters.kind == "volunteer":
        return coverage_volunteers(user=user, filters=filters)
    return coverage_signups(user=user, filters=filters)


def district_signups(*, user, filters: CoverageFilters, district: District):
    """The people (``coverage_people``) in ``district``: by stored district for a current
    district, by location inside its area for another vintage's. Unordered."""
    people = coverage_people(user=user, filters=filters)
    if district.boundary_set.is_current:
        return people.filter(**{district.chamber: district})
    return people.filter(location__intersects=district.geometry)


# --- Districts ---------------------------------------------------------------


def coverage_districts(*, user, filters: CoverageFilters, chamber: str, state: str | None = None):
    """Countable districts of ``chamber`` (current boundary sets, or ``filters.vintage_for(chamber)``)
    in the organizer's states, narrowed by ``filters.states`` and ``state``; no counts."""
    vintage = filters.vintage_for(chamber)
    districts = District.objects.vintage(chamber, vintage) if vintage else District.objects.current()
    districts = districts.filter(chamber=chamber).countable().visible_to(Scope.of(user))
    if filters.states:
        districts = districts.filter(state__in=filters.states)
    if state is not None:
        districts = districts.filter(state=state)
    return districts


def _count_in_district(signups, *, chamber: str, current: bool):
    """A correlated subquery counting ``signups`` in the district of each row.

    Current maps: the sign-ups' stored district (an index lookup on the foreign key
    per district). Another vintage: the sign-ups whose location is inside the
    district's area (a GiST-indexed ``ST_Intersects`` per district). Evaluated per
    returned district only: cheap for one district (``coverage_district``) and the only
    way to count another vintage; lists of the current maps (the summary, the state page,
    the API, exports and tiles) count in one pass instead (``_counts_cte``).
    """
    link = {f"{chamber}_id": OuterRef("pk")} if current else {"location__intersects": OuterRef("geometry")}
    inside = signups.filter(**link).order_by().annotate(n=_Count()).values("n")
    return Subquery(inside[:1], output_field=IntegerField())


def _counts(*, user, filters: CoverageFilters, chamber: str) -> tuple:
    current = filters.vintage_for(chamber) is None
    if filters.kind == "volunteer":
        candidates = filed = Value(0, output_field=IntegerField())
    else:
        candidates = _count_in_district(
            coverage_candidates(user=user, filters=filters), chamber=chamber, current=current
        )
        filed = _count_in_district(coverage_filed(user=user, filters=filters), chamber=chamber, current=current)
    if filters.kind == "run":
        volunteers = Value(0, output_field=IntegerField())
    else:
        volunteers = _count_in_district(
            coverage_volunteers(user=user, filters=filters), chamber=chamber, current=current
        )
    return candidates, filed, volunteers


STATUS = Case(
    When(filed__gt=0, then=Value("filed")),
    When(candidates__gt=0, then=Value("candidate")),
    When(volunteers__gt=0, then=Value("volunteers")),
    default=Value("none"),
    output_field=CharField(),
)


def district_counts(*, user, filters: CoverageFilters, chamber: str, state: str | None = None):
    """Every countable district of ``chamber`` the organizer may see, with its counts. One query.

    A District queryset (current boundary sets, or ``filters.vintage_for(chamber)``;
    no Census placeholders; the organizer's states narrowed by ``filters.states`` and
    ``state``), ordered by state and GEOID, each annotated with

    * ``candidates``: candidates in the district (0 when ``kind="volunteer"``),
    * ``filed``: candidates in the district who have filed or are on the ballot
      (``pipeline.models.FILED_STAGES``; 0 when ``kind="volunteer"``),
    * ``volunteers``: volunteers in the district (0 when ``kind="run"``),
    * ``status``: ``"filed"``, ``"candidate"``, ``"volunteers"`` or ``"none"``.

    The counts are correlated subqueries (see ``_count_in_district``), so the
    queryset can be filtered further (``status="none"``, ``geoid=...``) and stays one
    query; only the districts it returns are counted, each with its own index lookups.
    For many districts of the current maps use ``district_list`` or
    ``district_count_rows`` (one pass over the sign-ups). Geometry is not deferred.
    """
    if state is not None and (not filters.states or state in filters.states):
        # Only this state's people can be in its districts' counts (an organizer sees a
        # sign-up by its state): narrowing them first keeps the count's scan small.
        filters = dataclasses.replace(filters, states=(state,))
    candidates, filed, volunteers = _counts(user=user, filters=filters, chamber=chamber)
    return (
        coverage_districts(user=user, filters=filters, chamber=chamber, state=state)
        .annotate(candidates=candidates, filed=filed, volunteers=volunteers)
        .annotate(status=STATUS)
        .order_by("state", "geoid")
    )


# --- Summary -----------------------------------------------------------------


def _figures(covered: int, total: int, seats_covered: int, seats_total: int, filed: int = 0, **extra) -> dict:
    return {
        "covered": covered,
        "total": total,
        "percent": round(100 * covered / total, 1) if total else None,
        "filed": filed,
        "filed_percent": round(100 * filed / total, 1) if total else None,
        "seats_covered": seats_covered,
        "seats_total": seats_total,
        **extra,
    }


# 1 for a candidate who has filed or is on the ballot (the second lens), else 0.
_FILED_FLAG = Case(
    When(Q(candidacy__stage__in=FILED_STAGES), then=Value(1)), default=Value(0), output_field=IntegerField()
)


def _people_sql(people, *, filed: bool = False) -> tuple[str, list]:
    """SQL selecting the three district ids of ``people`` (none at all for an empty set), and with
    ``filed`` a ``filed`` column (1 for a candidate in ``FILED_STAGES``)."""
    extra = {"filed": _FILED_FLAG} if filed else {}
    try:
        return people.order_by().values("cd_id", "sldu_id", "sldl_id", **extra).query.sql_with_params()
    except EmptyResultSet:  # kind= leaves one side empty, an organizer without states both
        column = ", 0 AS filed" if filed else ""
        return f"SELECT NULL::bigint AS cd_id, NULL::bigint AS sldu_id, NULL::bigint AS sldl_id{column} WHERE false", []


def _counts_cte(*, user, filters: CoverageFilters, chambers: tuple = CHAMBERS) -> tuple[str, list]:
    """``WITH counts``: people per district id of ``chambers``, counted in one pass over the sign-ups
    (``counts(id, everyone, candidates, filed, volunteers)``).

    The candidates and the volunteers are read once each (index-only scans of the
    ``signup_*_coverage`` indexes), summed per combination of their districts
    (``places``: a few thousand rows), then per district of every chamber at once
    (``GROUPING SETS``; district ids are unique across chambers), plus one row with
    ``everyone`` true and ``id`` null that counts them all, located or not. A
    nationwide list joins this instead of counting per district.
    """
    candidates_sql, candidates_params = _people_sql(coverage_candidates(user=user, filters=filters), filed=True)
    volunteers_sql, volunteers_params = _people_sql(coverage_volunteers(user=user, filters=filters))
    columns = [f"{chamber}_id" for chamber in chambers]
    sets = ", ".join(f"({column})" for column in columns)
    sql = f"""
        WITH people AS (
                 SELECT cd_id, sldu_id, sldl_id, 1 AS c, filed AS f, 0 AS v FROM ({candidates_sql}) AS candidates
                 UNION ALL
                 SELECT cd_id, sldu_id, sldl_id, 0, 0, 1 FROM ({volunteers_sql}) AS volunteers
             ),
             places AS (
                 SELECT {", ".join(columns)}, sum(c) AS c, sum(f) AS f, sum(v) AS v
                   FROM people GROUP BY {", ".join(columns)}
             ),
             counts AS (
                 SELECT coalesce({", ".join(columns)}) AS id, GROUPING({", ".join(columns)}) = {2 ** len(columns) - 1}
                          AS everyone,
                        coalesce(sum(c), 0)::int AS candidates, coalesce(sum(f), 0)::int AS filed,
                        coalesce(sum(v), 0)::int AS volunteers
                   FROM places
                  GROUP BY GROUPING SETS ({sets}, ())
             )
    """  # noqa: S608 (Django's own compiled SQL; values are parameters)
    return sql, [*candidates_params, *volunteers_params]


def _chamber_rows_sql(
    *, user, filters: CoverageFilters, chamber: str, state: str | None, fields: tuple, bbox=None
) -> tuple:
    """SQL for one chamber's districts (those whose bounding box meets ``bbox``, if given) with
    ``candidates``, ``filed`` and ``volunteers`` columns, to follow ``_counts_cte``; None when the
    organizer may see no district."""
    if filters.vintage_for(chamber) is None:
        districts = coverage_districts(user=user, filters=filters, chamber=chamber, state=state).order_by()
        if bbox is not None:
            districts = districts.filter(geometry__bboverlaps=bbox)
        try:
            inner_sql, inner_params = _values(districts, ("id", *fields)).query.sql_with_params()
        except EmptyResultSet:  # an organizer without states: nothing to count
            return None
        columns = ", ".join(f"d.{field}" for field in fields)
        return (
            f"""
            SELECT {columns}, coalesce(c.candidates, 0) AS candidates, coalesce(c.filed, 0) AS filed,
                   coalesce(c.volunteers, 0) AS volunteers
              FROM ({inner_sql}) AS d LEFT JOIN counts AS c ON c.id = d.id
            """,  # noqa: S608
            inner_params,
        )
    # Another vintage: people by location, district_counts' subqueries.
    counts = district_counts(user=user, filters=filters, chamber=chamber, state=state).order_by()
    if bbox is not None:
        counts = counts.filter(geometry__bboverlaps=bbox)
    try:
        return _values(counts, (*fields, "candidates", "filed", "volunteers")).query.sql_with_params()
    except EmptyResultSet:
        return None


# Columns of district rows that are not District fields.
_ROW_EXPRESSIONS = {"vintage": F("boundary_set__vintage")}


def _values(queryset, fields: tuple):
    """``queryset.values(*fields)`` where a field may also be one of ``_ROW_EXPRESSIONS``."""
    names = [field for field in fields if field not in _ROW_EXPRESSIONS]
    expressions = {field: _ROW_EXPRESSIONS[field] for field in fields if field in _ROW_EXPRESSIONS}
    return queryset.values(*names, **expressions)


def district_count_rows_sql(
    *, user, filters: CoverageFilters, chamber: str, state: str | None = None, fields=(), bbox=None
) -> tuple[str, list] | None:
    """The SQL of ``district_count_rows`` (``bbox``: only districts whose bounding box meets it,
    GiST-indexed), to run or to build on (a map tile); None when the organizer may see no district."""
    if state is not None and (not filters.states or state in filters.states):
        # Only this state's people can be in its districts (an organizer sees a sign-up
        # by its state): counting them alone reads a range of the coverage indexes.
        filters = dataclasses.replace(filters, states=(state,))
    cte_sql, cte_params = _counts_cte(user=user, filters=filters, chambers=(chamber,))
    fields = tuple(dict.fromkeys(("state", "geoid", *fields)))
    part = _chamber_rows_sql(user=user, filters=filters, chamber=chamber, state=state, fields=fields, bbox=bbox)
    if part is None:
        return None
    rows_sql, rows_params = part
    sql = f"""{cte_sql}
        SELECT listed.*,
               CASE WHEN filed > 0 THEN 'filed' WHEN candidates > 0 THEN 'candidate'
                    WHEN volunteers > 0 THEN 'volunteers' ELSE 'none' END
                 AS status
          FROM ({rows_sql}) AS listed
         ORDER BY state, geoid
    """  # noqa: S608
    return sql, [*cte_params, *rows_params]


def district_count_rows(*, user, filters: CoverageFilters, chamber: str, state: str | None = None, fields=()):
    """The same districts and counts as ``district_counts``, as plain rows for long lists (one query).

    Each row is a dict of ``fields`` (District columns such as ``id``, ``geoid``, ``ocd_id``,
    ``name``, ``state``, or ``vintage``) plus ``candidates``, ``filed``, ``volunteers`` and
    ``status``, ordered by state and GEOID. Counted in one pass over the sign-ups
    (``_counts_cte``) rather than per district, so a nationwide list (the API, the CSV
    export) costs about as much as a state's, and a state's reads only its own people.
    """
    found = district_count_rows_sql(user=user, filters=filters, chamber=chamber, state=state, fields=fields)
    if found is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*found)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# District fields a list of districts shows (``district_list``); the rest stay deferred.
LIST_FIELDS = ("id", "boundary_set_id", "chamber", "state", "code", "geoid", "ocd_id", "name", "seats", "voting")


def district_list(*, user, filters: CoverageFilters, chamber: str, state: str | None = None) -> list[District]:
    """``district_counts`` as a list of Districts (``LIST_FIELDS`` loaded, the geometry deferred),
    each with ``candidates``, ``filed``, ``volunteers`` and ``status``: the same numbers counted
    in one pass (``district_count_rows``) instead of per district. One query."""
    rows = district_count_rows(user=user, filters=filters, chamber=chamber, state=state, fields=LIST_FIELDS)
    names = [field.attname for field in District._meta.concrete_fields if field.attname in LIST_FIELDS]
    districts = []
    for row in rows:
        district = District.from_db(connection.alias, names, [row[name] for name in names])
        for extra in ("candidates", "filed", "volunteers", "status"):
            setattr(district, extra, row[extra])
        districts.append(district)
    return districts


def coverage_summary_build(*, user, filters: CoverageFilters) -> dict:
    """The dashboard's figures, computed now (one query). See ``coverage_summary``."""
    # The districts of the three chambers in one query: ``_counts_cte`` joined to each
    # chamber's districts, summed per state, and its ``everyone`` row (everyone counts
    # there, located or not: a sign-up still being geocoded has no district yet); one
    # pass over the sign-ups however many districts there are.
    parts, params = [], []
    for chamber in CHAMBERS:
        part = _chamber_rows_sql(
            user=user, filters=filters, chamber=chamber, state=None, fields=("state", "voting", "seats")
        )
        if part is None:
            continue
        source, inner_params = part
        parts.append(
            f"""
            SELECT %s AS chamber, state,
                   count(*) AS total,
                   count(*) FILTER (WHERE candidates > 0) AS covered,
                   coalesce(sum(seats), 0) AS seats_total,
                   coalesce(sum(seats) FILTER (WHERE candidates > 0), 0) AS seats_covered,
                   count(*) FILTER (WHERE voting) AS voting_total,
                   count(*) FILTER (WHERE voting AND candidates > 0) AS voting_covered,
                   coalesce(sum(seats) FILTER (WHERE voting), 0) AS voting_seats_total,
                   coalesce(sum(seats) FILTER (WHERE voting AND candidates > 0), 0) AS voting_seats_covered,
                   count(*) FILTER (WHERE filed > 0) AS filed,
                   count(*) FILTER (WHERE voting AND filed > 0) AS voting_filed,
                   coalesce(sum(candidates), 0) AS candidates,
                   coalesce(sum(volunteers), 0) AS volunteers
              FROM ({source}) AS per_district
             GROUP BY state
            """  # noqa: S608
        )
        params.extend([chamber, *inner_params])
    rows = []
    if parts:
        parts.append(
            """
            SELECT NULL AS chamber, NULL AS state, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, candidates, volunteers
              FROM counts WHERE everyone
            """
        )
        cte_sql, cte_params = _counts_cte(user=user, filters=filters)
        sql = cte_sql + " UNION ALL ".join(parts)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*cte_params, *params])
            columns = [column.name for column in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    empty = {
        "covered": 0,
        "total": 0,
        "seats_covered": 0,
        "seats_total": 0,
        "filed": 0,
        "candidates": 0,
        "volunteers": 0,
    }
    states: dict[str, dict] = {}
    chambers = {chamber: dict(empty) for chamber in CHAMBERS}
    run = volunteer = 0
    for row in rows:
        chamber, state = row["chamber"], row["state"]
        if chamber is None:  # the everyone row
            run, volunteer = int(row["candidates"]), int(row["volunteers"])
            continue
        states.setdefault(state, {chamber: dict(empty) for chamber in CHAMBERS})[chamber] = {
            key: int(row[key]) for key in empty
        }
        # The headline counts districts with a vote: the House delegates of DC and
        # Puerto Rico appear in their state rows but not in the 435.
        total = chambers[chamber]
        total["covered"] += int(row["voting_covered"])
        total["total"] += int(row["voting_total"])
        total["seats_covered"] += int(row["voting_seats_covered"])
        total["seats_total"] += int(row["voting_seats_total"])
        total["filed"] += int(row["voting_filed"])
        total["candidates"] += int(row["candidates"])
        total["volunteers"] += int(row["volunteers"])

    return {
        "national": is_national(user=user, filters=filters),
        "signups": {"run": run, "volunteer": volunteer},
        "chambers": {chamber: _figures(**figures) for chamber, figures in chambers.items()},
        "states": [
            {
                "state": code,
                "name": BY_USPS[code].name,
                **{chamber: _figures(**figures) for chamber, figures in states[code].items()},
            }
            for code in sorted(states)
        ],
        "vintages": {chamber: filters.vintage_for(chamber) for chamber in CHAMBERS},
    }


def coverage_summary_cache_key(*, user, filters: CoverageFilters) -> str:
    """The organizer's scope and the filters decide a summary; the database name keeps a
    demo database's figures apart from the main one's when both share a Redis."""
    database = connection.settings_dict["NAME"]
    return f"{SUMMARY_CACHE_PREFIX}:{database}:{organizer_scope_key(user)}:{filters.cache_key()}"


def coverage_summary(*, user, filters: CoverageFilters) -> dict:
    """Coverage figures for the organizer's states and filters, cached ``SUMMARY_CACHE_SECONDS``.

    Returns::

        {
          "national": bool,            # all states and no state filter: the whole country
          "signups": {"run": n, "volunteer": n},   # people, as in the headline's "N supporters"
          "chambers": {"sldl"|"sldu"|"cd": {covered, total, percent, seats_covered, seats_total,
                                             filed, filed_percent, candidates, volunteers}},
          "states": [{"state": "NY", "name": "New York", "sldl": {...}, "sldu": {...}, "cd": {...}}, ...],
          "vintages": {"sldl"|"sldu"|"cd": vintage or None},   # None: the current maps
        }

    ``chambers`` adds up the organizer's visible states (the country only when
    ``national``) and counts districts with a vote (the DC and Puerto Rico House
    delegates are in their state rows only). Totals are countable districts of the
    current boundary sets (or the asked vintage): no Census placeholders, so
    Nebraska's unicameral legislature has no ``sldl`` row figures and an at-large
    state has one ``cd``. ``percent`` is covered/total in percent to one decimal,
    None when total is 0. ``candidates``/``volunteers`` are sign-ups assigned to
    the districts (a person is in one district per chamber). ``filed`` (the second
    lens) counts the covered districts with a candidate who has filed or is on the
    ballot (``pipeline.models.FILED_STAGES``), ``filed_percent`` that of the
    total. ``states`` lists the
    states with at least one district in scope, by USPS code, each with all three
    chambers (zeros where a chamber has no districts).
    """
    key = coverage_summary_cache_key(user=user, filters=filters)
    summary = cache.get(key)
    if summary is None:
        summary = coverage_summary_build(user=user, filters=filters)
        cache.set(key, summary, SUMMARY_CACHE_SECONDS)
    return summary


# --- Sign-ups over time ----------------------------------------------------------


class _QuarterHour(Func):
    """The quarter hour (UTC) a time falls in. Every time zone's offset is a whole number of
    quarter hours, so each quarter lies in one local hour and one local day."""

    template = "date_bin('15 minutes', %(expressions)s, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
    output_field = DateTimeField()


HOURS_SHOWN = 48


def signups_over_time(*, user, filters: CoverageFilters, unit: str, start=None, end=None) -> list[dict]:
    """Sign-ups per ``unit`` ("day" or "hour", in the site's time zone), oldest first. One query.

    Each row is ``{"period": aware datetime (start of the day/hour), "run": n,
    "volunteer": n, "total": n}`` where ``run``/``volunteer`` count candidates and
    volunteers as the coverage does (a person who does both is in both, once in
    ``total``). Only periods with sign-ups are returned; ``start``/``end`` (aware
    datetimes, end exclusive) narrow ``created_at`` further.
    """
    if unit not in ("day", "hour"):
        raise ValueError(f"no such unit: {unit}")
    parts, params = [], []
    for people, column in (
        (coverage_people(user=user, filters=filters), "total"),
        (coverage_candidates(user=user, filters=filters), "run"),
        (coverage_volunteers(user=user, filters=filters), "volunteer"),
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
    if not parts:
        return []
    # Everyone, the candidates and the volunteers, one pass each, summed per quarter hour
    # (UTC), then the quarters per day or hour of the site's time zone: converting a few
    # thousand quarters costs far less than converting every sign-up's time.
    period_sql, period_params = connection.ops.datetime_trunc_sql(
        unit, "quarter", (), timezone.get_current_timezone_name()
    )
    sql = f"""
        SELECT {period_sql} AS period, sum(total)::int AS total, sum(run)::int AS run,
               sum(volunteer)::int AS volunteer
          FROM (SELECT period AS quarter, sum(total) AS total, sum(run) AS run, sum(volunteer) AS volunteer
                  FROM ({" UNION ALL ".join(parts)}) AS periods
                 GROUP BY period) AS quarters
         GROUP BY 1 ORDER BY 1
    """  # noqa: S608 (Django's own compiled SQL; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*period_params, *params])
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


# --- Choices for the filter form ---------------------------------------------------


def vintage_choices() -> list[dict]:
    """Every loaded vintage with its chambers, current ones marked: ``[{"vintage", "chambers",
    "current"}]``, newest first. One query."""
    vintages: dict[str, dict] = {}
    for chamber, vintage, is_current in (
        BoundarySet.objects.order_by().values_list("chamber", "vintage", "is_current").distinct()
    ):
        entry = vintages.setdefault(vintage, {"vintage": vintage, "chambers": set(), "current": False})
        entry["chambers"].add(chamber)
        entry["current"] = entry["current"] or is_current
    return sorted(
        ({**entry, "chambers": [c for c in CHAMBERS if c in entry["chambers"]]} for entry in vintages.values()),
        key=lambda entry: entry["vintage"],
        reverse=True,
    )


# --- One district, one sign-up -------------------------------------------------------


def coverage_district(*, user, filters: CoverageFilters, chamber: str, geoid: str) -> District | None:
    """The district ``geoid`` of ``chamber`` (current maps, or the filters' vintage) with its
    counts, if the organizer may see it; None otherwise. One query."""
    if chamber not in CHAMBERS:
        return None
    return (
        district_counts(user=user, filters=filters, chamber=chamber)
        .select_related("boundary_set")
        .filter(geoid=geoid)
        .first()
    )


def signup_for_organizer(*, user, pk: int) -> SignUp | None:
    """One sign-up with its three districts, if it is in the organizer's states; None otherwise. One query."""
    return SignUp.objects.visible_to(Scope.of(user)).select_related("cd", "sldu", "sldl").filter(pk=pk).first()

"""Who counts: the sign-ups behind every coverage figure, as QuerySets (the one definition each).

* a *candidate* is a sign-up that wants to run (``SignUp.objects.runners()``), has
  not withdrawn (``pipeline``'s candidacy stage) and matches the ``office``,
  ``ballot_line`` and ``stage`` filters, which describe running;
* a *volunteer* is a sign-up that wants to volunteer (``office``, ``ballot_line`` and
  ``stage`` do not apply to volunteers: they are the help available);
* ``kind="run"`` counts candidates only, ``kind="volunteer"`` volunteers only.

Everyone is first limited to the ``scope`` (``SignUp.objects.visible_to``), whatever
states the filters ask for.
"""

from django.db.models import Q

from accounts.scope import Scope
from districts.models import District
from pipeline.models import FILED_STAGES, Stage
from signups.models import SignUp

from .filters import CoverageFilters
from .layers import layer


def coverage_signups(*, scope: Scope, filters: CoverageFilters):
    """The sign-ups ``scope`` may see that match every filter except ``kind`` and the vintage.

    ``states``, ``since``/``until`` (on ``created_at``, inclusive days) and
    ``confirmed_only`` narrow everyone; ``office``/``ballot_line``/``stage`` narrow the
    runners only, so a volunteer stays. Unordered; callers order.
    """
    signups = SignUp.objects.visible_to(scope)
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


def coverage_candidates(*, scope: Scope, filters: CoverageFilters):
    """Sign-ups counted as candidates (none when ``kind="volunteer"``)."""
    if filters.kind == "volunteer":
        return SignUp.objects.none()
    runners = coverage_signups(scope=scope, filters=filters).runners().exclude(candidacy__stage=Stage.WITHDRAWN)
    return _running_filters(runners, filters)


def coverage_filed(*, scope: Scope, filters: CoverageFilters):
    """Candidates who have filed, are on the ballot, won or lost (``FILED_STAGES``): the second lens."""
    return coverage_candidates(scope=scope, filters=filters).filter(candidacy__stage__in=FILED_STAGES)


def coverage_volunteers(*, scope: Scope, filters: CoverageFilters):
    """Sign-ups counted as volunteers (none when ``kind="run"``)."""
    if filters.kind == "run":
        return SignUp.objects.none()
    return coverage_signups(scope=scope, filters=filters).volunteers()


def coverage_people(*, scope: Scope, filters: CoverageFilters):
    """The people a list or export shows: candidates and volunteers as ``kind`` asks (both by default)."""
    if filters.kind == "run":
        return coverage_candidates(scope=scope, filters=filters)
    if filters.kind == "volunteer":
        return coverage_volunteers(scope=scope, filters=filters)
    return coverage_signups(scope=scope, filters=filters)


def district_signups(*, scope: Scope, filters: CoverageFilters, district: District):
    """The people (``coverage_people``) in ``district``: by their stored district on the current
    maps, by location inside its area for another vintage's district. In a local unit, the
    candidates are those who chose its office (``Layer.office``), as the counts. Unordered."""
    people = coverage_people(scope=scope, filters=filters)
    if filters.vintage_for(district.chamber) is None:
        people = people.filter(**{district.chamber: district})
    else:
        people = people.filter(location__intersects=district.geometry)
    runs_here = layer(district.chamber).runs_here
    if runs_here and filters.kind != "volunteer":
        people = people.filter(runs_here if filters.kind == "run" else runs_here | Q(wants_to_volunteer=True))
    return people


def signup_for_organizer(*, scope: Scope, pk: int) -> SignUp | None:
    """One sign-up with its districts and local units, if ``scope`` may see it; None otherwise. One query."""
    return SignUp.objects.visible_to(scope).with_districts().filter(pk=pk).first()

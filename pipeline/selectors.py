"""Reads of the pipeline, always within what the organizer may see (their ``Scope``)."""

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import Distance
from django.db.models import Case, CharField, F, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from accounts.scope import Scope
from districts.models import District
from signups.models import HelpScope, SignUp

from .models import Nomination, Stage

# How near another district must come to count as a neighbour: the generalised
# boundaries of neighbours can be a few metres apart or overlap slightly.
NEIGHBOUR_TOLERANCE_DEGREES = 0.0005
RELATION_RANK = {"same": 0, "neighbour": 1, "anywhere": 2}


def candidates_visible_to(scope: Scope):
    """Everyone who signed up to run whom ``scope`` may see, with their ``stage`` (new when none)."""
    return (
        SignUp.objects.visible_to(scope)
        .runners()
        .with_districts()
        .select_related("candidacy", "candidacy__organizer")
        .annotate(stage=Coalesce(F("candidacy__stage"), Value(Stage.NEW), output_field=CharField()))
    )


def candidate_list(*, user, stage: str | None = None, state: str | None = None, mine: bool = False):
    candidates = candidates_visible_to(user.scope).order_by("last_name", "first_name", "pk")
    if stage:
        candidates = candidates.filter(stage=stage)
    if state:
        candidates = candidates.filter(state=state)
    if mine:
        candidates = candidates.filter(candidacy__organizer=user)
    return candidates


def pipeline_board(*, user, state: str | None = None, within=None) -> dict[str, list[SignUp]]:
    """Candidates grouped by stage, in stage order (one query); ``within`` (a query of sign-up
    ids, e.g. the people a call team called) narrows the board further."""
    board = {stage: [] for stage in Stage.values}
    candidates = candidate_list(user=user, state=state)
    if within is not None:
        candidates = candidates.filter(pk__in=within)
    for candidate in candidates:
        board[candidate.stage].append(candidate)
    return board


def volunteer_matches(*, scope: Scope, candidate: SignUp, chamber: str = "sldl", limit: int = 50):
    """Volunteers who can help ``candidate``, best first, with ``relation``, ``distance_km`` and ``shared_skills``.

    Same district first, then neighbouring districts (districts that touch), then
    volunteers who help anywhere; within each, by shared skills (of those the
    candidacy asks for), then distance. Volunteers who help only in their own
    district appear only for a candidate in that district.
    """
    district = getattr(candidate, chamber)
    wanted = list(getattr(getattr(candidate, "candidacy", None), "skills_wanted", None) or [])
    if district is not None:
        # Its area read in the query (the candidate came without it); RawSQL: a Subquery breaks dwithin.
        own_area = RawSQL(  # noqa: S611 - a fixed statement, the id passed as a parameter
            f"SELECT geometry FROM {District._meta.db_table} WHERE id = %s",  # noqa: S608 - our table name
            [district.pk],
            output_field=GeometryField(srid=4326),
        )
        neighbours = (
            District.objects.current()
            .countable()
            .filter(chamber=chamber, geometry__dwithin=(own_area, NEIGHBOUR_TOLERANCE_DEGREES))
            .exclude(pk=district.pk)
            .values("pk")
        )
    else:
        neighbours = District.objects.none().values("pk")
    field = f"{chamber}_id"
    same = Q(**{field: district.pk}) if district is not None else Q(pk__in=[])
    relation = Case(
        When(same, then=Value("same")),
        When(Q(**{f"{field}__in": neighbours}) & Q(help_scope=HelpScope.ANYWHERE), then=Value("neighbour")),
        When(help_scope=HelpScope.ANYWHERE, then=Value("anywhere")),
        default=Value(""),
        output_field=CharField(),
    )
    rank = Case(
        *(When(relation=Value(name), then=Value(order)) for name, order in RELATION_RANK.items()),
        output_field=IntegerField(),
    )
    volunteers = (
        SignUp.objects.visible_to(scope)
        .volunteers()
        .exclude(pk=candidate.pk)
        .annotate(relation=relation)
        .exclude(relation="")
        .annotate(
            relation_rank=rank,
            shared_skills=RawSQL(
                "cardinality(ARRAY(SELECT unnest(signups_signup.skills) INTERSECT SELECT unnest(%s::varchar[])))",
                (wanted,),
            ),
        )
    )
    if candidate.location is not None:
        volunteers = volunteers.annotate(distance=Distance("location", candidate.location))
        order = ["relation_rank", "-shared_skills", F("distance").asc(nulls_last=True), "pk"]
    else:
        order = ["relation_rank", "-shared_skills", "pk"]
    return volunteers.order_by(*order)[:limit]


def state_nominations(*, scope: Scope, state: str) -> list[Nomination]:
    """The state's confirmed nominations placed in a district, newest first, if ``scope`` includes the state;
    for the state page's "nobody, but a nomination" list.
    One query; only the nominee's name, when, and the three districts are read."""
    return list(
        Nomination.objects.visible_to(scope)
        .confirmed()  # an unconfirmed one may be anyone's words
        .filter(state=state)
        .filter(Q(cd__isnull=False) | Q(sldu__isnull=False) | Q(sldl__isnull=False))
        .only("nominee_name", "created_at", "cd_id", "sldu_id", "sldl_id")
        .order_by("-created_at", "-pk")
    )


def nominations_by_district(nominations: list[Nomination], *, chamber: str) -> dict[int, list[Nomination]]:
    """``nominations`` grouped by their ``chamber`` district id (no query)."""
    found: dict[int, list[Nomination]] = {}
    for nomination in nominations:
        district_id = getattr(nomination, f"{chamber}_id")
        if district_id is not None:
            found.setdefault(district_id, []).append(nomination)
    return found

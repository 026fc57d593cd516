"""Reads of sign-ups for organizers, always limited to what they may see (``SignUp.objects.visible_to``)."""

from functools import reduce
from operator import or_

from django.db.models import Q

from accounts.scope import Scope
from districts.models import Chamber, District, ZipCode
from districts.selectors import district_lookup, district_lookup_at_zip

from .models import SignUp


def signup_list(*, user, filters: dict):
    """Sign-ups for the organizer API, filtered by validated ``kind``, ``state``, ``district`` (a GEOID
    of the ``layer`` given, else of any chamber), ``confirmed`` (bool),
    ``location_quality`` and ``since`` (aware datetime)."""
    qs = SignUp.objects.visible_to(Scope.of(user)).with_districts().order_by("-created_at", "-pk")
    kind = filters.get("kind")
    if kind == "run":
        qs = qs.runners()
    elif kind == "volunteer":
        qs = qs.volunteers()
    if state := filters.get("state"):
        qs = qs.filter(state=state)
    if geoid := filters.get("district"):
        # Without ``layer`` the chambers, as before the local layers: a county GEOID such as 36075
        # (Oswego County) equals an Assembly district's, and a client asking for that district
        # must not start receiving the county's people.
        layers = [filters["layer"]] if filters.get("layer") else Chamber.values
        # A sign-up points at the current unit of each layer: match by the units' ids (found by the
        # GEOID index), not by a join per layer.
        units = District.objects.filter(geoid=geoid, chamber__in=layers).values("pk")
        qs = qs.filter(reduce(or_, (Q(**{f"{layer}__in": units}) for layer in layers)))
    if filters.get("confirmed") is True:
        qs = qs.confirmed()
    elif filters.get("confirmed") is False:
        qs = qs.filter(confirmed_at__isnull=True)
    if quality := filters.get("location_quality"):
        qs = qs.filter(location_quality=quality)
    if since := filters.get("since"):
        qs = qs.filter(created_at__gte=since)
    return qs


def signup_by_email(email: str) -> SignUp | None:
    """The one sign-up of this address (case-insensitive), or None."""
    return SignUp.objects.with_email(email).first()


def signup_related_rows(signup: SignUp) -> list:
    """Every row elsewhere that is about this person: what deleting the sign-up deletes
    (cascades, in any app that points at sign-ups) or detaches (``SET_NULL``).

    Found through Django's deletion collector, so an app added later (which must point
    at ``SignUp`` to hold anything about a person) is covered without changes here.
    """
    from django.db import router
    from django.db.models.deletion import Collector

    collector = Collector(using=router.db_for_write(SignUp), origin=signup)
    collector.collect([signup])
    rows = [obj for model, objs in collector.data.items() if model is not SignUp for obj in objs]
    for qs in collector.fast_deletes:
        rows.extend(qs)
    for _key, objs in collector.field_updates.items():
        for batch in objs:
            rows.extend(batch)
    return rows


def signup_export(*, signup: SignUp) -> dict:
    """Everything stored about one person, as JSON-ready data (a supporter's data request):
    the sign-up, the rows that point at it (held changes among them), and the rows that
    name them by email (``personal_data``: their submissions, nominations they made or received)."""
    from django.utils import timezone

    from . import personal_data

    rows = {
        (type(row), row.pk): row for row in [*signup_related_rows(signup), *personal_data.rows_by_email(signup.email)]
    }
    return {
        "exported_at": timezone.now().isoformat(),
        "signup": personal_data.serialized([signup])[0],
        # A submission points at its person and names them by email: found both ways, listed once.
        "related": personal_data.serialized(rows.values()),
    }


def location_districts(*, point: tuple[float, float] | None = None, zip_row: ZipCode | None = None) -> dict | None:
    """The districts of a submitted location, not of any stored person: a map point's
    ``(lat, lng)`` (``{layer: District | None}``, chambers and local governments), or the
    centre of a ZIP code that lies in one congressional district (``{chamber: District | None}``:
    the chambers only, since the centre may lie in another town or school district; a ZIP
    that spans several districts says nothing reliable). None otherwise.

    What the public answers to a sign-up (API body, thank-you page) may show: anyone can
    look these up for the same point or ZIP.
    """
    if point is not None:
        return district_lookup(lat=point[0], lng=point[1])
    if zip_row is not None and not zip_row.is_ambiguous:
        found = district_lookup_at_zip(zip_row)
        return {chamber: found[chamber] for chamber in Chamber.values}
    return None

"""Reads of sign-ups for organizers, always limited to the states they may see."""

from django.db.models import Q

from .models import SignUp


def signups_visible_to(user):
    """The one place that decides which sign-ups an organizer may see: those of their states."""
    if user is None or not user.is_authenticated:
        return SignUp.objects.none()
    if getattr(user, "all_states", False):
        return SignUp.objects.all()
    return SignUp.objects.filter(state__in=list(getattr(user, "states", []) or []))


def signup_list(*, user, filters: dict):
    """Sign-ups for the organizer API, filtered by validated ``kind``, ``state``, ``district``
    (any chamber's GEOID), ``confirmed`` (bool), ``location_quality`` and ``since`` (aware datetime)."""
    qs = signups_visible_to(user).select_related("cd", "sldu", "sldl").order_by("-created_at", "-pk")
    kind = filters.get("kind")
    if kind == "run":
        qs = qs.runners()
    elif kind == "volunteer":
        qs = qs.volunteers()
    if state := filters.get("state"):
        qs = qs.filter(state=state)
    if geoid := filters.get("district"):
        qs = qs.filter(Q(cd__geoid=geoid) | Q(sldu__geoid=geoid) | Q(sldl__geoid=geoid))
    if filters.get("confirmed") is True:
        qs = qs.confirmed()
    elif filters.get("confirmed") is False:
        qs = qs.filter(confirmed_at__isnull=True)
    if quality := filters.get("location_quality"):
        qs = qs.filter(location_quality=quality)
    if since := filters.get("since"):
        qs = qs.filter(created_at__gte=since)
    return qs

"""Small formatting helpers for the organizer pages."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def pct(value) -> str:
    """A percentage from the selectors (one decimal, or None when there is nothing to divide by)."""
    if value is None:
        return "n/a"
    if value == int(value):
        return f"{int(value)}%"
    return f"{value:.1f}%"


@register.filter
def thousands(value) -> str:
    """1234567 -> '1,234,567'."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.filter
def get(mapping, key):
    """``mapping[key]`` in a template (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def office_names(codes) -> str:
    """['state_house', 'us_house'] -> 'State house, U.S. House'."""
    from signups.models import Office

    labels = dict(Office.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])


# A district's status on organizer pages (``coverage.rules``), as words.
STATUS_WORDS = {"filed": "Filed / on the ballot", "candidate": "Candidate", "volunteers": "Volunteers only"}


@register.filter
def district_status(status: str) -> str:
    """A district's status as a labelled badge: a filter, not an include, as a state page shows
    one per district (thousands with the local layers), and an include costs far more."""
    return format_html('<span class="status status--{}">{}</span>', status, STATUS_WORDS.get(status, "Nobody"))

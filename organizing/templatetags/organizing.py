"""Small formatting helpers for the organizer pages."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from ..pages import reversed_once

register = template.Library()


@register.simple_tag
def nav_url(name: str) -> str:
    """``{% url name %}`` for a URL without arguments, reversed once per process (``reversed_once``)."""
    return reversed_once(name)


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


def _status_badge(status: str) -> str:
    """A district's status as a labelled badge."""
    return format_html('<span class="status status--{}">{}</span>', status, STATUS_WORDS.get(status, "Nobody"))


# A state page lists every district of every layer (thousands with the local units): each row is
# one filter call, made in Python, instead of a dozen template variables (most of the page's time).
_DELEGATE = mark_safe(' <span class="muted">(non-voting delegate)</span>')


def _district_row(district, query: str, *, after_name: str, counts: tuple) -> str:
    """A district's row of a state page's table: its linked name, GEOID, ``counts`` and status."""
    cells = format_html_join("", "<td>{}</td>", ((cell,) for cell in (district.geoid, *counts)))
    return format_html(
        '<tr data-geoid="{}" data-status="{}"><th scope="row"><a href="{}{}">{}</a>{}</th>{}<td>{}</td></tr>',
        district.geoid,
        district.status,
        district.url,
        query,
        district.name,
        after_name,
        cells,
        _status_badge(district.status),
    )


@register.filter
def chamber_row(district, query: str) -> str:
    """A district's row in a state page's chamber table (candidates, filed, volunteers)."""
    after_name = "" if district.voting else _DELEGATE
    counts = (district.candidates, district.filed, district.volunteers)
    return _district_row(district, query, after_name=after_name, counts=counts)


@register.filter
def unit_row(district, query: str) -> str:
    """A local unit's row in a state page's lens table (no filed count: local filing is not tracked)."""
    return _district_row(district, query, after_name="", counts=(district.candidates, district.volunteers))

"""Recording who was shown supporters' personal data (``AuditEvent``, ``services.audit_record``).

Where the recording happens:

* organizer pages and the people export call ``audit_record`` themselves, after
  the selectors granted access, because only they know which people they show;
* the token APIs that return people (sign-ups, candidates) are wrapped at the URL
  level by ``audited_urls`` (``berniecrat/urls.py``), so ``signups`` and
  ``pipeline`` stay unaware of the organizer side that keeps the log;
* the Django admin's sign-up pages record in ``organizing.admin``.

A refused request (anonymous, another state's person: 404, a bad filter: 400)
showed nobody and is not an event. Filters are recorded as parsed values of
known parameters, never as typed text, so no name or email reaches the log.
"""

import datetime
from functools import wraps

from django.urls import URLPattern

from accounts.models import AuditEvent
from accounts.services import audit_record
from coverage import CoverageFilters
from districts.models import District
from districts.states import BY_USPS

# A filter value that is neither a choice, a state, a district, a date nor a number.
OTHER = "(other)"


def coverage_filters(filters: CoverageFilters, **extra: str) -> dict:
    """The dashboard filters (already parsed, so only valid values) as a JSON object."""
    recorded: dict[str, str] = {}
    for key, value in filters.to_params():
        recorded[key] = f"{recorded[key]},{value}" if key in recorded else value
    return recorded | {key: value for key, value in extra.items() if value}


def _safe(field, value):
    """A validated query value if it cannot be a person's name or email, else ``OTHER``."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, datetime.date):  # and datetime
        return value.isoformat()
    value = str(value)
    if value in getattr(field, "choices", {}) or value.upper() in BY_USPS:
        return value
    # A district filter is a GEOID; text that names no district is kept out of the log.
    return value if District.objects.filter(geoid=value).exists() else OTHER


def query_filters(request, query_serializer) -> dict:
    """The validated parameters of an API query (``query_serializer``), for the log."""
    query = query_serializer(data=request.GET)
    if not query.is_valid():
        return {}
    return {
        name: _safe(query.fields[name], value)
        for name, value in query.validated_data.items()
        if name in request.GET and value not in (None, "", [])
    }


def _people(data) -> int:
    """How many people a JSON answer carries: a list, a paginated page, or one object."""
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return len(data["results"])
    return 1


def audited_api(view, *, resource: str, query_serializer=None):
    """Wrap an API view: each answer (2xx) to an authenticated organizer is an ``api`` event.

    ``resource`` may name the URL's arguments (``"signup {pk}"``). The user is read
    after the view ran: DRF's token authentication sets it on the request then.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        user = getattr(request, "user", None)
        if 200 <= response.status_code < 300 and user is not None and user.is_authenticated:
            audit_record(
                user=user,
                action=AuditEvent.Action.API,
                resource=resource.format(**kwargs),
                filters=query_filters(request, query_serializer) if query_serializer else {},
                count=_people(getattr(response, "data", None)),
            )
        return response

    return wrapped


def audited_urls(urlpatterns, *, app_name: str, resources: dict[str, str], queries: dict | None = None):
    """``urlpatterns`` (an app's API URLs) with each named view wrapped by ``audited_api``,
    for ``include()``: ``resources`` maps a URL name to its resource label, ``queries``
    a URL name to the serializer of its query parameters."""
    queries = queries or {}
    wrapped = []
    for pattern in urlpatterns:
        if isinstance(pattern, URLPattern) and pattern.name in resources:
            callback = audited_api(
                pattern.callback, resource=resources[pattern.name], query_serializer=queries.get(pattern.name)
            )
            pattern = URLPattern(pattern.pattern, callback, pattern.default_args, pattern.name)
        wrapped.append(pattern)
    return wrapped, app_name


def audited_rows(rows, *, user, resource: str, filters: dict):
    """Pass an export's rows through, then record an ``export`` event with how many left.

    Recorded when the stream ends (or the download is cut off): the count is the rows
    actually sent. A stream never started sent nobody and records nothing.
    """
    sent = 0
    try:
        for row in rows:
            yield row
            sent += 1
    finally:
        audit_record(user=user, action=AuditEvent.Action.EXPORT, resource=resource, filters=filters, count=sent)

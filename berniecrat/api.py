"""API conventions shared by every endpoint."""

import json

from django.conf import settings
from django.forms import Form
from django.http import JsonResponse
from django.utils import translation
from rest_framework import exceptions, serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Validation errors answer ``{"errors": {"field": ["message"]}}``; others ``{"detail": ...}``."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        detail = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"errors": detail}
    return response


class JSONNegotiation(DefaultContentNegotiation):
    """A view with one renderer (every endpoint of ours: ``JSONRenderer``) answers with it, whatever
    ``Accept`` asks; a view with several (the OpenAPI schema's YAML and JSON) negotiates as DRF does.

    With one renderer the client's ``Accept`` could only turn an answer into a 406; reading it
    cost every request more than the rest of DRF's set-up (issue 11's sign-up door). The request
    body's type is still checked (``select_parser``): anything but JSON is a 415.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        if len(renderers) == 1:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


class StrictJSONParser(JSONParser):
    """JSON bodies that are valid Unicode text only.

    JSON may escape a lone UTF-16 surrogate (``"\\ud800"``); Python parses it into a
    string that can never be stored in PostgreSQL or written back out as UTF-8, so
    such a body is refused as a parse error (400) instead of failing later (500).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise exceptions.ParseError("JSON parse error - the body holds an unpaired surrogate.") from exc
        return data


class OrganizerPagination(CursorPagination):
    """Every list of the organizer API, a page at a time: ``{"next": url, "previous": url, "results": [...]}``.

    ``page_size`` may ask for fewer or more rows than ``API_PAGE_SIZE``, never more than
    ``API_MAX_PAGE_SIZE``: one request (one stolen token, one runaway script) cannot take a
    whole state's people at once. A cursor, unlike a page number, neither skips nor repeats
    rows added meanwhile. The view names its order in ``cursor_ordering`` (fields on the
    model itself, the last one unique).
    """

    page_size = settings.API_PAGE_SIZE
    max_page_size = settings.API_MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = ("-pk",)

    def get_ordering(self, request, queryset, view):
        return tuple(getattr(view, "cursor_ordering", self.ordering))


class PaginatedListMixin:
    """For an ``APIView`` answering a list: ``self.paginated(queryset, Serializer)``; the
    ``pagination_class`` attribute also makes the OpenAPI schema describe the page."""

    pagination_class = OrganizerPagination
    cursor_ordering = ("-pk",)

    def paginated(self, queryset, serializer_class):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)


class ErrorsSerializer(serializers.Serializer):
    """Shape of every 400 answer (for the OpenAPI schema)."""

    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Messages per field name."
    )


def form_errors_response(form: Form) -> JsonResponse:
    """A Django form's errors as every 400 of the API: ``{"errors": {"field": ["message"]}}``."""
    errors = {
        "non_field_errors" if field == "__all__" else field: [error["message"] for error in field_errors]
        for field, field_errors in form.errors.get_json_data().items()
    }
    return JsonResponse({"errors": errors}, status=400)


class AcceptLanguageMixin:
    """Answer messages in the client's Accept-Language.

    The API lives outside ``i18n_patterns``, where LocaleMiddleware would always
    pick the default language for an unprefixed path.
    """

    def initial(self, request, *args, **kwargs):
        translation.activate(translation.get_language_from_request(request._request))
        super().initial(request, *args, **kwargs)


def by_method(**views):
    """One URL whose methods are different views (``by_method(get=ListApi.as_view(), post=...)``):
    each keeps its own authentication, parsers and schema, instead of one view switching
    them on ``request.method``. Another method is a 405 naming the allowed ones."""
    from django.http import HttpResponseNotAllowed
    from django.views.decorators.csrf import csrf_exempt
    from rest_framework.views import APIView

    handlers = {method.upper(): view for method, view in views.items()}
    if "GET" in handlers:
        handlers.setdefault("HEAD", handlers["GET"])

    @csrf_exempt  # each DRF view enforces CSRF itself where its authentication needs it
    def view(request, *args, **kwargs):
        handler = handlers.get(request.method)
        if handler is None:
            return HttpResponseNotAllowed(sorted(handlers))
        return handler(request, *args, **kwargs)

    # For drf-spectacular's URL walk: the methods this URL answers (``split_by_method``
    # then describes each with its own view).
    view.views_by_method = handlers
    view.cls = type("ByMethod", (APIView,), {method.lower(): None for method in handlers})
    view.initkwargs = {}
    return view


def split_by_method(endpoints):
    """drf-spectacular pre-processing hook: an endpoint served through ``by_method`` is described
    by the view that answers its method."""
    return [
        (path, regex, method, getattr(callback, "views_by_method", {}).get(method, callback))
        for path, regex, method, callback in endpoints
    ]

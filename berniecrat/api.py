"""API conventions shared by every endpoint."""

import json

from django.utils import translation
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Validation errors answer ``{"errors": {"field": ["message"]}}``; others ``{"detail": ...}``."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        detail = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"errors": detail}
    return response


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


class ErrorsSerializer(serializers.Serializer):
    """Shape of every 400 answer (for the OpenAPI schema)."""

    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Messages per field name."
    )


class AcceptLanguageMixin:
    """Answer messages in the client's Accept-Language.

    The API lives outside ``i18n_patterns``, where LocaleMiddleware would always
    pick the default language for an unprefixed path.
    """

    def initial(self, request, *args, **kwargs):
        translation.activate(translation.get_language_from_request(request._request))
        super().initial(request, *args, **kwargs)

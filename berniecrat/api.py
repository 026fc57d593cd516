"""API conventions shared by every endpoint."""

from django.utils import translation
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Validation errors answer ``{"errors": {"field": ["message"]}}``; others ``{"detail": ...}``."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        detail = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"errors": detail}
    return response


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

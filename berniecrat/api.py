"""API conventions shared by every endpoint."""

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

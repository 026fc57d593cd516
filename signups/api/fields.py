"""Field types shared by the sign-up API's serializers (public intake and organizers' reads)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from berniecrat.memo import per_thread

from .. import validation


def django_rule(rule):
    """Run a rule from ``validation`` and report its message the DRF way."""

    def run(value):
        try:
            return rule(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    return run


class CleanCharField(serializers.CharField):
    """A string without control characters, trimmed."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Must be a string."))
        return super().to_internal_value(validation.clean_text(data))


class NameField(CleanCharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=100, validators=[django_rule(validation.validate_name)], **kwargs)


class FieldsBuiltOnceMixin:
    """A serializer whose fields are built once per process and thread instead of for every instance.

    DRF deep-copies every declared field (nested serializers and list children included) each
    time a serializer is made: for the public intake that was a third of a sign-up's time in
    Python (``bench/findings.md``, issue 11). Validation keeps no state on the fields, so one set,
    bound to the first instance, serves every later one of the thread. Only for serializers
    whose fields and validators read no ``context``.
    """

    @property
    def fields(self):
        return per_thread(type(self), lambda: serializers.Serializer.fields.func(self))

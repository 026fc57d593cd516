"""Public sign-up intake for embedded forms and partner sites: ``POST /api/v1/signups/``.

JSON only (a form or multipart body is a 415: another site cannot make its visitors'
browsers post sign-ups with a plain HTML form). A valid sign-up is stored as one
submission row (``services.intake.submission_create``) and answered 202 with the same
body whoever the email belongs to: new, known, confirmed or unsubscribed, the answer
says nothing about any stored person. It carries the districts of the submitted
location itself (a map point, or an unambiguous ZIP's centre), which anyone can look up.

Rate limited (berniecrat.ratelimit) per client address (``SIGNUP_API_RATE``) and per
email (``SIGNUP_EMAIL_RATE``, shared with the HTML forms). A partner site posting its
own visitors' sign-ups sends ``X-Partner-Key`` (``SIGNUP_PARTNER_KEYS``): it is counted
per partner (``SIGNUP_PARTNER_RATE``) instead of per address, and the per-email limit
still applies. Over a limit the answer is 429 ``{"errors": {...}}`` with
``Retry-After``; an unknown key is 403. Both limits are counted once the body is validated,
in one Redis round trip; a body we refuse (400, 415) counts against the address or partner
alone, and over that limit is a 429 like any other request.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType
from rest_framework.response import Response
from rest_framework.views import APIView

from berniecrat import ratelimit
from berniecrat.api import AcceptLanguageMixin, ErrorsSerializer, StrictJSONParser
from berniecrat.middleware import mark_personal
from districts.api import DistrictsSerializer, lookup_payload

from .. import validation
from ..models import BallotLine, HelpScope, Language, Office, Skill, Source, Timeframe
from ..selectors import location_districts
from ..services.intake import submission_create
from .fields import CleanCharField, FieldsBuiltOnceMixin, NameField, django_rule


class AddressSerializer(serializers.Serializer):
    street = CleanCharField(max_length=200, required=False, allow_blank=True, default="")
    city = CleanCharField(max_length=100, required=False, allow_blank=True, default="")
    state = CleanCharField(max_length=2)
    zip = CleanCharField(max_length=10)

    def validate_state(self, value):
        return django_rule(validation.validate_state)(value)

    def validate_zip(self, value):
        return django_rule(validation.normalize_zip)(value)

    def validate(self, data):
        try:
            # Kept for the answer's districts (an unambiguous ZIP's centre), so the ZIP is read once.
            data["zip_row"] = validation.zip_matches_state(data["zip"], data["state"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"zip": exc.messages}) from exc
        return data


class LocationSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)


class SignUpCreateSerializer(FieldsBuiltOnceMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=["run", "volunteer"])
    first_name = NameField()
    last_name = NameField()
    email = serializers.EmailField(max_length=254)
    phone = CleanCharField(max_length=30, required=False, allow_blank=True, default="")
    address = AddressSerializer()
    location = LocationSerializer(required=False, allow_null=True, default=None)
    offices = serializers.ListField(
        child=serializers.ChoiceField(choices=Office.choices), required=False, max_length=len(Office.choices)
    )
    timeframe = serializers.ChoiceField(choices=Timeframe.choices, required=False)
    ballot_line = serializers.ChoiceField(choices=BallotLine.choices, required=False)
    statement = CleanCharField(max_length=2000, required=False, allow_blank=True)
    experience = CleanCharField(max_length=2000, required=False, allow_blank=True)
    skills = serializers.ListField(
        child=serializers.ChoiceField(choices=Skill.choices), required=False, max_length=len(Skill.choices)
    )
    hours_per_week = serializers.IntegerField(min_value=1, max_value=80, required=False)
    help_scope = serializers.ChoiceField(choices=HelpScope.choices, required=False)
    consent_email = serializers.BooleanField(required=False, default=False)
    consent_sms = serializers.BooleanField(required=False, default=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False, default=Language.EN)

    def validate_phone(self, value):
        return django_rule(validation.normalize_phone)(value) if value else ""

    def validate(self, data):
        # The same fields are required as on the HTML forms.
        required = {"run": ("offices", "timeframe"), "volunteer": ("skills", "hours_per_week", "help_scope", "phone")}
        missing = {f: [_("This field is required.")] for f in required[data["kind"]] if not data.get(f)}
        if missing:
            raise serializers.ValidationError(missing)
        return data


class SignUpReceivedSerializer(serializers.Serializer):
    """The one answer to every accepted sign-up, whoever the email belongs to."""

    status = serializers.ChoiceField(choices=["received"], help_text="Always 'received'; an email follows.")
    districts = DistrictsSerializer(
        allow_null=True,
        help_text="Districts and local governments of the submitted map point, or the districts of the ZIP "
        "code's centre when the ZIP lies in one congressional district (then no local governments: the centre "
        "may lie in another town); null otherwise. Nothing about any stored person.",
    )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Errors of a nested object (address, location) or list items (by index).",
            },
        ]
    }
)
class FieldErrorsField(serializers.JSONField):
    pass


class SignUpErrorsSerializer(serializers.Serializer):
    """Shape of the intake's 4xx answers: messages per field, nested for ``address`` and ``location``."""

    errors = serializers.DictField(child=FieldErrorsField(), help_text="Messages per field name.")


PARTNER_KEY_HEADER = "X-Partner-Key"
PARTNER_KEY_META = "HTTP_X_PARTNER_KEY"
UNKNOWN_PARTNER = object()


def signup_partner(request) -> str | None | object:
    """The partner named by the request's ``X-Partner-Key``: its name, None without the header,
    ``UNKNOWN_PARTNER`` for a key that is not ours."""
    # From META: ``request.headers`` would copy every header of the request first.
    key = request.META.get(PARTNER_KEY_META)
    if key is None:
        return None
    found = UNKNOWN_PARTNER
    for name, partner_key in settings.SIGNUP_PARTNER_KEYS.items():
        # Compare with every key in constant time: timing tells nothing about which matched.
        if partner_key and constant_time_compare(key, partner_key):
            found = name
    return found


def _refused(code: int, field: str, message: str, verdict: ratelimit.Verdict | None = None) -> Response:
    response = Response({"errors": {field: [str(message)]}}, status=code)
    if verdict is not None:
        response["Retry-After"] = str(verdict.retry_after)
    return response


def _too_many(field: str, verdict: ratelimit.Verdict) -> Response:
    from ..views import try_again_message

    return _refused(status.HTTP_429_TOO_MANY_REQUESTS, field, try_again_message(verdict), verdict)


def _admitted(request, door: ratelimit.Limit) -> dict | Response:
    """The request's validated sign-up, counted against ``door`` (its address's or partner's limit) and
    its email's limit; or the 429 that refuses it. An invalid body raises as usual, once counted."""
    try:
        incoming = SignUpCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
    except (APIException, RecursionError):
        # A body we refuse (not JSON, malformed, invalid, nested too deeply: ``handle_exception``)
        # still counts against the address or partner, and over that limit the answer is the 429
        # it always was, not the 400 or 415. Any other error is ours, not the client's: not counted.
        verdict = ratelimit.hit(*door)
        if not verdict.allowed:
            return _too_many("non_field_errors", verdict)
        raise
    data = dict(incoming.validated_data)
    # Both limits in one Redis round trip, in the order they were always checked: a request over
    # the address's limit is refused without counting against the email.
    over, verdict = ratelimit.hit_all(door, ratelimit.email_limit("signup", data["email"], settings.SIGNUP_EMAIL_RATE))
    if over is not None:
        return _too_many("non_field_errors" if over == 0 else "email", verdict)
    return data


class SignUpIntakeApi(AcceptLanguageMixin, APIView):
    """``POST``: a public sign-up, answered 202 the same way for every email."""

    authentication_classes = []
    permission_classes = []
    parser_classes = [StrictJSONParser]

    def handle_exception(self, exc):
        # Every refusal is {"errors": {...}}, as the schema says (DRF would answer a body it
        # cannot parse, or of the wrong type, with {"detail": ...}).
        if isinstance(exc, ParseError | UnsupportedMediaType):
            return _refused(exc.status_code, "non_field_errors", exc.detail)
        if isinstance(exc, RecursionError):
            # JSON nested deeper than Python's recursion limit: the parser gives up, and so do we.
            return _refused(status.HTTP_400_BAD_REQUEST, "non_field_errors", _("JSON nested too deeply."))
        return super().handle_exception(exc)

    @extend_schema(
        request=SignUpCreateSerializer,
        parameters=[
            OpenApiParameter(
                PARTNER_KEY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="A partner site's key: counted per partner instead of per client address.",
            )
        ],
        responses={
            202: SignUpReceivedSerializer,
            400: SignUpErrorsSerializer,
            403: ErrorsSerializer,
            415: ErrorsSerializer,
            429: ErrorsSerializer,
        },
        auth=[],
    )
    def post(self, request):
        mark_personal(request._request)
        partner = signup_partner(request)
        if partner is UNKNOWN_PARTNER:
            # Guessing keys counts against the address like any other request.
            ratelimit.hit_ip("signup_api", request, settings.SIGNUP_API_RATE)
            return _refused(status.HTTP_403_FORBIDDEN, "non_field_errors", _("Unknown partner key."))
        if partner is None:
            door = ratelimit.ip_limit("signup_api", request, settings.SIGNUP_API_RATE)
        else:
            door = ("signup_partner", partner, settings.SIGNUP_PARTNER_RATE)
        data = _admitted(request, door)
        if isinstance(data, Response):
            return data
        address = data.pop("address")
        location = data.pop("location")
        zip_row = address.pop("zip_row")
        point = (location["lat"], location["lng"]) if location else None
        submission_create(
            kind=data.pop("kind"),
            email=data.pop("email"),
            data=data | address,
            location=point,
            language=data.pop("language"),
            source=Source.API if partner is None else Source.PARTNER,
            partner=partner or "",
        )
        found = location_districts(point=point, zip_row=zip_row)
        body = {"status": "received", "districts": lookup_payload(found) if found is not None else None}
        return Response(body, status=status.HTTP_202_ACCEPTED)

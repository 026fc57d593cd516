"""JSON API: public sign-up intake for embedded forms, and organizers' read access.

The intake is rate limited (berniecrat.ratelimit) per client address
(``SIGNUP_API_RATE``) and per email (``SIGNUP_EMAIL_RATE``, shared with the HTML
forms). A partner site posting its own visitors' sign-ups sends ``X-Partner-Key``
(``SIGNUP_PARTNER_KEYS``): it is counted per partner (``SIGNUP_PARTNER_RATE``)
instead of per address, and the per-email limit still applies. Over a limit the
answer is 429 ``{"errors": {...}}`` with ``Retry-After``; an unknown key is 403.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from berniecrat import ratelimit
from berniecrat.api import AcceptLanguageMixin, ErrorsSerializer
from berniecrat.middleware import mark_personal
from districts.api import DistrictsSerializer, district_payload

from . import services, validation
from .models import BallotLine, HelpScope, Language, LocationQuality, Office, SignUp, Skill, Timeframe
from .selectors import signup_list


def _django_rule(rule):
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
        super().__init__(max_length=100, validators=[_django_rule(validation.validate_name)], **kwargs)


class AddressSerializer(serializers.Serializer):
    street = CleanCharField(max_length=200, required=False, allow_blank=True, default="")
    city = CleanCharField(max_length=100, required=False, allow_blank=True, default="")
    state = CleanCharField(max_length=2)
    zip = CleanCharField(max_length=10)

    def validate_state(self, value):
        return _django_rule(validation.validate_state)(value)

    def validate_zip(self, value):
        return _django_rule(validation.normalize_zip)(value)

    def validate(self, data):
        try:
            # Kept for signup_create, which would otherwise read the ZIP again.
            data["zip_row"] = validation.zip_matches_state(data["zip"], data["state"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"zip": exc.messages}) from exc
        return data


class LocationSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)


class SignUpCreateSerializer(serializers.Serializer):
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
        return _django_rule(validation.normalize_phone)(value) if value else ""

    def validate(self, data):
        # The same fields are required as on the HTML forms.
        required = {"run": ("offices", "timeframe"), "volunteer": ("skills", "hours_per_week", "help_scope", "phone")}
        missing = {f: [_("This field is required.")] for f in required[data["kind"]] if not data.get(f)}
        if missing:
            raise serializers.ValidationError(missing)
        return data


class SignUpFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["run", "volunteer"], required=False)
    state = CleanCharField(max_length=2, required=False)
    district = CleanCharField(max_length=12, required=False, help_text="GEOID of a district of any chamber.")
    confirmed = serializers.BooleanField(required=False, allow_null=True, default=None)
    since = serializers.DateTimeField(required=False, help_text="Created at or after (ISO 8601).")
    location_quality = serializers.ChoiceField(
        choices=LocationQuality.choices, required=False, help_text="E.g. 'none' for sign-ups to fix by hand."
    )

    def validate_state(self, value):
        return _django_rule(validation.validate_state)(value)


class SignUpOutSerializer(serializers.ModelSerializer):
    """What organizers see of a sign-up."""

    kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    districts = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = SignUp
        fields = [
            "id",
            "kinds",
            "first_name",
            "last_name",
            "email",
            "phone",
            "street",
            "city",
            "state",
            "zip",
            "language",
            "offices",
            "timeframe",
            "ballot_line",
            "statement",
            "experience",
            "skills",
            "hours_per_week",
            "help_scope",
            "consent_email",
            "consent_sms",
            "location_quality",
            "districts",
            "status",
            "confirmed_at",
            "confirmation_sent_at",
            "unsubscribed_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(DistrictsSerializer)
    def get_districts(self, obj) -> dict:
        return {chamber: district_payload(getattr(obj, chamber)) for chamber in ("cd", "sldu", "sldl")}

    def get_status(self, obj) -> str:
        return signup_status(obj)


def signup_status(signup: SignUp) -> str:
    if signup.unsubscribed_at:
        return "unsubscribed"
    return "confirmed" if signup.confirmed_at else "unconfirmed"


class SignUpCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["unconfirmed", "confirmed", "unsubscribed"])
    districts = DistrictsSerializer(allow_null=True, help_text="Null while the address is still being located.")


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
UNKNOWN_PARTNER = object()


def signup_partner(request) -> str | None | object:
    """The partner named by the request's ``X-Partner-Key``: its name, None without the header,
    ``UNKNOWN_PARTNER`` for a key that is not ours."""
    key = request.headers.get(PARTNER_KEY_HEADER)
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
    from .views import try_again_message

    return _refused(status.HTTP_429_TOO_MANY_REQUESTS, field, try_again_message(verdict), verdict)


class SignUpListCreateApi(AcceptLanguageMixin, ListAPIView):
    """``POST``: public sign-up (201 new, 200 known email). ``GET``: organizers' list (token)."""

    serializer_class = SignUpOutSerializer

    def _is_intake(self) -> bool:
        # One URL, two audiences: POST is the public intake, GET the organizers' list.
        return getattr(getattr(self, "request", None), "method", "GET") == "POST"

    def get_authenticators(self):
        return [] if self._is_intake() else [TokenAuthentication()]

    def handle_exception(self, exc):
        # The intake answers every refusal as {"errors": {...}}, as its schema says
        # (DRF would answer a body it cannot parse with {"detail": ...}).
        if self._is_intake() and isinstance(exc, ParseError | UnsupportedMediaType):
            return _refused(exc.status_code, "non_field_errors", exc.detail)
        if self._is_intake() and isinstance(exc, RecursionError):
            # JSON nested deeper than Python's recursion limit: the parser gives up, and so do we.
            return _refused(status.HTTP_400_BAD_REQUEST, "non_field_errors", _("JSON nested too deeply."))
        return super().handle_exception(exc)

    def get_permissions(self):
        return [] if self._is_intake() else [IsAuthenticated()]

    @extend_schema(parameters=[SignUpFilterSerializer], responses={200: SignUpOutSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = SignUpFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return signup_list(user=self.request.user, filters=filters.validated_data)

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
            201: SignUpCreatedSerializer,
            200: SignUpCreatedSerializer,
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
            verdict = ratelimit.hit_ip("signup_api", request, settings.SIGNUP_API_RATE)
        else:
            verdict = ratelimit.hit("signup_partner", partner, settings.SIGNUP_PARTNER_RATE)
        if not verdict.allowed:
            return _too_many("non_field_errors", verdict)
        incoming = SignUpCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        verdict = ratelimit.hit_email("signup", data["email"], settings.SIGNUP_EMAIL_RATE)
        if not verdict.allowed:
            return _too_many("email", verdict)
        address = data.pop("address")
        location = data.pop("location")
        zip_row = address.pop("zip_row")
        result = services.signup_create(
            kind=data.pop("kind"),
            email=data.pop("email"),
            data=data | address,
            location=(location["lat"], location["lng"]) if location else None,
            zip_row=zip_row,
        )
        signup = result.signup
        body = {
            "id": signup.pk,
            "status": signup_status(signup),
            "districts": (
                {c: district_payload(getattr(signup, c)) for c in ("cd", "sldu", "sldl")} if signup.located_at else None
            ),
        }
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class SignUpDetailApi(RetrieveAPIView):
    serializer_class = SignUpOutSerializer
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return signup_list(user=self.request.user, filters={})

"""JSON API: public sign-up intake for embedded forms, and organizers' read access."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from berniecrat.api import AcceptLanguageMixin, ErrorsSerializer
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
            validation.zip_matches_state(data["zip"], data["state"])
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


class SignUpIntakeThrottle(AnonRateThrottle):
    """Per-address limit on public sign-ups (``SIGNUP_API_RATE``; off with ``RATELIMIT_ENABLE=0``)."""

    scope = "signup_intake"

    def get_rate(self):
        return settings.SIGNUP_API_RATE if settings.RATELIMIT_ENABLE else None

    def allow_request(self, request, view):
        # Read the settings on every request, not once at start-up.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class SignUpListCreateApi(AcceptLanguageMixin, ListAPIView):
    """``POST``: public sign-up (201 new, 200 known email). ``GET``: organizers' list (token)."""

    serializer_class = SignUpOutSerializer

    def _is_intake(self) -> bool:
        # One URL, two audiences: POST is the public intake, GET the organizers' list.
        return getattr(getattr(self, "request", None), "method", "GET") == "POST"

    def get_authenticators(self):
        return [] if self._is_intake() else [TokenAuthentication()]

    def get_permissions(self):
        return [] if self._is_intake() else [IsAuthenticated()]

    def get_throttles(self):
        return [SignUpIntakeThrottle()] if self._is_intake() else []

    @extend_schema(parameters=[SignUpFilterSerializer], responses={200: SignUpOutSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = SignUpFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return signup_list(user=self.request.user, filters=filters.validated_data)

    @extend_schema(
        request=SignUpCreateSerializer,
        responses={201: SignUpCreatedSerializer, 200: SignUpCreatedSerializer, 400: ErrorsSerializer},
        auth=[],
    )
    def post(self, request):
        incoming = SignUpCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        address = data.pop("address")
        location = data.pop("location")
        result = services.signup_create(
            kind=data.pop("kind"),
            email=data.pop("email"),
            data=data | address,
            location=(location["lat"], location["lng"]) if location else None,
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

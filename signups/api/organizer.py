"""Organizers' token-authenticated reads of sign-ups: the list (``GET /api/v1/signups/``) and
one person (``GET /api/v1/signups/{id}/``), limited to the organizer's states."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated

from accounts.access import ApiTokenAuthentication
from berniecrat.api import AcceptLanguageMixin, ErrorsSerializer, OrganizerPagination
from districts.api import DistrictsSerializer, units_payload
from districts.models import LAYER_CHOICES

from .. import validation
from ..models import LocationQuality, SignUp
from ..selectors import signup_list
from .fields import CleanCharField, django_rule


class SignUpFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["run", "volunteer"], required=False)
    state = CleanCharField(max_length=2, required=False)
    district = CleanCharField(
        max_length=12,
        required=False,
        help_text="Census GEOID of a district or local unit the people are assigned to: '3612' (a congressional "
        "district), '36001' (a state senate or house district, or a county), '3651000' (a city), '3620580' (a "
        "school district). A district of any chamber unless `layer` is given (a local unit needs it).",
    )
    layer = serializers.ChoiceField(
        choices=LAYER_CHOICES,
        required=False,
        help_text="The layer of `district`: a chamber (cd, sldu, sldl) or a local layer (county, cousub, place, "
        "unsd, elsd, scsd). GEOIDs of different layers can be equal (Assembly district 36075 and Oswego "
        "County 36075): without `layer`, `district` is a chamber's district, as before the local layers.",
    )
    confirmed = serializers.BooleanField(required=False, allow_null=True, default=None)
    since = serializers.DateTimeField(required=False, help_text="Created at or after (ISO 8601).")
    location_quality = serializers.ChoiceField(
        choices=LocationQuality.choices, required=False, help_text="E.g. 'none' for sign-ups to fix by hand."
    )

    def validate_state(self, value):
        return django_rule(validation.validate_state)(value)

    def validate(self, data):
        if data.get("layer") and not data.get("district"):
            raise serializers.ValidationError({"district": [_("Give the GEOID of a district of this layer.")]})
        return data


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
        return units_payload(obj)

    def get_status(self, obj) -> str:
        return signup_status(obj)


def signup_status(signup: SignUp) -> str:
    if signup.unsubscribed_at:
        return "unsubscribed"
    return "confirmed" if signup.confirmed_at else "unconfirmed"


class SignUpListApi(AcceptLanguageMixin, ListAPIView):
    """``GET``: the organizers' list of sign-ups in their states (token), newest first, a page at a time."""

    serializer_class = SignUpOutSerializer
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]
    pagination_class = OrganizerPagination
    cursor_ordering = ("-pk",)

    @extend_schema(
        parameters=[SignUpFilterSerializer], responses={200: SignUpOutSerializer(many=True), 400: ErrorsSerializer}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = SignUpFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return signup_list(user=self.request.user, filters=filters.validated_data)


class SignUpDetailApi(RetrieveAPIView):
    serializer_class = SignUpOutSerializer
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return signup_list(user=self.request.user, filters={})

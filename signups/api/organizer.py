"""Organizers' token-authenticated reads of sign-ups: the list (``GET /api/v1/signups/``) and
one person (``GET /api/v1/signups/{id}/``), limited to the organizer's states."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated

from accounts.access import ApiTokenAuthentication
from berniecrat.api import AcceptLanguageMixin, OrganizerPagination
from districts.api import DistrictsSerializer, district_payload

from .. import validation
from ..models import LocationQuality, SignUp
from ..selectors import signup_list
from .fields import CleanCharField, django_rule


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
        return django_rule(validation.validate_state)(value)


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


class SignUpListApi(AcceptLanguageMixin, ListAPIView):
    """``GET``: the organizers' list of sign-ups in their states (token), newest first, a page at a time."""

    serializer_class = SignUpOutSerializer
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]
    pagination_class = OrganizerPagination
    cursor_ordering = ("-pk",)

    @extend_schema(parameters=[SignUpFilterSerializer], responses={200: SignUpOutSerializer(many=True)})
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

"""Organizers' API for the pipeline (token authentication; limited to their states)."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ApiTokenAuthentication
from berniecrat.api import ErrorsSerializer, PaginatedListMixin
from districts.api import DistrictsSerializer, units_payload
from districts.models import LAYER_CHOICES
from signups.models import SignUp, Skill

from . import selectors, services
from .models import Introduction, Stage, StageChange


class OrganizerApi(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    def candidate(self, pk):
        """The candidate, or 404 outside the organizer's states (as if it did not exist)."""
        return get_object_or_404(selectors.candidates_visible_to(self.request.user.scope), pk=pk)


class StageChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "changed_by", "changed_at", "note"]


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    state = serializers.CharField()
    offices = serializers.ListField(child=serializers.CharField())
    stage = serializers.CharField()
    organizer = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    skills_wanted = serializers.SerializerMethodField()
    next_step_on = serializers.SerializerMethodField()
    districts = serializers.SerializerMethodField()

    def _candidacy(self, obj):
        return getattr(obj, "candidacy", None)

    def get_organizer(self, obj) -> str | None:
        candidacy = self._candidacy(obj)
        return candidacy.organizer.email if candidacy and candidacy.organizer else None

    def get_notes(self, obj) -> str:
        return self._candidacy(obj).notes if self._candidacy(obj) else ""

    def get_tags(self, obj) -> list[str]:
        return self._candidacy(obj).tags if self._candidacy(obj) else []

    def get_skills_wanted(self, obj) -> list[str]:
        return self._candidacy(obj).skills_wanted if self._candidacy(obj) else []

    def get_next_step_on(self, obj) -> str | None:
        candidacy = self._candidacy(obj)
        return candidacy.next_step_on.isoformat() if candidacy and candidacy.next_step_on else None

    @extend_schema_field(DistrictsSerializer)
    def get_districts(self, obj) -> dict:
        return units_payload(obj)


class CandidateUpdateSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, help_text="Why the stage changed.")
    organizer = serializers.EmailField(required=False, allow_null=True, help_text="Email of the organizer to assign.")
    notes = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=50)
    skills_wanted = serializers.ListField(child=serializers.ChoiceField(choices=Skill.choices), required=False)
    next_step_on = serializers.DateField(required=False, allow_null=True)

    def validate_organizer(self, email):
        if email is None:
            return None
        organizer = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if organizer is None:
            raise serializers.ValidationError("No organizer has this email.")
        return organizer


class CandidateListQuery(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    state = serializers.CharField(max_length=2, required=False)
    mine = serializers.BooleanField(required=False, default=False)


class CandidateListApi(PaginatedListMixin, OrganizerApi):
    cursor_ordering = ("last_name", "first_name", "pk")

    @extend_schema(
        parameters=[CandidateListQuery], responses={200: CandidateSerializer(many=True), 400: ErrorsSerializer}
    )
    def get(self, request):
        query = CandidateListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        candidates = selectors.candidate_list(
            user=request.user, stage=params.get("stage"), state=(params.get("state") or "").upper(), mine=params["mine"]
        )
        return self.paginated(candidates, CandidateSerializer)


class CandidateDetailApi(OrganizerApi):
    @extend_schema(responses={200: CandidateSerializer})
    def get(self, request, pk):
        candidate = self.candidate(pk)
        history = StageChange.objects.filter(candidacy__signup=candidate).select_related("changed_by")
        return Response(
            CandidateSerializer(candidate).data | {"history": StageChangeSerializer(history, many=True).data}
        )

    @extend_schema(request=CandidateUpdateSerializer, responses={200: CandidateSerializer, 400: ErrorsSerializer})
    def patch(self, request, pk):
        candidate = self.candidate(pk)
        update = CandidateUpdateSerializer(data=request.data)
        update.is_valid(raise_exception=True)
        try:
            # One transaction: a refused assignment leaves the stage unchanged too.
            services.candidacy_update(signup_id=candidate.pk, by=request.user, **update.validated_data)
        except services.PipelineError as exc:
            return Response({"errors": {"organizer": [str(exc)]}}, status=status.HTTP_400_BAD_REQUEST)
        return self.get(request, pk)


class MatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    state = serializers.CharField()
    skills = serializers.ListField(child=serializers.CharField())
    help_scope = serializers.CharField()
    relation = serializers.ChoiceField(choices=["same", "neighbour", "anywhere"])
    shared_skills = serializers.IntegerField()
    distance_km = serializers.SerializerMethodField()

    def get_distance_km(self, obj) -> float | None:
        distance = getattr(obj, "distance", None)
        return round(distance.km, 1) if distance is not None else None


class MatchQuery(serializers.Serializer):
    chamber = serializers.ChoiceField(
        choices=LAYER_CHOICES,
        required=False,
        default="sldl",
        help_text="The layer whose units match: a chamber (cd, sldu, sldl) or a local layer (county, cousub, "
        "place, unsd, elsd, scsd: volunteers in a school board candidate's school district).",
    )


class CandidateMatchesApi(OrganizerApi):
    @extend_schema(parameters=[MatchQuery], responses={200: MatchSerializer(many=True)})
    def get(self, request, pk):
        candidate = self.candidate(pk)
        query = MatchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        matches = selectors.volunteer_matches(scope=request.user.scope, candidate=candidate, **query.validated_data)
        return Response(MatchSerializer(matches, many=True).data)


class IntroductionSerializer(serializers.ModelSerializer):
    introduced_by = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = Introduction
        fields = ["id", "candidate", "volunteer", "introduced_by", "created_at", "emailed_at"]


class IntroductionCreateSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(help_text="Sign-up id of the volunteer.")


class CandidateIntroductionsApi(PaginatedListMixin, OrganizerApi):
    @extend_schema(responses={200: IntroductionSerializer(many=True)})
    def get(self, request, pk):
        candidate = self.candidate(pk)
        introductions = (
            Introduction.objects.visible_to(request.user.scope)
            .filter(candidate=candidate)
            .select_related("introduced_by")
        )
        return self.paginated(introductions, IntroductionSerializer)

    @extend_schema(
        request=IntroductionCreateSerializer,
        responses={201: IntroductionSerializer, 200: IntroductionSerializer, 400: ErrorsSerializer},
    )
    def post(self, request, pk):
        candidate = self.candidate(pk)
        body = IntroductionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # The volunteer must be visible to this organizer too.
        volunteer = get_object_or_404(
            SignUp.objects.visible_to(request.user.scope).volunteers(), pk=body.validated_data["volunteer"]
        )
        try:
            introduction, created = services.introduction_create(
                candidate_id=candidate.pk, volunteer_id=volunteer.pk, by=request.user
            )
        except services.PipelineError as exc:
            return Response({"errors": {"volunteer": [str(exc)]}}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            IntroductionSerializer(introduction).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

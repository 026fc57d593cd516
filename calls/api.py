"""The call teams' API (token authentication): team CRUD and statistics for organizers (within
their states), "next person" and outcomes for callers' clients (members of the team, with a
second factor set up on their account). Answers that show a person are in the audit log."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import ApiTokenAuthentication
from accounts.models import AuditEvent
from accounts.services import audit_record
from berniecrat.api import ErrorsSerializer, PaginatedListMixin
from districts.api import units_payload
from districts.states import BY_USPS

from . import selectors
from .access import has_second_factor
from .models import TEAM_LAYER_CHOICES, Call, CallTeam, Outcome
from .rendering import sms_link
from .services import CallError, outcomes, queue, teams


class TokenApi(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    def team(self, pk) -> CallTeam:
        """A team the organizer may manage, or 404 (as if it did not exist)."""
        return get_object_or_404(selectors.teams_for_organizer(self.request.user), pk=pk)


def _errors(exc: CallError, field: str = "non_field_errors") -> Response:
    return Response({"errors": {field: [str(exc)]}}, status=status.HTTP_400_BAD_REQUEST)


class TeamSerializer(serializers.ModelSerializer):
    states = serializers.ListField(child=serializers.ChoiceField(choices=sorted(BY_USPS)), min_length=1)
    chamber = serializers.ChoiceField(
        choices=TEAM_LAYER_CHOICES,
        required=False,
        allow_blank=True,
        help_text="Chamber (cd, sldu, sldl) or local layer (county, cousub, place, unsd, elsd, scsd) of the "
        "districts; a chamber also ranks the queue, a local layer and blank rank by state house.",
    )
    districts = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        write_only=True,
        help_text="GEOIDs of the chamber's districts, or of the local layer's units (school districts, towns, "
        "counties), the team calls; empty: the whole of its states.",
    )
    questions = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=8)

    class Meta:
        model = CallTeam
        fields = ["id", "name", "states", "chamber", "districts", "script", "questions", "sms_template", "archived_at"]
        read_only_fields = ["id", "archived_at"]

    def to_representation(self, team):
        data = super().to_representation(team)
        data["districts"] = sorted(team.districts.values_list("geoid", flat=True))
        return data

    def validate(self, data):
        if "districts" in data:
            chamber = data.get("chamber") or getattr(self.instance, "chamber", "")
            ids = selectors.team_district_ids(chamber=chamber, geoids=data.pop("districts"))
            if ids is None:
                raise serializers.ValidationError(
                    {"districts": ["Give current GEOIDs of the team's chamber or local layer."]}
                )
            data["district_ids"] = ids
        return data


class TeamListApi(PaginatedListMixin, TokenApi):
    @extend_schema(responses={200: TeamSerializer(many=True)})
    def get(self, request):
        return self.paginated(selectors.teams_for_organizer(request.user), TeamSerializer)

    @extend_schema(request=TeamSerializer, responses={201: TeamSerializer, 400: ErrorsSerializer})
    def post(self, request):
        body = TeamSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            team = teams.team_create(by=request.user, **body.validated_data)
        except CallError as exc:
            return _errors(exc)
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)


class TeamDetailApi(TokenApi):
    @extend_schema(responses={200: TeamSerializer})
    def get(self, request, pk):
        return Response(TeamSerializer(self.team(pk)).data)

    @extend_schema(request=TeamSerializer, responses={200: TeamSerializer, 400: ErrorsSerializer})
    def patch(self, request, pk):
        team = self.team(pk)
        body = TeamSerializer(team, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            team = teams.team_update(team=team, by=request.user, **body.validated_data)
        except CallError as exc:
            return _errors(exc)
        return Response(TeamSerializer(team).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        """Stop the team calling (its calls and statistics stay)."""
        teams.team_archive(team=self.team(pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CountSerializer(serializers.Serializer):
    calls = serializers.IntegerField()
    reached = serializers.IntegerField()
    rate = serializers.IntegerField(help_text="Reached, in percent of calls.")


class DaySerializer(CountSerializer):
    day = serializers.DateField()


class CallerStatsSerializer(CountSerializer):
    caller = serializers.EmailField(source="caller__email")


class TeamStatsSerializer(CountSerializer):
    per_day = DaySerializer(many=True)
    outcomes = serializers.DictField(child=serializers.IntegerField(), help_text="Calls per outcome.")
    moved = serializers.DictField(child=serializers.IntegerField(), help_text="People moved, per stage reached.")
    per_caller = CallerStatsSerializer(many=True)
    queue = serializers.DictField(child=serializers.IntegerField(), help_text="waiting, parked, do_not_call.")


class TeamStatsApi(TokenApi):
    @extend_schema(responses={200: TeamStatsSerializer})
    def get(self, request, pk):
        stats = selectors.team_stats(self.team(pk))
        stats["outcomes"] = {row["outcome"]: row["calls"] for row in stats["outcomes"]}
        stats["moved"] = {row["moved_to"]: row["people"] for row in stats["moved"]}
        return Response(TeamStatsSerializer(stats).data)


class NextSerializer(serializers.Serializer):
    team = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The team you call for.")


class EarlierCallSerializer(serializers.ModelSerializer):
    class Meta:
        model = Call
        fields = ["finished_at", "outcome", "answers", "note"]


class PersonSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.CharField()
    offices = serializers.ListField(child=serializers.CharField())
    timeframe = serializers.CharField()
    statement = serializers.CharField()
    districts = serializers.DictField(
        help_text="cd, sldu, sldl: each {geoid, ocd_id, name, state, chamber}, or null when none."
    )
    time_zone = serializers.CharField()


class CallSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    team = serializers.IntegerField(source="team_id")
    expires_at = serializers.DateTimeField()
    person = PersonSerializer()
    earlier_calls = EarlierCallSerializer(many=True)
    script = serializers.CharField(help_text="The team's script, Markdown.")
    questions = serializers.ListField(child=serializers.CharField())
    sms = serializers.CharField(help_text="An sms: link with the team's text filled in, for the caller's own phone.")


def call_payload(call: Call, *, caller) -> dict:
    card = selectors.person_card(call)
    signup = card["signup"]
    return {
        "id": call.pk,
        "team_id": call.team_id,
        "expires_at": call.expires_at,
        "person": {
            "first_name": signup.first_name,
            "last_name": signup.last_name,
            "phone": f"+{signup.phone}",
            "offices": list(signup.offices),
            "timeframe": signup.timeframe,
            "statement": signup.statement,
            "districts": units_payload(signup),
            "time_zone": card["time_zone"],
        },
        "earlier_calls": card["earlier"],
        "script": call.team.script,
        "questions": call.team.questions,
        "sms": sms_link(signup.phone, call.team.sms_template, first_name=signup.first_name, caller=caller.name or ""),
    }


class CallerApi(TokenApi):
    def check_caller(self, team: CallTeam | None):
        if team is None or not teams.is_caller(team=team, user=self.request.user):
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        if not has_second_factor(self.request.user):
            return Response(
                {"detail": "Set up a second factor (TOTP or a passkey) before calling."},
                status=status.HTTP_403_FORBIDDEN,
            )
        return None


class NextApi(CallerApi):
    @extend_schema(request=NextSerializer, responses={200: CallSerializer, 204: None, 404: None})
    def post(self, request):
        """Claim the next person for 15 minutes (or get your open call again); 204 when nobody can be called now."""
        body = NextSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = CallTeam.objects.filter(pk=body.validated_data["team"]).first()
        if refused := self.check_caller(team):
            return refused
        call = queue.call_next(team=team, caller=request.user)
        if call is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = CallSerializer(call_payload(call, caller=request.user)).data
        audit_record(
            user=request.user, action=AuditEvent.Action.API, resource=f"call {call.pk} signup {call.signup_id}", count=1
        )
        return Response(data)


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    answers = serializers.DictField(child=serializers.CharField(max_length=500, allow_blank=True), required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    callback_at = serializers.DateTimeField(required=False, allow_null=True, help_text="With a time zone.")


class OutcomeResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = Call
        fields = ["id", "outcome", "answers", "note", "callback_at", "moved_to", "finished_at"]


class OutcomeApi(CallerApi):
    @extend_schema(
        request=OutcomeSerializer, responses={200: OutcomeResultSerializer, 400: ErrorsSerializer, 404: None}
    )
    def post(self, request, pk):
        call = Call.objects.filter(pk=pk, caller=request.user).select_related("team").first()
        if refused := self.check_caller(call.team if call else None):
            return refused
        body = OutcomeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            call = outcomes.call_record_outcome(call_id=call.pk, caller=request.user, **body.validated_data)
        except CallError as exc:
            return _errors(exc)
        return Response(OutcomeResultSerializer(call).data)

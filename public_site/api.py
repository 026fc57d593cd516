"""Public JSON API: ``/api/v1/public/coverage/`` and ``/api/v1/public/districts/``.

No authentication, the same answer for everyone, shared-cache headers and ETags
(``public_site.http``). Statuses and figures only: no filter narrows an answer below a
whole district (the only parameters are a place for the finder), and no answer
carries a count of people in a district or a state.
"""

import json

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers

from berniecrat.api import ErrorsSerializer, form_errors_response
from coverage.layers import LENSES
from districts.models import LocalLayer

from .coverage import CHAMBERS, public_snapshot
from .forms import PlaceQueryForm
from .http import PlainGetApi, memoized, public_response
from .selectors import place_at_point, place_at_zip

JSON = "application/json"
STATUS_HELP = "none: nobody wants to run here yet; candidate: someone wants to run here; filed: a candidate has filed."

_FIGURES = inline_serializer(
    "PublicCoverageFigures",
    {
        "covered": serializers.IntegerField(help_text="Districts where someone wants to run."),
        "total": serializers.IntegerField(help_text="Districts counted (no Census placeholder areas)."),
        "percent": serializers.FloatField(allow_null=True, help_text="covered / total in percent, one decimal."),
        "filed": serializers.IntegerField(help_text="Districts with a candidate who has filed or is on the ballot."),
        "filed_percent": serializers.FloatField(allow_null=True, help_text="filed / total in percent, one decimal."),
    },
)
_CHAMBERS = inline_serializer("PublicCoverageChambers", dict.fromkeys(CHAMBERS, _FIGURES))
_LENSES = inline_serializer(
    "PublicCoverageLenses",
    {lens.key: _FIGURES for lens in LENSES},
    help_text="Local offices (school_board, council, county): governing school districts, cities and towns, "
    "counties where a confirmed supporter who lives there wants to run for that office.",
)


def _body(data) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


class PublicCoverageApi(PlainGetApi):
    """How many districts of each chamber have someone who wants to run, nationally and per state."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "PublicCoverage",
                {
                    "updated_at": serializers.DateTimeField(help_text="When these figures were counted (UTC)."),
                    "supporters": inline_serializer(
                        "PublicSupporters",
                        {
                            "run": serializers.IntegerField(help_text="Confirmed supporters who want to run."),
                            "volunteer": serializers.IntegerField(help_text="Confirmed volunteers, nationwide only."),
                        },
                    ),
                    "chambers": _CHAMBERS,
                    "lenses": _LENSES,
                    "states": inline_serializer(
                        "PublicStateCoverage",
                        {
                            "state": serializers.CharField(help_text="USPS code."),
                            "name": serializers.CharField(),
                            **dict.fromkeys(CHAMBERS, _FIGURES),
                            "lenses": _LENSES,
                        },
                        many=True,
                    ),
                },
            )
        },
    )
    def get(self, request):
        snapshot = public_snapshot()

        def build() -> bytes:
            return _body(
                {
                    "updated_at": snapshot.built_at.isoformat(),
                    "supporters": snapshot.supporters,
                    "chambers": snapshot.chambers,
                    "lenses": snapshot.lenses,
                    "states": snapshot.states,
                }
            )

        body, etag = memoized(snapshot.version, "api:coverage", build)
        return public_response(request, body, content_type=JSON, etag=etag)


_DISTRICT = inline_serializer(
    "PublicDistrict",
    {
        "geoid": serializers.CharField(),
        "name": serializers.CharField(),
        "state": serializers.CharField(),
        "status": serializers.ChoiceField(choices=["none", "candidate", "filed"], help_text=STATUS_HELP),
    },
    allow_null=True,
)
_LOCAL_UNIT = inline_serializer(
    "PublicLocalUnit",
    {
        "layer": serializers.ChoiceField(choices=LocalLayer.choices, help_text="The Census layer of the unit."),
        "geoid": serializers.CharField(),
        "name": serializers.CharField(),
        "type": serializers.CharField(help_text="What the unit is, as Census names it: 'County', 'town', ..."),
    },
    many=True,
    help_text="The local governments of a point (county, town or city, school districts), county first; "
    "names only, no status. Empty for a ZIP code: its centre may lie in another town.",
)


class PublicDistrictsApi(PlainGetApi):
    """The visitor's district in each chamber with its status, for a point or a ZIP code.

    ``quality`` says how the place was found: ``point``, ``zip`` (the ZIP code's centre),
    ``ambiguous`` (the ZIP spans several congressional districts, so its centre may be
    in the wrong one) or ``none`` (an unknown ZIP: no districts).
    """

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", float, description="Latitude, WGS 84 (with lng)."),
            OpenApiParameter("lng", float, description="Longitude, WGS 84 (with lat)."),
            OpenApiParameter("zip", str, description="ZIP code (instead of lat/lng)."),
        ],
        responses={
            200: inline_serializer(
                "PublicDistricts",
                {
                    "quality": serializers.ChoiceField(choices=["point", "zip", "ambiguous", "none"]),
                    **dict.fromkeys(CHAMBERS, _DISTRICT),
                    "local": _LOCAL_UNIT,
                },
            ),
            400: ErrorsSerializer,
        },
    )
    def get(self, request):
        query = PlaceQueryForm(request.GET)
        if not query.is_valid():
            return form_errors_response(query)
        data = query.cleaned_data
        place = place_at_zip(zip_code=data["zip"]) if data["zip"] else place_at_point(lat=data["lat"], lng=data["lng"])
        answer = {"quality": place.quality}
        for chamber, district in place.ordered():
            answer[chamber] = (
                None
                if district is None
                else {
                    "geoid": district.geoid,
                    "name": district.name,
                    "state": district.state,
                    "status": district.status,
                }
            )
        answer["local"] = [
            {"layer": unit.chamber, "geoid": unit.geoid, "name": unit.name, "type": unit.kind} for unit in place.local
        ]
        return public_response(request, _body(answer), content_type=JSON)

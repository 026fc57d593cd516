"""Coverage over HTTP for scripts: ``/api/v1/coverage/`` and ``/api/v1/coverage/districts/``.

Token authentication (``create_organizer --token``); the same filters as the
dashboard, as query parameters (``coverage.filters``); a bad parameter is a 400
``{"errors": {"parameter": ["message"]}}``. Answers are limited to the token's
organizer's states like every organizer page: another state's figures are
simply not there (zeros, empty lists). Both answers come from the coverage cache
(``coverage.cache``: a minute, per scope and filters) like the dashboard's.
"""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

import coverage
from accounts.access import ApiTokenAuthentication
from berniecrat.api import ErrorsSerializer
from coverage import CoverageFilters
from coverage import cache as coverage_cache
from coverage.layers import BY_KEY, LENS_BY_KEY, LENSES, layers_asked
from coverage.rules import STATUSES, status_asked
from districts.models import LAYER_CHOICES

FILTER_PARAMETERS = [
    OpenApiParameter("kind", str, enum=["run", "volunteer"], description="Count only candidates or volunteers."),
    OpenApiParameter("state", str, description="USPS code(s), repeated or comma-separated."),
    OpenApiParameter("since", str, description="First day (YYYY-MM-DD) of sign-ups counted."),
    OpenApiParameter("until", str, description="Last day (YYYY-MM-DD) of sign-ups counted."),
    OpenApiParameter("confirmed", bool, description="true: confirmed sign-ups only."),
    OpenApiParameter("ballot_line", str, description="Candidates leaning to this ballot line."),
    OpenApiParameter("office", str, description="Candidates who would run for this office."),
    OpenApiParameter(
        "stage", str, description="Candidates at this pipeline stage (new, contacted, ... filed, on_ballot)."
    ),
    OpenApiParameter(
        "vintage",
        str,
        description="A loaded boundary vintage; default current maps. Bare for the chambers (CD120; 2026 for "
        "both state chambers), with its layer or lens for a local layer (county:2026, place:2024, "
        "school_board:2026). Repeat it for several.",
    ),
]


FIGURE_KEYS = ("covered", "total", "percent", "filed", "filed_percent")


def _figures(figures: dict) -> dict:
    return {key: figures[key] for key in FIGURE_KEYS}


_FIGURES = inline_serializer(
    "CoverageFigures",
    {
        "covered": serializers.IntegerField(help_text="Districts with at least one would-be candidate."),
        "total": serializers.IntegerField(help_text="Districts counted (no Census placeholder areas)."),
        "percent": serializers.FloatField(
            allow_null=True, help_text="covered / total in percent, one decimal; null when total is 0."
        ),
        "filed": serializers.IntegerField(
            help_text="Districts with a candidate who has filed, is on the ballot, won or lost (the second lens)."
        ),
        "filed_percent": serializers.FloatField(
            allow_null=True, help_text="filed / total in percent, one decimal; null when total is 0."
        ),
    },
)
LENSES_HELP = (
    "Local offices: school_board (unified, elementary and secondary school districts), council "
    "(incorporated places and governing towns), county. A unit is covered when someone assigned to it "
    "would run for its office; totals count governing units only (no census-designated places or "
    "statistical areas)."
)
DISTRICT_KEYS = ("state", "geoid", "ocd_id", "name", "candidates", "filed", "volunteers", "status")


class CoverageApi(APIView):
    """How many districts of each chamber have a would-be candidate, overall and per state; and how many
    school districts, cities and towns, and counties have one for their office (the local lenses)."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={
            200: inline_serializer(
                "Coverage",
                {
                    "signups": inline_serializer(
                        "CoverageSignups", {"run": serializers.IntegerField(), "volunteer": serializers.IntegerField()}
                    ),
                    "chambers": inline_serializer(
                        "CoverageChambers", {"cd": _FIGURES, "sldu": _FIGURES, "sldl": _FIGURES}
                    ),
                    "lenses": inline_serializer(
                        "CoverageLenses", {lens.key: _FIGURES for lens in LENSES}, help_text=LENSES_HELP
                    ),
                    "states": inline_serializer(
                        "CoverageState",
                        {
                            "state": serializers.CharField(),
                            "cd": _FIGURES,
                            "sldu": _FIGURES,
                            "sldl": _FIGURES,
                            "lenses": inline_serializer("CoverageStateLenses", {lens.key: _FIGURES for lens in LENSES}),
                        },
                        many=True,
                    ),
                },
            ),
            400: ErrorsSerializer,
        },
    )
    def get(self, request):
        filters, errors = CoverageFilters.from_query(request.query_params)
        if errors:
            return Response({"errors": errors}, status=400)
        summary = coverage.coverage_summary(scope=request.user.scope, filters=filters)
        return Response(
            {
                "signups": summary["signups"],
                "chambers": {chamber: _figures(summary["chambers"][chamber]) for chamber in ("cd", "sldu", "sldl")},
                "lenses": {lens.key: _figures(summary["lenses"][lens.key]) for lens in LENSES},
                "states": [
                    {
                        "state": row["state"],
                        **{chamber: _figures(row[chamber]) for chamber in ("cd", "sldu", "sldl")},
                        "lenses": {lens.key: _figures(row["lenses"][lens.key]) for lens in LENSES},
                    }
                    for row in summary["states"]
                ],
            }
        )


DISTRICT_PARAMETERS = [
    OpenApiParameter(
        "chamber",
        str,
        enum=list(BY_KEY),
        description="A chamber (cd, sldu, sldl) or a local layer (unsd, elsd, scsd: school boards; "
        "place, cousub: councils; county: county offices). Local units are the governing ones; "
        "their candidates are those who would run for the unit's office. Give chamber or lens.",
    ),
    OpenApiParameter(
        "lens",
        str,
        enum=list(LENS_BY_KEY),
        description="Every layer of a local lens: school_board (unsd, elsd, scsd), council (place, "
        "cousub), county. Give chamber or lens.",
    ),
    OpenApiParameter(
        "status",
        str,
        enum=list(STATUSES),
        description="Only the districts with this status: none (nobody), volunteers (volunteers but no "
        "candidate), candidate, filed.",
    ),
    *FILTER_PARAMETERS,
]
DISTRICT_ROWS = inline_serializer(
    "CoverageDistrict",
    {
        "layer": serializers.ChoiceField(choices=LAYER_CHOICES, help_text="The district's layer."),
        "state": serializers.CharField(help_text="USPS code of the state."),
        "geoid": serializers.CharField(),
        "ocd_id": serializers.CharField(),
        "name": serializers.CharField(),
        "candidates": serializers.IntegerField(help_text="Would-be candidates in the district."),
        "filed": serializers.IntegerField(
            help_text="Of these, candidates who have filed, are on the ballot, won or lost."
        ),
        "volunteers": serializers.IntegerField(help_text="Volunteers in the district."),
        "status": serializers.ChoiceField(
            choices=["none", "volunteers", "candidate", "filed"],
            help_text="filed, else candidate when covered, else volunteers, else none.",
        ),
    },
    many=True,
)


class CoverageDistrictsApi(APIView):
    """Every district of one chamber, governing unit of one local layer, or unit of one local lens (its
    layers') in the organizer's states, with its counts; ``status=none``: only those with nobody."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=DISTRICT_PARAMETERS, responses={200: DISTRICT_ROWS, 400: ErrorsSerializer})
    def get(self, request):
        filters, errors = CoverageFilters.from_query(request.query_params)
        layers = layers_asked(request.query_params, errors)
        status = status_asked(request.query_params, errors)
        if not layers and not errors:
            errors["chamber"] = [f"Give a chamber or a local layer ({', '.join(BY_KEY)}), or a lens."]
        if errors:
            return Response({"errors": errors}, status=400)

        def rows() -> list[dict]:
            return [
                {"layer": key, **{field: row[field] for field in DISTRICT_KEYS}}
                for key in layers
                for row in coverage.district_rows(
                    scope=request.user.scope, filters=filters, layer_key=key, fields=("ocd_id", "name"), status=status
                )
            ]

        # Counts only, like the summary: kept in the coverage cache for its minute, as the JSON
        # sent (the answer is only ever JSON; rendering thousands of counties again on every
        # request would cost more than reading them from Redis).
        key = coverage_cache.cache_key(
            "districts", scope=request.user.scope, filters=filters, part=f"{','.join(layers)}:{status or ''}"
        )
        body = coverage_cache.cached(key, lambda: JSONRenderer().render(rows()))
        return HttpResponse(body, content_type="application/json")

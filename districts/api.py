"""Public JSON API: which districts a point lies in."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from berniecrat.api import ErrorsSerializer

from .selectors import district_lookup


class PointSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="Latitude, WGS 84.")
    lng = serializers.FloatField(min_value=-180, max_value=180, help_text="Longitude, WGS 84.")


class DistrictSerializer(serializers.Serializer):
    geoid = serializers.CharField()
    ocd_id = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField()
    chamber = serializers.CharField()


class DistrictsSerializer(serializers.Serializer):
    """A point's district in each chamber; null where there is none."""

    cd = DistrictSerializer(allow_null=True)
    sldu = DistrictSerializer(allow_null=True)
    sldl = DistrictSerializer(allow_null=True)


PAYLOAD_FIELDS = ("geoid", "ocd_id", "name", "state", "chamber")


def district_payload(district) -> dict | None:
    """``DistrictSerializer``'s output, built directly: three serializers per lookup cost more than the query."""
    return {field: str(getattr(district, field)) for field in PAYLOAD_FIELDS} if district is not None else None


class DistrictLookupApi(APIView):
    """``GET /api/v1/districts/lookup?lat=..&lng=..`` -> ``{"cd": {...}|null, "sldu": ..., "sldl": ...}``."""

    authentication_classes = []
    permission_classes = []
    serializer_class = DistrictsSerializer

    @extend_schema(parameters=[PointSerializer], responses={200: DistrictsSerializer, 400: ErrorsSerializer})
    def get(self, request):
        params = PointSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        found = district_lookup(**params.validated_data)
        return Response({chamber: district_payload(d) for chamber, d in found.items()})

"""Public JSON API: which districts a point lies in."""

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

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


def district_payload(district) -> dict | None:
    return DistrictSerializer(district).data if district is not None else None


class DistrictLookupApi(APIView):
    """``GET /api/v1/districts/lookup?lat=..&lng=..`` -> ``{"cd": {...}|null, "sldu": ..., "sldl": ...}``."""

    authentication_classes = []
    permission_classes = []

    def get(self, request):
        params = PointSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        found = district_lookup(**params.validated_data)
        return Response({chamber: district_payload(d) for chamber, d in found.items()})

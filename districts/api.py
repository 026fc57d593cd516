"""Public JSON API: which districts a point lies in."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from berniecrat.api import ErrorsSerializer

from .layers import LOCAL_LAYERS
from .models import LAYERS, LocalLayer
from .selectors import CHAMBERS, district_lookup


class PointSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="Latitude, WGS 84.")
    lng = serializers.FloatField(min_value=-180, max_value=180, help_text="Longitude, WGS 84.")


class DistrictSerializer(serializers.Serializer):
    geoid = serializers.CharField()
    ocd_id = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField()
    chamber = serializers.CharField()


class LocalUnitSerializer(serializers.Serializer):
    geoid = serializers.CharField(
        help_text="Census GEOID: '50007' (county), '5000860175' (county subdivision), '5024175' (place), "
        "'5001620' (school district)."
    )
    name = serializers.CharField(help_text="Census name with its kind, e.g. 'Chittenden County', 'Essex town'.")
    type = serializers.CharField(
        help_text="What the unit is, as Census names it: 'County', 'Parish', 'city', 'town', 'village', "
        "'borough', 'township', 'unified school district', ..."
    )
    ocd_id = serializers.CharField(
        allow_null=True,
        help_text="Open Civic Data division ID (counties, incorporated places); null where OCD defines none.",
    )
    state = serializers.CharField(help_text="USPS code of the state.")
    layer = serializers.ChoiceField(choices=LocalLayer.choices, help_text="The Census layer the unit comes from.")


class LocalSerializer(serializers.Serializer):
    """The local governments of a point: only units with a government of their own (no
    census-designated places or statistical county subdivisions)."""

    county = LocalUnitSerializer(allow_null=True, help_text="The county or equivalent; null where none is loaded.")
    municipalities = LocalUnitSerializer(
        many=True,
        help_text="The towns and cities that govern the point: a governing town or township (cousub), an "
        "incorporated place (place), or both where a village lies inside a town; empty in unincorporated areas.",
    )
    school_districts = LocalUnitSerializer(
        many=True,
        help_text="One unified school district, or an elementary and a secondary one; empty where none is loaded.",
    )


class DistrictsSerializer(serializers.Serializer):
    """A point's district in each chamber (null where there is none) and its local governments."""

    cd = DistrictSerializer(allow_null=True)
    sldu = DistrictSerializer(allow_null=True)
    sldl = DistrictSerializer(allow_null=True)
    local = LocalSerializer()


PAYLOAD_FIELDS = ("geoid", "ocd_id", "name", "state", "chamber")
# The lookup's local groups, each listing its layers in ``LOCAL_LAYERS`` order (town before village).
LOCAL_GROUPS = {
    group: [layer for layer, spec in LOCAL_LAYERS.items() if spec.group == group]
    for group in ("county", "municipality", "school_district")
}


def district_payload(district) -> dict | None:
    """``DistrictSerializer``'s output, built directly: three serializers per lookup cost more than the query."""
    return {field: str(getattr(district, field)) for field in PAYLOAD_FIELDS} if district is not None else None


def local_unit_payload(district) -> dict | None:
    """``LocalUnitSerializer``'s output, built directly (as ``district_payload``)."""
    if district is None:
        return None
    return {
        "geoid": district.geoid,
        "name": district.name,
        "type": district.kind,
        "ocd_id": district.ocd_id or None,
        "state": district.state,
        "layer": district.chamber,
    }


def lookup_payload(found: dict) -> dict:
    """``DistrictsSerializer``'s output for ``district_lookup``'s answer."""

    def units(group: str) -> list[dict]:
        return [local_unit_payload(found[layer]) for layer in LOCAL_GROUPS[group] if found.get(layer) is not None]

    payload = {chamber: district_payload(found.get(chamber)) for chamber in CHAMBERS}
    payload["local"] = {
        "county": local_unit_payload(found.get(LocalLayer.COUNTY)),
        "municipalities": units("municipality"),
        "school_districts": units("school_district"),
    }
    return payload


def units_payload(holder) -> dict:
    """``DistrictsSerializer``'s output for an object holding its unit of each layer as an attribute
    (a sign-up's assigned districts and local units)."""
    return lookup_payload({layer: getattr(holder, layer) for layer in LAYERS})


class DistrictLookupApi(APIView):
    """``GET /api/v1/districts/lookup?lat=..&lng=..`` -> ``{"cd": {...}|null, "sldu": ..., "sldl": ...,
    "local": {"county": {...}|null, "municipalities": [...], "school_districts": [...]}}``."""

    authentication_classes = []
    permission_classes = []
    serializer_class = DistrictsSerializer

    @extend_schema(parameters=[PointSerializer], responses={200: DistrictsSerializer, 400: ErrorsSerializer})
    def get(self, request):
        params = PointSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        found = district_lookup(**params.validated_data)
        return Response(lookup_payload(found))

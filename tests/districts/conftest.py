"""Helpers for the district tests: the lookup API, the management commands, synthetic layers.

The real Census districts are loaded once per session by ``tests/conftest.py``;
synthetic layers written here are loaded inside a test's transaction and roll back.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

LOOKUP_URL = "/api/v1/districts/lookup"
FULL_RESOLUTION = "tiger2024_full_resolution"
NY_FILES = {
    "cd": f"{FULL_RESOLUTION}/tl_2024_36_cd119.zip",
    "sldu": f"{FULL_RESOLUTION}/tl_2024_36_sldu.zip",
    "sldl": f"{FULL_RESOLUTION}/tl_2024_36_sldl.zip",
}


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(scope="session")
def boundaries_dir(data_dir) -> Path:
    return data_dir / "boundaries"


def lookup(client: APIClient, lat, lng) -> dict:
    """``GET /api/v1/districts/lookup``; fails the test unless it answers 200."""
    response = client.get(LOOKUP_URL, {"lat": repr(lat), "lng": repr(lng)})
    assert response.status_code == 200, response.content
    return response.json()


def run_command(name: str, *args, **options) -> str:
    """Run a management command and return what it printed."""
    out = StringIO()
    call_command(name, *[str(a) for a in args], stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def square(lng: float, lat: float, size: float) -> list:
    """GeoJSON polygon coordinates of a square with its south-west corner at (lng, lat)."""
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return [ring]


def feature(properties: dict, coordinates: list, geometry_type: str = "Polygon") -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": geometry_type, "coordinates": coordinates},
    }


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def cd_properties(state_fips: str, code: str, *, congress: int = 120, name: str | None = None) -> dict:
    """Attributes of a TIGER/Line congressional district of the given Congress."""
    return {
        "STATEFP": state_fips,
        f"CD{congress}FP": code,
        "GEOID": f"{state_fips}{code}",
        "NAMELSAD": name or f"Congressional District {int(code)}",
        "LSAD": "C2",
        "MTFCC": "G5200",
    }

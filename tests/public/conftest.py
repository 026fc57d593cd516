"""Public pages' tests: each test its own cache namespace and a fresh public snapshot."""

import uuid

import pytest
from django.contrib.gis.geos import Point

from districts.models import District
from public_site.coverage import public_snapshot_forget

EMPIRE_STATE = (40.7484, -73.9857)  # (lat, lng): NY-12, Assembly 75, Senate 28
BURLINGTON = (44.4759, -73.2121)  # Vermont at large


@pytest.fixture(autouse=True)
def _own_public_cache(settings):
    """Figures, pages and tiles cached by an earlier test (or another checkout's run on this
    machine's Redis) must not answer this one."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"berniecrat-test-public-{uuid.uuid4().hex}"
    settings.CACHES = caches
    public_snapshot_forget()
    yield
    public_snapshot_forget()


def district_at(chamber: str, lat: float, lng: float) -> District:
    return (
        District.objects.current()
        .countable()
        .filter(chamber=chamber)
        .get(geometry__intersects=Point(lng, lat, srid=4326))
    )

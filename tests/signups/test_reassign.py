"""reassign_districts re-resolves every sign-up against the current maps."""

from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from signups.models import SignUp
from tests.factories import SignUpFactory

pytestmark = pytest.mark.django_db


def test_reassign_sets_districts_from_each_location():
    empire = SignUpFactory(location=Point(-73.9857, 40.7484, srid=4326))
    juneau = SignUpFactory(state="AK", zip="99801", location=Point(-134.4197, 58.3019, srid=4326))
    at_sea = SignUpFactory(location=Point(-40.0, 35.0, srid=4326))
    unlocated = SignUpFactory(location=None)
    out = StringIO()
    call_command("reassign_districts", stdout=out)
    assert "3 sign-ups" in out.getvalue()
    rows = {s.pk: s for s in SignUp.objects.select_related("cd", "sldu", "sldl")}
    assert (rows[empire.pk].cd.geoid, rows[empire.pk].sldl.geoid) == ("3612", "36075")
    assert rows[juneau.pk].cd.ocd_id == "ocd-division/country:us/state:ak/cd:at-large"
    assert rows[at_sea.pk].cd is None and rows[at_sea.pk].sldl is None
    assert rows[unlocated.pk].districts_assigned_at is None


def test_reassign_follows_a_new_current_vintage(tmp_path):
    """After redistricting loads a new current CD map, sign-ups move to its districts."""
    import json

    signup = SignUpFactory(state="WY", zip="82001", location=Point(-104.82, 41.14, srid=4326))
    call_command("reassign_districts", stdout=StringIO())
    assert SignUp.objects.get(pk=signup.pk).cd.geoid == "5600"
    redrawn = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "STATEFP": "56",
                    "CD120FP": "00",
                    "GEOID": "5600",
                    "NAMELSAD": "Congressional District (at Large)",
                    "LSAD": "C1",
                    "MTFCC": "G5200",
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[-111.1, 41.0], [-104.0, 41.0], [-104.0, 45.0], [-111.1, 45.0], [-111.1, 41.0]]],
                },
            }
        ],
    }
    path = tmp_path / "tl_2026_56_cd120.geojson"
    path.write_text(json.dumps(redrawn))
    call_command("load_districts", str(path), "--make-current", stdout=StringIO())
    call_command("reassign_districts", stdout=StringIO())
    cd = SignUp.objects.select_related("cd__boundary_set").get(pk=signup.pk).cd
    assert cd.boundary_set.vintage == "CD120"

"""reassign_districts re-resolves every sign-up against the current maps."""

from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection

from districts.models import District
from signups.models import SignUp
from tests.factories import SignUpFactory, signup_in

pytestmark = pytest.mark.django_db


def test_reassign_sets_districts_from_each_location():
    empire = SignUpFactory(location=Point(-73.9857, 40.7484, srid=4326))
    juneau = SignUpFactory(state="AK", zip="99801", location=Point(-134.4197, 58.3019, srid=4326))
    at_sea = SignUpFactory(location=Point(-40.0, 35.0, srid=4326))
    unlocated = SignUpFactory(location=None)
    out = StringIO()
    call_command("reassign_districts", stdout=out)
    assert "3 sign-ups" in out.getvalue()
    assert "3 changed" in out.getvalue()  # the factory stored no districts
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


def _row_version(pk: int) -> int:
    """The row's ``xmin``: which transaction wrote its current version (any UPDATE changes it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text::bigint FROM signups_signup WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_reassign_writes_only_sign_ups_whose_districts_change():
    """A sign-up already in its current districts is left as it is: same row, same districts_assigned_at."""
    ny12 = District.objects.current().get(chamber="cd", geoid="3612")
    settled = signup_in(ny12)
    SignUp.objects.filter(pk=settled.pk).update(districts_assigned_at="2026-01-01T00:00:00Z")
    stale = signup_in(ny12)
    SignUp.objects.filter(pk=stale.pk).update(cd=None, districts_assigned_at="2026-01-01T00:00:00Z")
    version = _row_version(settled.pk)

    out = StringIO()
    call_command("reassign_districts", stdout=out)

    assert "Checked the districts of 2 sign-ups; 1 changed." in out.getvalue()
    settled_after = SignUp.objects.get(pk=settled.pk)
    assert settled_after.districts_assigned_at.isoformat() == "2026-01-01T00:00:00+00:00"
    assert _row_version(settled.pk) == version  # not rewritten at all
    stale_after = SignUp.objects.get(pk=stale.pk)
    assert stale_after.cd == ny12
    assert stale_after.districts_assigned_at > settled_after.districts_assigned_at


def test_reassign_stamps_a_sign_up_never_resolved_even_in_no_district():
    """A located sign-up outside every district (at sea) is still marked as resolved once."""
    at_sea = SignUpFactory(location=Point(-40.0, 35.0, srid=4326), districts_assigned_at=None)
    call_command("reassign_districts", stdout=StringIO())
    assert SignUp.objects.get(pk=at_sea.pk).districts_assigned_at is not None

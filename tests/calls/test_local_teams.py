"""Call teams of a local layer: school districts, towns or counties instead of a chamber's districts."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.test import Client
from django.urls import reverse

from calls.models import CallTeam, Prospect
from calls.services import CallError, queue
from districts.models import BoundarySet, District
from signups.models import SignUp
from tests.calls.conftest import NY_MORNING, finish, make_caller, make_team, next_id, person
from tests.calls.test_api import auth, post

pytestmark = pytest.mark.django_db


def _square(lng: float, lat: float) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((lng, lat, lng + 0.01, lat + 0.01)), srid=4326)


def school_districts(state: str, fips: str, codes, *, governing=True) -> list[District]:
    """Unified school districts of ``state`` (a current set of its own), as the Census loader leaves them."""
    boundary_set = BoundarySet.objects.create(
        chamber="unsd", vintage="2024", name=f"test-unsd-{state}", source="test", checksum="x", resolution="full",
        states=[state], is_current=True,
    )  # fmt: skip
    return [
        District.objects.create(
            boundary_set=boundary_set,
            chamber="unsd",
            state=state,
            state_fips=fips,
            code=code,
            geoid=f"{fips}{code}",
            name=f"School district {code}",
            kind="unified",
            governing=governing,
            geometry=_square(-74.0 + i / 10, 40.7),
        )  # fmt: skip
        for i, code in enumerate(codes)
    ]


@pytest.fixture
def ny_schools():
    return school_districts("NY", "36", ["00001", "00002"])


def test_a_school_district_team_calls_only_its_people_then_nobody(organizer, ny_schools, ny_house):
    ours, theirs = ny_schools
    # The same house district for all three: only the school district tells them apart.
    member = person(ny_house[0], unsd_id=ours.pk, days_ago=3)
    person(ny_house[0], unsd_id=theirs.pk, days_ago=30)
    person(ny_house[0], unsd_id=None, days_ago=30)
    team = make_team(organizer, name="School board hopefuls", chamber="unsd", district_ids=[ours.pk])
    assert team.rank_chamber == "sldl" and team.is_local
    assert Prospect.objects.get(pk=member.pk).unsd_id == ours.pk
    caller = make_caller(team, organizer)

    assert finish(team, caller, "interested").signup_id == member.pk
    assert next_id(team, caller) is None


def test_a_person_who_moved_out_of_the_school_district_is_not_given_out_before_the_refresh(
    organizer, ny_schools, ny_house
):
    ours, theirs = ny_schools
    moved = person(ny_house[0], unsd_id=ours.pk)
    team = make_team(organizer, name="Schools", chamber="unsd", district_ids=[ours.pk])
    caller = make_caller(team, organizer)
    # The queue row still says ``ours``: the live re-check of the sign-up in the one statement catches it.
    SignUp.objects.filter(pk=moved.pk).update(unsd_id=theirs.pk)
    assert Prospect.objects.get(pk=moved.pk).unsd_id == ours.pk
    assert next_id(team, caller) is None
    assert not Prospect.objects.get(pk=moved.pk).callable


def test_a_county_team_uses_the_counties_the_sign_ups_were_assigned(organizer, ny_house):
    people = [person(district, refresh=False) for district in ny_house]
    queue.prospects_refresh()
    county_id = people[0].county_id
    assert county_id is not None  # the session loads the nationwide county layer
    team = make_team(organizer, name="County", chamber="county", district_ids=[county_id])
    caller = make_caller(team, organizer)
    called = set()
    while (call := queue.call_next(team=team, caller=caller, now=NY_MORNING)) is not None:
        called.add(finish(call, caller, "interested").signup_id)
    assert called == {p.pk for p in people if p.county_id == county_id}


def test_units_outside_the_organizers_states_or_not_governing_are_refused(organizer):
    (texan,) = school_districts("TX", "48", ["00009"])
    with pytest.raises(CallError):
        make_team(organizer, chamber="unsd", district_ids=[texan.pk])
    (statistical,) = school_districts("CA", "06", ["00003"], governing=False)
    with pytest.raises(CallError):
        make_team(organizer, states=["CA"], chamber="unsd", district_ids=[statistical.pk])
    assert not CallTeam.objects.exists()


def test_the_form_refuses_a_school_district_outside_the_organizers_states(organizer):
    (texan,) = school_districts("TX", "48", ["00009"])
    client = Client()
    client.force_login(organizer)
    response = client.post(
        reverse("callteams:teams"),
        {"name": "Texas schools", "states": ["NY"], "chamber": "unsd", "districts": texan.geoid},
    )
    assert response.status_code == 200
    assert "in the team&#x27;s states" in response.content.decode()
    assert not CallTeam.objects.exists()


def test_the_form_starts_a_school_district_team_and_its_page_shows_the_scope(organizer, ny_schools):
    ours, _theirs = ny_schools
    client = Client()
    client.force_login(organizer)
    form = client.get(reverse("callteams:teams")).content.decode()
    assert 'value="unsd"' in form and 'value="county"' in form
    response = client.post(
        reverse("callteams:teams"), {"name": "Schools", "states": ["NY"], "chamber": "unsd", "districts": ours.geoid}
    )
    assert response.status_code == 302
    team = CallTeam.objects.get(name="Schools")
    assert team.chamber == "unsd" and list(team.districts.all()) == [ours]
    page = client.get(reverse("callteams:team", args=[team.pk])).content.decode()
    assert "Unified school district" in page and f'data-geoid="{ours.geoid}"' in page and ours.name in page


def test_the_api_round_trips_the_layer_and_its_units(organizer, ny_schools, client):
    ours, theirs = ny_schools
    headers = auth(organizer)
    response = post(
        client,
        "/api/v1/calls/teams/",
        {"name": "Schools", "states": ["NY"], "chamber": "unsd", "districts": [ours.geoid]},
        headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["chamber"] == "unsd" and body["districts"] == [ours.geoid]
    team_url = f"/api/v1/calls/teams/{body['id']}/"
    assert client.get(team_url, **headers).json()["districts"] == [ours.geoid]
    response = client.patch(team_url, {"districts": [theirs.geoid]}, content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["districts"] == [theirs.geoid]
    assert response.json()["chamber"] == "unsd"
    # A unit of another layer than the team's is no unit of the team.
    response = client.patch(
        team_url, {"chamber": "elsd", "districts": [ours.geoid]}, content_type="application/json", **headers
    )
    assert response.status_code == 400


def test_the_api_refuses_a_unit_outside_the_organizers_states(organizer, client):
    (texan,) = school_districts("TX", "48", ["00009"])
    response = post(
        client,
        "/api/v1/calls/teams/",
        {"name": "Texas schools", "states": ["NY"], "chamber": "unsd", "districts": [texan.geoid]},
        auth(organizer),
    )
    assert response.status_code == 400 and "errors" in response.json()
    assert not CallTeam.objects.exists()

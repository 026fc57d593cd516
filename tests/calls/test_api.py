"""The call teams' API: team CRUD and statistics for organizers, next person and outcomes for callers."""

import pytest

from accounts.models import AuditEvent
from calls.models import Call, CallTeam
from calls.services import teams
from pipeline.models import Candidacy, Stage
from tests.calls.conftest import make_caller, person
from tests.factories import TotpOrganizerFactory, api_key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _any_hour(settings):
    """These requests run at the real time of day; the calling-hours rule has its own tests."""
    settings.CALLS_HOURS = (0, 24)


def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {api_key(user)}"}


def post(client, url, data, headers):
    return client.post(url, data, content_type="application/json", **headers)


def test_team_crud_within_the_organizers_states(organizer, client):
    headers = auth(organizer)
    response = post(
        client,
        "/api/v1/calls/teams/",
        {"name": "NY phones", "states": ["NY"], "chamber": "sldl", "districts": ["36050"], "questions": ["When?"]},
        headers,
    )
    assert response.status_code == 201, response.content
    team_id = response.json()["id"]
    assert response.json()["districts"] == ["36050"]
    assert [t["id"] for t in client.get("/api/v1/calls/teams/", **headers).json()["results"]] == [team_id]
    response = client.patch(
        f"/api/v1/calls/teams/{team_id}/", {"name": "Renamed"}, content_type="application/json", **headers
    )
    assert response.json()["name"] == "Renamed"
    assert client.delete(f"/api/v1/calls/teams/{team_id}/", **headers).status_code == 204
    assert CallTeam.objects.get(pk=team_id).archived_at is not None


def test_team_outside_the_organizers_states_is_refused_or_not_found(organizer, team, client):
    texan = TotpOrganizerFactory(states=["TX"])
    headers = auth(texan)
    response = post(client, "/api/v1/calls/teams/", {"name": "X", "states": ["NY"]}, headers)
    assert response.status_code == 400 and "errors" in response.json()
    assert client.get(f"/api/v1/calls/teams/{team.pk}/", **headers).status_code == 404
    assert client.get(f"/api/v1/calls/teams/{team.pk}/stats/", **headers).status_code == 404
    assert client.get("/api/v1/calls/teams/").status_code == 401


def test_caller_client_takes_next_person_and_records_an_outcome(team, caller, organizer, ny_house, client):
    target = person(ny_house[0])
    headers = auth(caller)
    first = post(client, "/api/v1/calls/next/", {"team": team.pk}, headers)
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["person"]["phone"] == f"+{target.phone}" and body["person"]["districts"]["sldl"]["geoid"]
    again = post(client, "/api/v1/calls/next/", {"team": team.pk}, headers)
    assert again.json()["id"] == body["id"]
    assert AuditEvent.objects.filter(
        user=caller, action="api", resource=f"call {body['id']} signup {target.pk}"
    ).exists()

    outcome = post(client, f"/api/v1/calls/{body['id']}/outcome/", {"outcome": "interested", "note": "Yes!"}, headers)
    assert outcome.status_code == 200 and outcome.json()["moved_to"] == "interested"
    assert Candidacy.objects.get(signup=target).stage == Stage.INTERESTED
    assert post(client, "/api/v1/calls/next/", {"team": team.pk}, headers).status_code == 204

    stats = client.get(f"/api/v1/calls/teams/{team.pk}/stats/", **auth(organizer)).json()
    assert (stats["calls"], stats["reached"], stats["outcomes"], stats["moved"]) == (
        1,
        1,
        {"interested": 1},
        {"interested": 1},
    )
    assert stats["per_caller"][0]["caller"] == caller.email


def test_callers_cannot_reach_other_teams_or_calls(organizer, team, caller, ny_house, client):
    other_team = teams.team_create(by=organizer, name="Other", states=["NY"])
    other_caller = make_caller(other_team, organizer)
    person(ny_house[0])
    call = post(client, "/api/v1/calls/next/", {"team": other_team.pk}, auth(other_caller)).json()
    headers = auth(caller)
    assert post(client, "/api/v1/calls/next/", {"team": other_team.pk}, headers).status_code == 404
    assert post(client, f"/api/v1/calls/{call['id']}/outcome/", {"outcome": "interested"}, headers).status_code == 404
    assert post(client, "/api/v1/calls/999999/outcome/", {"outcome": "interested"}, headers).status_code == 404
    assert Call.objects.get(pk=call["id"]).finished_at is None
    # A caller is no organizer: no team reads, no people through the organizer APIs.
    assert client.get(f"/api/v1/calls/teams/{team.pk}/", **headers).status_code == 404
    assert client.get("/api/v1/candidates/", **headers).json()["results"] == []


def test_caller_without_a_second_factor_is_refused(team, organizer, ny_house, client):
    member, _ = teams.caller_invite(team=team, email="nofactor@example.org", by=organizer)
    person(ny_house[0])
    assert post(client, "/api/v1/calls/next/", {"team": team.pk}, auth(member.user)).status_code == 403


def test_bad_outcome_input_is_a_400(team, caller, ny_house, client):
    person(ny_house[0])
    headers = auth(caller)
    call = post(client, "/api/v1/calls/next/", {"team": team.pk}, headers).json()
    response = post(client, f"/api/v1/calls/{call['id']}/outcome/", {"outcome": "maybe"}, headers)
    assert response.status_code == 400 and "outcome" in response.json()["errors"]
    response = post(client, f"/api/v1/calls/{call['id']}/outcome/", {"outcome": "callback"}, headers)
    assert response.status_code == 400


def test_schema_documents_the_call_endpoints(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/calls/next/", "/api/v1/calls/{id}/outcome/", "/api/v1/calls/teams/{id}/stats/"):
        assert path in schema

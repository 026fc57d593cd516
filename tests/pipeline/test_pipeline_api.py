"""Organizers move candidates along the pipeline, match volunteers and introduce them (API)."""

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from districts.models import District
from pipeline import services
from pipeline.models import Introduction, Stage
from signups.models import OutboxEmail, SignUp
from signups.services.confirmation import signup_unsubscribe
from tests.factories import OrganizerFactory, SignUpFactory, api_key
from tests.signups.conftest import send_outbox

pytestmark = pytest.mark.django_db

EMPIRE_STATE = Point(-73.9857, 40.7484, srid=4326)  # NY AD 75
BUFFALO = Point(-78.8784, 42.8864, srid=4326)
MONTPELIER = Point(-72.58, 44.26, srid=4326)


def located(point, **kwargs) -> SignUp:
    """A sign-up at ``point`` with its districts resolved through the real lookup."""
    from districts.selectors import district_lookup

    found = district_lookup(lat=point.y, lng=point.x)
    return SignUpFactory(location=point, cd=found["cd"], sldu=found["sldu"], sldl=found["sldl"], **kwargs)


def volunteer(point, **kwargs) -> SignUp:
    defaults = {"wants_to_run": False, "wants_to_volunteer": True, "help_scope": "anywhere", "consent_email": True}
    return located(point, **(defaults | kwargs))


def confirmed() -> dict:
    """Fields of a person who confirmed their email (double opt-in): one who may be introduced."""
    return {"confirmed_at": timezone.now()}


def auth(organizer) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {api_key(organizer)}"}


def neighbour_point() -> Point:
    """The internal point of a state house district that touches NY AD 75 (found, not assumed)."""
    ad75 = District.objects.current().get(chamber="sldl", geoid="36075")
    neighbour = (
        District.objects.current()
        .filter(chamber="sldl", geometry__touches=ad75.geometry)
        .exclude(pk=ad75.pk)
        .order_by("geoid")
        .first()
    )
    return neighbour.internal_point


@pytest.fixture
def ny_organizer():
    return OrganizerFactory(states=["NY"])


def test_stage_changes_are_kept_with_who_and_when(client, ny_organizer):
    candidate = located(EMPIRE_STATE)
    headers = auth(ny_organizer)
    url = f"/api/v1/candidates/{candidate.pk}/"
    assert client.get(url, **headers).json()["stage"] == "new"
    for stage in ("contacted", "interested", "contacted"):
        response = client.patch(url, {"stage": stage, "note": "called"}, content_type="application/json", **headers)
        assert response.status_code == 200 and response.json()["stage"] == stage
    client.patch(url, {"stage": "contacted"}, content_type="application/json", **headers)  # same stage: no-op
    history = client.get(url, **headers).json()["history"]
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        ("new", "contacted"),
        ("contacted", "interested"),
        ("interested", "contacted"),
    ]
    assert {h["changed_by"] for h in history} == {ny_organizer.email}
    assert all(h["changed_at"] for h in history)


def test_unknown_stage_is_a_400(client, ny_organizer):
    candidate = located(EMPIRE_STATE)
    response = client.patch(
        f"/api/v1/candidates/{candidate.pk}/",
        {"stage": "elected"},
        content_type="application/json",
        **auth(ny_organizer),
    )
    assert response.status_code == 400 and "stage" in response.json()["errors"]


def test_assignment_notes_tags_and_my_candidates(client, ny_organizer):
    mine, other = located(EMPIRE_STATE), located(BUFFALO)
    headers = auth(ny_organizer)
    body = {
        "organizer": ny_organizer.email,
        "notes": "Great at school board meetings",
        "tags": ["Teacher", "teacher"],
        "next_step_on": "2026-12-01",
    }
    updated = client.patch(f"/api/v1/candidates/{mine.pk}/", body, content_type="application/json", **headers).json()
    assert updated["organizer"] == ny_organizer.email and updated["tags"] == ["teacher"]
    assert updated["next_step_on"] == "2026-12-01"
    listed = client.get("/api/v1/candidates/?mine=true", **headers).json()["results"]
    assert [c["id"] for c in listed] == [mine.pk]
    assert other.pk in {c["id"] for c in client.get("/api/v1/candidates/", **headers).json()["results"]}


def test_organizer_of_another_state_cannot_be_assigned(client, ny_organizer):
    candidate = located(EMPIRE_STATE)
    vermonter = OrganizerFactory(states=["VT"])
    response = client.patch(
        f"/api/v1/candidates/{candidate.pk}/",
        {"organizer": vermonter.email},
        content_type="application/json",
        **auth(ny_organizer),
    )
    assert response.status_code == 400


def test_a_refused_change_saves_nothing_of_the_same_request(client, ny_organizer):
    """One PATCH is one transaction: the stage does not move when the assignment is refused."""
    candidate = located(EMPIRE_STATE)
    vermonter = OrganizerFactory(states=["VT"])
    headers = auth(ny_organizer)
    response = client.patch(
        f"/api/v1/candidates/{candidate.pk}/",
        {"stage": "contacted", "note": "called", "organizer": vermonter.email, "notes": "keen"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    assert response.json() == {"errors": {"organizer": ["That organizer does not work in this candidate's state."]}}
    answer = client.get(f"/api/v1/candidates/{candidate.pk}/", **headers).json()
    assert (answer["stage"], answer["notes"], answer["history"]) == ("new", "", [])


def test_state_organizer_never_sees_another_states_candidates(client, ny_organizer):
    vermont = located(MONTPELIER, state="VT", zip="05602")
    headers = auth(ny_organizer)
    for path in ("", "matches/", "introductions/"):
        assert client.get(f"/api/v1/candidates/{vermont.pk}/{path}", **headers).status_code == 404
    assert (
        client.patch(
            f"/api/v1/candidates/{vermont.pk}/", {"stage": "filed"}, content_type="application/json", **headers
        ).status_code
        == 404
    )
    assert vermont.pk not in {c["id"] for c in client.get("/api/v1/candidates/", **headers).json()["results"]}
    assert client.get("/api/v1/candidates/", **{"HTTP_AUTHORIZATION": "Token nope"}).status_code == 401


def test_matches_rank_same_district_then_neighbours_then_anywhere(client, ny_organizer):
    candidate = located(EMPIRE_STATE)
    services.candidacy_update(signup_id=candidate.pk, by=ny_organizer, skills_wanted=["fundraising"])
    same = volunteer(EMPIRE_STATE, help_scope="own_district", skills=["canvassing"])
    neighbour = volunteer(neighbour_point(), skills=["fundraising"])
    far_skilled = volunteer(BUFFALO, skills=["fundraising"])
    far_unskilled = volunteer(Point(-76.15, 43.05, srid=4326), skills=["data"])  # Syracuse
    volunteer(BUFFALO, help_scope="own_district")  # helps only at home: no match
    volunteer(MONTPELIER, state="VT", zip="05602")  # another state: never shown to a NY organizer
    matches = client.get(f"/api/v1/candidates/{candidate.pk}/matches/", **auth(ny_organizer)).json()
    assert [(m["id"], m["relation"]) for m in matches] == [
        (same.pk, "same"),
        (neighbour.pk, "neighbour"),
        (far_skilled.pk, "anywhere"),
        (far_unskilled.pk, "anywhere"),
    ]
    assert matches[0]["distance_km"] == 0.0
    assert matches[2]["shared_skills"] == 1 and matches[3]["shared_skills"] == 0
    assert 400 < matches[2]["distance_km"] < 500  # Manhattan to Buffalo


def test_introduction_emails_both_once(client, ny_organizer, smtp_server, django_capture_on_commit_callbacks):
    candidate = located(EMPIRE_STATE, email="cand@example.org", consent_email=True, **confirmed())
    helper = volunteer(EMPIRE_STATE, email="help@example.org", **confirmed())
    url = f"/api/v1/candidates/{candidate.pk}/introductions/"
    headers = auth(ny_organizer)
    with django_capture_on_commit_callbacks() as callbacks:
        first = client.post(url, {"volunteer": helper.pk}, content_type="application/json", **headers)
    again = client.post(url, {"volunteer": helper.pk}, content_type="application/json", **headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and len(callbacks) == 1
    introduction = Introduction.objects.get()
    assert {row.kind for row in send_outbox()} == {"introduction_to_candidate", "introduction_to_volunteer"}
    assert send_outbox() == []  # a re-run sends nothing
    introduction.refresh_from_db()
    assert introduction.emailed_at is not None
    smtp_server.mailbox.wait_for(2)
    to_candidate = smtp_server.mailbox.to("cand@example.org")
    to_volunteer = smtp_server.mailbox.to("help@example.org")
    assert len(to_candidate) == len(to_volunteer) == 1
    assert "help@example.org" in to_candidate[0].get_content()
    assert "cand@example.org" in to_volunteer[0].get_content()


def test_no_introduction_without_both_consents(client, ny_organizer):
    candidate = located(EMPIRE_STATE, consent_email=False)
    helper = volunteer(EMPIRE_STATE)
    response = client.post(
        f"/api/v1/candidates/{candidate.pk}/introductions/",
        {"volunteer": helper.pk},
        content_type="application/json",
        **auth(ny_organizer),
    )
    assert response.status_code == 400 and "agreed" in response.json()["errors"]["volunteer"][0]
    assert not Introduction.objects.exists()


@pytest.mark.parametrize(
    ("who", "state"),
    [
        ("candidate", {"confirmed_at": None}),
        ("volunteer", {"confirmed_at": None}),
        ("volunteer", {"unsubscribed": True}),
    ],
)
def test_no_introduction_of_an_unconfirmed_or_unsubscribed_person(client, ny_organizer, smtp_server, who, state):
    """The attack: sign up with someone else's address and have an organizer hand their details out."""
    people = {
        "candidate": located(EMPIRE_STATE, consent_email=True, **confirmed()),
        "volunteer": volunteer(EMPIRE_STATE, **confirmed()),
    }
    person = people[who]
    if state.get("unsubscribed"):
        signup_unsubscribe(signup_id=person.pk)
    else:
        SignUp.objects.filter(pk=person.pk).update(**state)
    response = client.post(
        f"/api/v1/candidates/{people['candidate'].pk}/introductions/",
        {"volunteer": people["volunteer"].pk},
        content_type="application/json",
        **auth(ny_organizer),
    )
    assert response.status_code == 400
    assert "confirmed their email" in response.json()["errors"]["volunteer"][0]
    assert not Introduction.objects.exists() and not OutboxEmail.objects.exists()
    assert send_outbox() == [] and not smtp_server.mailbox.messages


def test_an_introduction_queued_before_an_unsubscribe_is_not_sent(ny_organizer, smtp_server):
    candidate, helper = located(EMPIRE_STATE, consent_email=True, **confirmed()), volunteer(EMPIRE_STATE, **confirmed())
    services.introduction_create(candidate_id=candidate.pk, volunteer_id=helper.pk, by=ny_organizer)
    signup_unsubscribe(signup_id=helper.pk)
    assert send_outbox() == [] and not smtp_server.mailbox.messages


def test_introductions_api_lists_only_people_in_the_callers_states(client, ny_organizer):
    candidate = located(EMPIRE_STATE, consent_email=True, **confirmed())
    ny_helper = volunteer(EMPIRE_STATE, **confirmed())
    ga_helper = SignUpFactory(
        state="GA",
        zip="30303",
        wants_to_run=False,
        wants_to_volunteer=True,
        consent_email=True,
        confirmed_at=timezone.now(),
        help_scope="anywhere",
    )
    both = OrganizerFactory(states=["NY", "GA"])  # may introduce a Georgian volunteer to a New Yorker
    services.introduction_create(candidate_id=candidate.pk, volunteer_id=ga_helper.pk, by=both)
    services.introduction_create(candidate_id=candidate.pk, volunteer_id=ny_helper.pk, by=both)
    url = f"/api/v1/candidates/{candidate.pk}/introductions/"
    assert {row["volunteer"] for row in client.get(url, **auth(both)).json()["results"]} == {ny_helper.pk, ga_helper.pk}
    assert [row["volunteer"] for row in client.get(url, **auth(ny_organizer)).json()["results"]] == [ny_helper.pk]


def test_filed_and_on_ballot_form_the_second_lens(ny_organizer):
    filed, on_ballot, withdrawn = located(EMPIRE_STATE), located(BUFFALO), located(EMPIRE_STATE)
    services.candidacy_set_stage(signup_id=filed.pk, stage=Stage.FILED, by=ny_organizer)
    services.candidacy_set_stage(signup_id=on_ballot.pk, stage=Stage.ON_BALLOT, by=ny_organizer)
    services.candidacy_set_stage(signup_id=withdrawn.pk, stage=Stage.WITHDRAWN, by=ny_organizer)
    from pipeline.models import Candidacy

    assert set(Candidacy.objects.filed().values_list("signup_id", flat=True)) == {filed.pk, on_ballot.pk}
    assert withdrawn.pk not in set(Candidacy.objects.active().values_list("signup_id", flat=True))

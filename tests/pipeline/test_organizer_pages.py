"""Organizer pages of the pipeline: the board, "my candidates", a candidate's page, introductions."""

import pytest
from django.contrib.gis.geos import Point

from pipeline import services
from pipeline.models import Candidacy, Introduction, Stage, StageChange
from tests.factories import SignUpFactory, TotpOrganizerFactory
from tests.pipeline.test_pipeline_api import EMPIRE_STATE, MONTPELIER, confirmed, located, volunteer
from tests.plugins.organizers import client_for
from tests.signups.conftest import send_outbox

pytestmark = pytest.mark.django_db

# Session, and the user with their TOTP check (accounts.backends) of every organizer page.
AUTH = 2


@pytest.fixture
def vt_candidate():
    from districts.selectors import district_lookup

    found = district_lookup(lat=MONTPELIER.y, lng=MONTPELIER.x)
    return SignUpFactory(
        state="VT", zip="05602", location=MONTPELIER, cd=found["cd"], sldu=found["sldu"], sldl=found["sldl"]
    )


def board_columns(response) -> dict[str, list[int]]:
    return {column["stage"]: [c.pk for c in column["candidates"]] for column in response.context["columns"]}


def test_board_shows_candidates_in_their_stage_columns(ny_client, ny_organizer):
    new = located(EMPIRE_STATE, last_name="Alpha")
    filed = located(EMPIRE_STATE, last_name="Beta")
    services.candidacy_set_stage(signup_id=filed.pk, stage=Stage.FILED, by=ny_organizer)
    response = ny_client.get("/organize/pipeline/?state=NY")
    assert response.status_code == 200
    columns = board_columns(response)
    assert list(columns) == Stage.values
    assert columns["new"] == [new.pk] and columns["filed"] == [filed.pk]
    html = response.content.decode()
    assert f'action="/organize/candidates/{new.pk}/stage/"' in html
    assert "csrfmiddlewaretoken" in html


def test_moving_on_the_board_keeps_history_and_redirects(ny_client, ny_organizer):
    candidate = located(EMPIRE_STATE)
    for stage in ("contacted", "interested", "training", "filed", "on_ballot"):
        response = ny_client.post(
            f"/organize/candidates/{candidate.pk}/stage/", {"stage": stage, "next": "/organize/pipeline/?state=NY"}
        )
        assert response.status_code == 302 and response["Location"] == "/organize/pipeline/?state=NY"
    assert Candidacy.objects.get(signup=candidate).stage == Stage.ON_BALLOT
    history = list(StageChange.objects.filter(candidacy__signup=candidate))
    assert [(h.from_stage, h.to_stage) for h in history] == [
        ("new", "contacted"),
        ("contacted", "interested"),
        ("interested", "training"),
        ("training", "filed"),
        ("filed", "on_ballot"),
    ]
    assert {h.changed_by_id for h in history} == {ny_organizer.pk}
    page = ny_client.get(f"/organize/candidates/{candidate.pk}/").content.decode()
    assert page.count("data-history=") == 5 and ny_organizer.email in page
    columns = board_columns(ny_client.get("/organize/pipeline/?state=NY"))
    assert columns["on_ballot"] == [candidate.pk]


def test_move_to_an_unknown_stage_changes_nothing(ny_client):
    candidate = located(EMPIRE_STATE)
    response = ny_client.post(f"/organize/candidates/{candidate.pk}/stage/", {"stage": "elected"})
    assert response.status_code == 302
    assert not Candidacy.objects.filter(signup=candidate).exists()


def test_move_ignores_a_next_url_on_another_host(ny_client):
    candidate = located(EMPIRE_STATE)
    response = ny_client.post(
        f"/organize/candidates/{candidate.pk}/stage/", {"stage": "contacted", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/organize/pipeline/?state=NY"


def test_board_needs_get_and_a_visible_state(ny_client):
    assert ny_client.get("/organize/pipeline/?state=VT").status_code == 404
    assert ny_client.get("/organize/pipeline/").status_code == 200  # the organizer's first state


def test_board_query_count_does_not_grow_with_candidates(ny_client, django_assert_num_queries, ny_organizer):
    for i in range(2):
        located(EMPIRE_STATE, last_name=f"A{i}")
    # The board in one query, then its audit record.
    with django_assert_num_queries(AUTH + 1 + 1):
        ny_client.get("/organize/pipeline/?state=NY")
    for i in range(12):
        candidate = located(EMPIRE_STATE, last_name=f"B{i}")
        services.candidacy_set_stage(signup_id=candidate.pk, stage=Stage.CONTACTED, by=ny_organizer)
        services.candidacy_update(signup_id=candidate.pk, by=ny_organizer, organizer=ny_organizer)
    with django_assert_num_queries(AUTH + 1 + 1):
        ny_client.get("/organize/pipeline/?state=NY")


def test_my_candidates_lists_only_mine(ny_client, ny_organizer):
    colleague = TotpOrganizerFactory(states=["NY"])
    mine = located(EMPIRE_STATE, last_name="Mine")
    theirs = located(EMPIRE_STATE, last_name="Theirs")
    located(EMPIRE_STATE, last_name="Nobody")
    services.candidacy_update(signup_id=mine.pk, by=ny_organizer, organizer=ny_organizer)
    services.candidacy_update(signup_id=theirs.pk, by=ny_organizer, organizer=colleague)
    response = ny_client.get("/organize/pipeline/mine/")
    assert [c.pk for c in response.context["candidates"]] == [mine.pk]


def test_candidate_page_saves_assignment_notes_tags_next_step_and_skills(ny_client, ny_organizer):
    candidate = located(EMPIRE_STATE)
    response = ny_client.post(
        f"/organize/candidates/{candidate.pk}/",
        {
            "organizer": ny_organizer.pk,
            "notes": "Called on Monday.",
            "tags": "Needs-Treasurer, , petitions",
            "next_step_on": "2027-01-15",
            "skills_wanted": ["fundraising", "legal"],
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/organize/candidates/{candidate.pk}/"
    candidacy = Candidacy.objects.get(signup=candidate)
    assert candidacy.organizer == ny_organizer and candidacy.notes == "Called on Monday."
    assert candidacy.tags == ["needs-treasurer", "petitions"]
    assert str(candidacy.next_step_on) == "2027-01-15" and candidacy.skills_wanted == ["fundraising", "legal"]


def test_organizer_select_lists_only_organizers_of_the_state(ny_client, ny_organizer):
    candidate = located(EMPIRE_STATE)
    national = TotpOrganizerFactory(states=[], all_states=True)
    vermont = TotpOrganizerFactory(states=["VT"])
    choices = ny_client.get(f"/organize/candidates/{candidate.pk}/").context["form"].fields["organizer"].queryset
    assert set(choices) == {ny_organizer, national}
    response = ny_client.post(f"/organize/candidates/{candidate.pk}/", {"organizer": vermont.pk})
    assert response.status_code == 200 and "organizer" in response.context["form"].errors
    assert not Candidacy.objects.filter(signup=candidate, organizer=vermont).exists()


def test_candidate_page_lists_matches_with_relation_distance_and_shared_skills(ny_client, ny_organizer):
    candidate = located(EMPIRE_STATE)
    services.candidacy_update(signup_id=candidate.pk, by=ny_organizer, skills_wanted=["data", "legal"])
    near = volunteer(EMPIRE_STATE, skills=["data", "canvassing"], last_name="Near")
    response = ny_client.get(f"/organize/candidates/{candidate.pk}/")
    match = next(m for m in response.context["matches"] if m.pk == near.pk)
    assert match.relation == "same" and match.shared == ["Data"] and match.distance_km == pytest.approx(0, abs=0.01)
    assert f'data-match="{near.pk}" data-relation="same"' in response.content.decode()


def test_introduce_from_the_page_emails_both_once(
    ny_client, ny_organizer, smtp_server, django_capture_on_commit_callbacks
):
    candidate = located(EMPIRE_STATE, consent_email=True, email="cand@example.org", **confirmed())
    helper = volunteer(EMPIRE_STATE, email="vol@example.org", **confirmed())
    with django_capture_on_commit_callbacks() as callbacks:
        response = ny_client.post(f"/organize/candidates/{candidate.pk}/introduce/", {"volunteer": helper.pk})
    assert response.status_code == 302 and len(callbacks) == 1
    assert Introduction.objects.filter(candidate=candidate, volunteer=helper, introduced_by=ny_organizer).exists()
    assert len(send_outbox()) == 2
    with django_capture_on_commit_callbacks() as callbacks:
        response = ny_client.post(
            f"/organize/candidates/{candidate.pk}/introduce/", {"volunteer": helper.pk}, follow=True
        )
    page = response.content.decode()
    assert "already introduced" in page and not callbacks
    assert Introduction.objects.count() == 1 and f'data-introduction="{helper.pk}"' in page
    smtp_server.mailbox.wait_for(2)
    assert len(smtp_server.mailbox.to("cand@example.org")) == len(smtp_server.mailbox.to("vol@example.org")) == 1


def test_introduce_without_consent_says_why_and_records_nothing(ny_client):
    candidate = located(EMPIRE_STATE, consent_email=False)
    helper = volunteer(EMPIRE_STATE)
    response = ny_client.post(f"/organize/candidates/{candidate.pk}/introduce/", {"volunteer": helper.pk}, follow=True)
    assert "agreed to be contacted by email" in response.content.decode()
    assert not Introduction.objects.exists()


def test_introduce_a_volunteer_of_another_state_is_a_404(ny_client):
    candidate = located(EMPIRE_STATE, consent_email=True)
    outsider = SignUpFactory(
        state="VT", zip="05602", location=MONTPELIER, wants_to_run=False, wants_to_volunteer=True, consent_email=True
    )
    response = ny_client.post(f"/organize/candidates/{candidate.pk}/introduce/", {"volunteer": outsider.pk})
    assert response.status_code == 404 and not Introduction.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/organize/candidates/{pk}/", None),
        ("post", "/organize/candidates/{pk}/", {"notes": "x"}),
        ("post", "/organize/candidates/{pk}/stage/", {"stage": "filed"}),
        ("post", "/organize/candidates/{pk}/introduce/", {"volunteer": "1"}),
    ],
)
def test_ny_organizer_gets_404_for_a_vermont_candidate(ny_client, vt_candidate, method, path, data):
    url = path.format(pk=vt_candidate.pk)
    response = getattr(ny_client, method)(url, data) if data else getattr(ny_client, method)(url)
    assert response.status_code == 404
    assert not Candidacy.objects.filter(signup=vt_candidate).exists()


def test_vermont_candidate_is_not_on_the_ny_board_or_list(ny_client, ny_organizer, vt_candidate):
    response = ny_client.get("/organize/pipeline/?state=NY")
    assert all(vt_candidate.pk not in pks for pks in board_columns(response).values())
    assert ny_client.get("/organize/pipeline/?state=VT").status_code == 404


@pytest.mark.parametrize("path", ["/organize/pipeline/", "/organize/pipeline/mine/", "/organize/candidates/1/"])
def test_pipeline_pages_need_a_signed_in_organizer_with_totp(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    from tests.factories import OrganizerFactory

    response = client_for(OrganizerFactory(states=["NY"])).get(path)
    assert response.status_code == 302 and "totp" in response["Location"]


def test_sign_up_and_district_pages_link_the_candidate_page(ny_client):
    candidate = located(EMPIRE_STATE)
    assert (
        f"/organize/candidates/{candidate.pk}/" in ny_client.get(f"/organize/signups/{candidate.pk}/").content.decode()
    )
    page = ny_client.get(f"/organize/districts/sldl/{candidate.sldl.geoid}/").content.decode()
    assert f"/organize/candidates/{candidate.pk}/" in page


def test_navigation_links_board_and_my_candidates(ny_client):
    page = ny_client.get("/organize/").content.decode()
    assert 'href="/organize/pipeline/"' in page and 'href="/organize/pipeline/mine/"' in page


def test_a_point_outside_every_district_still_shows_a_candidate(ny_client):
    candidate = SignUpFactory(location=Point(-40.0, 30.0, srid=4326))
    assert ny_client.get(f"/organize/candidates/{candidate.pk}/").status_code == 200


# The candidate page after AUTH: the candidate (with candidacy, organizer, districts), its
# matches, which of them were introduced, the introductions, the stage history, the
# form's organizer choices, and the audit record of the view.
CANDIDATE_PAGE = AUTH + 7


def test_candidate_page_query_count_does_not_grow_with_volunteers_matches_or_history(
    ny_client, ny_organizer, django_assert_num_queries
):
    candidate = located(EMPIRE_STATE, consent_email=True, **confirmed())
    services.candidacy_update(
        signup_id=candidate.pk, by=ny_organizer, organizer=ny_organizer, skills_wanted=["data", "legal"]
    )
    services.candidacy_set_stage(signup_id=candidate.pk, stage=Stage.CONTACTED, by=ny_organizer)
    helper = volunteer(EMPIRE_STATE, skills=["data"], **confirmed())
    services.introduction_create(candidate_id=candidate.pk, volunteer_id=helper.pk, by=ny_organizer)
    url = f"/organize/candidates/{candidate.pk}/"
    ny_client.get(url)  # GeoDjango reads the SRID's units once per process (the match distances)

    with django_assert_num_queries(CANDIDATE_PAGE):
        response = ny_client.get(url)
    assert len(response.context["matches"]) == 1 and len(response.context["history"]) == 1

    helpers = [volunteer(EMPIRE_STATE, skills=["data", "legal"], last_name=f"V{i}", **confirmed()) for i in range(30)]
    for other in helpers[:6]:
        services.introduction_create(candidate_id=candidate.pk, volunteer_id=other.pk, by=ny_organizer)
    for stage in (Stage.INTERESTED, Stage.TRAINING, Stage.FILED):
        services.candidacy_set_stage(signup_id=candidate.pk, stage=stage, by=ny_organizer)

    with django_assert_num_queries(CANDIDATE_PAGE):
        response = ny_client.get(url)
    assert len(response.context["matches"]) == 25  # MATCHES_SHOWN of 31 volunteers
    # Six of the seven introduced are among them: the first helper shares one skill only, so comes 26th.
    assert sum(match.introduced for match in response.context["matches"]) == 6
    assert len(response.context["introductions"]) == 7 and len(response.context["history"]) == 4

"""Callers' and organizers' pages: one person at a time, audited, scoped; invitations; the board filter."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from calls.emails import invitation_token
from calls.models import Call, CallTeam, Outcome, TeamMember
from calls.rendering import script_html
from calls.services import queue, teams
from districts.models import District
from pipeline.models import Candidacy, Stage
from signups import outbox
from signups.models import OutboxEmail
from tests.calls.conftest import finish, make_caller, make_team, person
from tests.factories import TotpOrganizerFactory, signup_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _any_hour(settings):
    """These requests run at the real time of day; the calling-hours rule has its own tests."""
    settings.CALLS_HOURS = (0, 24)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def call_url(team):
    return reverse("calls:call", args=[team.pk])


def test_calling_page_needs_login_and_a_second_factor(team, organizer):
    assert Client().get(call_url(team)).status_code == 302
    member, _ = teams.caller_invite(team=team, email="new@example.org", by=organizer)
    response = client_for(member.user).get(call_url(team))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_index"))


def test_caller_sees_only_the_person_they_call_and_it_is_audited(organizer, ny_house):
    team = make_team(organizer, script="Hello **there** <script>alert(1)</script>", sms_template="Hi {first_name}!")
    caller = make_caller(team, organizer)
    kings = District.objects.current().get(chamber="county", geoid="36047")
    called = person(
        ny_house[1], first_name="Dolores", last_name="Huerta", statement="Schools first.", county_id=kings.pk
    )
    other = person(ny_house[0], first_name="Cesar", last_name="Chavez", stage="contacted", days_ago=30)
    client = client_for(caller)
    page = client.get(call_url(team)).content.decode()
    assert "Next person" in page and "Huerta" not in page and "Chavez" not in page

    client.post(reverse("calls:next", args=[team.pk]))
    page = client.get(call_url(team)).content.decode()
    assert "Dolores Huerta" in page and f'href="tel:+{called.phone}"' in page
    assert "Schools first." in page and ny_house[1].name in page
    assert "<dd>Kings</dd>" in page  # their county: where a county office hopeful would run
    assert "Chavez" not in page and other.phone not in page
    assert "<strong>there</strong>" in page and "<script>alert" not in page
    assert f"sms:+{called.phone}?&amp;body=Hi%20Dolores%21" in page
    call = Call.objects.get(caller=caller)
    assert AuditEvent.objects.filter(user=caller, resource=f"call {call.pk} signup {called.pk}", count=1).exists()


def test_earlier_call_notes_are_shown_to_the_next_caller(team, caller, organizer, ny_house):
    person(ny_house[0])
    finish(team, caller, Outcome.LEFT_MESSAGE, note="Voicemail says evenings.")
    later = make_caller(team, organizer)
    import datetime

    from tests.calls.conftest import NY_MORNING

    queue.call_next(team=team, caller=later, now=NY_MORNING + datetime.timedelta(hours=5))
    Call.objects.filter(caller=later).update(expires_at="2999-01-01T00:00:00Z")
    page = client_for(later).get(call_url(team)).content.decode()
    assert "Voicemail says evenings." in page and "Left a message" in page


def test_outcome_form_moves_the_pipeline(organizer, ny_house):
    team = make_team(organizer, questions=["Which office?"])
    caller = make_caller(team, organizer)
    target = person(ny_house[0])
    client = client_for(caller)
    client.post(reverse("calls:next", args=[team.pk]))
    call = Call.objects.get(caller=caller)
    response = client.post(
        reverse("calls:outcome", args=[team.pk, call.pk]),
        {"outcome": "interested", "answer_0": "City council", "note": "Call after six."},
    )
    assert response.status_code == 302
    assert Candidacy.objects.get(signup=target).stage == Stage.INTERESTED
    assert Call.objects.get(pk=call.pk).answers == {"Which office?": "City council"}


def test_callback_without_a_time_is_explained_and_nothing_recorded(team, caller, ny_house):
    person(ny_house[0])
    client = client_for(caller)
    client.post(reverse("calls:next", args=[team.pk]))
    call = Call.objects.get(caller=caller)
    response = client.post(reverse("calls:outcome", args=[team.pk, call.pk]), {"outcome": "callback"}, follow=True)
    assert "When do they want to be called back?" in response.content.decode()
    assert Call.objects.get(pk=call.pk).finished_at is None


def test_guessing_ids_shows_nobody(organizer, ny_house):
    team_a = make_team(organizer, name="A")
    team_b = make_team(organizer, name="B")
    caller_a, caller_b = make_caller(team_a, organizer), make_caller(team_b, organizer)
    person(ny_house[0])
    client_b = client_for(caller_b)
    client_b.post(reverse("calls:next", args=[team_b.pk]))
    call_b = Call.objects.get(caller=caller_b)
    client_a = client_for(caller_a)
    # Another team's page, another caller's call, an organizer page by sign-up id: all refused.
    assert client_a.get(call_url(team_b)).status_code == 404
    assert (
        client_a.post(reverse("calls:outcome", args=[team_a.pk, call_b.pk]), {"outcome": "interested"}).status_code
        == 404
    )
    assert (
        client_a.post(reverse("calls:outcome", args=[team_b.pk, call_b.pk]), {"outcome": "interested"}).status_code
        == 404
    )
    assert client_a.get(reverse("organizing:signup", args=[call_b.signup_id])).status_code == 404
    assert client_a.get(reverse("candidates:detail", args=[call_b.signup_id])).status_code == 404
    assert Call.objects.get(pk=call_b.pk).finished_at is None


def test_spanish_calling_page(team, caller, ny_house):
    person(ny_house[0])
    client = client_for(caller)
    page = client.get("/es" + call_url(team)).content.decode()
    assert "Siguiente persona" in page and 'lang="es"' in page


def test_invitation_is_emailed_once_and_sets_a_password(team, organizer, mailoutbox):
    member, created = teams.caller_invite(team=team, email="Volunteer@Example.org", by=organizer)
    assert created and member.user.email == "volunteer@example.org"
    assert teams.caller_invite(team=team, email="volunteer@example.org", by=organizer) == (member, False)
    [email] = OutboxEmail.objects.filter(kind="caller_invitation", object_id=member.pk)  # invited twice, one email
    assert outbox.email_send(email_id=email.pk) is True
    assert outbox.email_send(email_id=email.pk) is False
    member.refresh_from_db()
    assert member.invitation_sent_at is not None
    assert len(mailoutbox) == 1 and "Upstate callers" in mailoutbox[0].subject
    token = invitation_token(member)
    assert token in mailoutbox[0].body
    client = Client()
    url = reverse("calls:join", args=[token])
    response = client.post(url, {"new_password1": "long enough pass 9", "new_password2": "long enough pass 9"})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    member.refresh_from_db()
    assert member.user.check_password("long enough pass 9") and member.joined_at is not None
    assert client.get(reverse("calls:join", args=["forged"])).status_code == 404


def test_a_caller_taken_off_the_team_before_the_invitation_left_is_not_invited(team, organizer, mailoutbox):
    member, _ = teams.caller_invite(team=team, email="changed-mind@example.org", by=organizer)
    TeamMember.objects.filter(pk=member.pk).update(removed_at=timezone.now())
    email = OutboxEmail.objects.get(kind="caller_invitation", object_id=member.pk)
    assert outbox.email_send(email_id=email.pk) is False
    assert mailoutbox == []
    assert OutboxEmail.objects.get(pk=email.pk).dropped_at is not None


def test_team_page_lists_phone_volunteers_and_invites_in_one_click(team, organizer, ny_house):
    phoner = signup_in(
        ny_house[0], wants_to_run=False, wants_to_volunteer=True, skills=["phone_text"], first_name="Pat"
    )
    signup_in(ny_house[0], wants_to_run=False, wants_to_volunteer=True, skills=["design"], first_name="Drew")
    client = client_for(organizer)
    page = client.get(reverse("callteams:team", args=[team.pk])).content.decode()
    assert f'data-volunteer="{phoner.pk}"' in page and "Drew" not in page
    client.post(reverse("callteams:invite", args=[team.pk]), {"volunteer": phoner.pk})
    member = TeamMember.objects.get(team=team, volunteer=phoner)
    assert member.user.email == phoner.email
    assert f'data-volunteer="{phoner.pk}"' not in client.get(reverse("callteams:team", args=[team.pk])).content.decode()


def test_team_page_progress_and_board_filter(team, caller, organizer, ny_house):
    reached = person(ny_house[0], days_ago=40)  # alone in its district and older: called first
    not_called = person(ny_house[1], days_ago=1)
    assert finish(team, caller, Outcome.INTERESTED).signup_id == reached.pk
    client = client_for(organizer)
    page = client.get(reverse("callteams:team", args=[team.pk])).content.decode()
    assert 'data-calls="1" data-reached="1"' in page and 'data-outcome="interested"' in page
    assert 'data-stage="interested"' in page
    board = client.get(reverse("callteams:board", args=[team.pk])).content.decode()
    assert f'data-candidate="{reached.pk}"' in board and f'data-candidate="{not_called.pk}"' not in board


def test_organizer_of_other_states_does_not_see_the_team(team):
    outsider = TotpOrganizerFactory(states=["TX"])
    assert client_for(outsider).get(reverse("callteams:team", args=[team.pk])).status_code == 404


def test_organizer_starts_a_team_from_the_form(organizer):
    response = client_for(organizer).post(
        reverse("callteams:teams"),
        {"name": "Brooklyn", "states": ["NY"], "chamber": "sldl", "districts": "36050", "questions": "Which office?"},
    )
    assert response.status_code == 302
    team = CallTeam.objects.get(name="Brooklyn")
    assert team.questions == ["Which office?"] and list(team.districts.values_list("geoid", flat=True)) == ["36050"]


def test_script_keeps_a_safe_subset():
    html = script_html("# Hi\n\n[link](javascript:alert(1)) <img src=x onerror=alert(1)> *ok*")
    assert "<em>ok</em>" in html and "javascript:" not in html and "<img" not in html and "onerror" not in html

"""Sessions (accounts.sessions) and the signed-in user (accounts.backends) read by SQL written once per
process: the same answers as Django's own reads, in the database only."""

import datetime

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.backends import ModelBackend
from accounts.rows import TOTP_ANNOTATION
from accounts.sessions import SessionStore
from tests.factories import OrganizerFactory, TotpOrganizerFactory

pytestmark = pytest.mark.django_db


def test_a_session_is_read_back_as_it_was_saved():
    session = SessionStore()
    session["answer"] = 42
    session.create()

    assert SessionStore(session.session_key)["answer"] == 42


def test_an_expired_session_is_not_read_and_its_key_not_kept():
    session = SessionStore()
    session["answer"] = 42
    session.create()
    Session.objects.filter(session_key=session.session_key).update(expire_date=timezone.now() - datetime.timedelta(1))

    stale = SessionStore(session.session_key)
    assert "answer" not in stale
    assert stale.session_key is None


def test_signing_out_ends_the_session_at_once(ny_client):
    assert ny_client.get("/organize/").status_code == 200

    ny_client.post(reverse("account_logout"))

    assert ny_client.get("/organize/").status_code == 302
    assert not Session.objects.exists()


def test_the_sessions_user_is_the_backends_with_their_totp_answer(ny_client, ny_organizer):
    session = SessionStore(ny_client.cookies["sessionid"].value)
    assert session[BACKEND_SESSION_KEY] == "accounts.backends.ModelBackend"

    user = ModelBackend().get_user(int(session[SESSION_KEY]))

    assert user == ny_organizer
    assert getattr(user, TOTP_ANNOTATION) is True
    assert user.states == ["NY"]


def test_the_backend_reads_no_totp_for_an_organizer_without_one_and_nobody_for_an_unknown_id():
    organizer = OrganizerFactory(states=["NY"])
    organizer.save()

    assert getattr(ModelBackend().get_user(organizer.pk), TOTP_ANNOTATION) is False
    assert ModelBackend().get_user(organizer.pk + 1000) is None


def test_an_inactive_organizer_is_not_signed_in():
    organizer = TotpOrganizerFactory(states=["NY"], is_active=False)

    assert ModelBackend().get_user(organizer.pk) is None

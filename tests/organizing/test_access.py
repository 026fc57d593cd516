"""Organizer pages need a login by email and password and a TOTP code; without TOTP set up, set it up first."""

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import organizer_totp_reset
from tests.factories import OrganizerFactory, TotpOrganizerFactory, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
PAGES = ["/organize/", "/organize/states/NY/", "/organize/activity/", "/organize/export/people.csv"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


@pytest.mark.parametrize("url", PAGES)
def test_an_organizer_without_totp_is_sent_to_set_it_up_before_any_data(url):
    organizer = OrganizerFactory(states=["NY"])
    organizer.save()
    client = Client()
    client.force_login(organizer)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_login_with_totp_asks_for_the_code_then_opens_the_page():
    organizer = TotpOrganizerFactory(email="ana@example.org", states=["NY"])
    client = Client()

    response = client.post(
        reverse("account_login") + "?next=/organize/", {"login": "ana@example.org", "password": PASSWORD}
    )

    # The password alone is not a login: allauth asks for the authenticator code.
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/organize/").status_code == 302

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/organize/").status_code == 302

    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(organizer.totp_secret)})
    assert right.status_code == 302
    assert right["Location"] == "/organize/"
    assert client.get("/organize/").status_code == 200


def test_an_authenticator_removed_counts_at_the_next_request_of_a_signed_in_session(ny_organizer, ny_client):
    # The pages read the TOTP answer with the user's row (accounts.backends): at every request,
    # never remembered in the session.
    assert ny_client.get("/organize/").status_code == 200

    Authenticator.objects.filter(user=ny_organizer, type=Authenticator.Type.TOTP).delete()

    response = ny_client.get("/organize/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_reset_authenticator_still_opens_the_pages(ny_organizer, ny_client):
    organizer_totp_reset(user=ny_organizer)

    assert ny_client.get("/organize/").status_code == 200


def test_the_signed_in_user_is_read_with_their_totp_answer_in_one_query(ny_organizer, ny_client):
    with CaptureQueriesContext(connection) as queries:
        assert ny_client.get("/organize/").status_code == 200

    user_reads = [q["sql"] for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(user_reads) == 1
    assert "mfa_authenticator" in user_reads[0]
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT 1 AS "a" FROM "mfa_authenticator"')]


def test_login_without_next_lands_on_the_dashboard():
    organizer = TotpOrganizerFactory(email="lead@example.org", all_states=True, states=[])
    client = Client()
    client.post(reverse("account_login"), {"login": "lead@example.org", "password": PASSWORD})

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(organizer.totp_secret)})

    assert response["Location"] == reverse("organizing:dashboard")


def test_setting_up_totp_opens_the_pages():
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    organizer = OrganizerFactory(email="new@example.org", states=["NY"])
    organizer.save()
    client = Client()
    client.post(reverse("account_login"), {"login": "new@example.org", "password": PASSWORD})
    assert client.get("/organize/")["Location"].startswith(reverse("mfa_activate_totp"))

    # allauth asks for the password once more before an authenticator is added (a session
    # left open must not be enough to enrol someone else's phone), then shows the QR code
    # of a new secret, kept in the session.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert b"data:image/svg+xml" in page.content
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=organizer, type=Authenticator.Type.TOTP).exists()
    assert client.get("/organize/").status_code == 200


def test_nobody_can_open_an_organizer_account_themselves(client):
    response = client.get(reverse("account_signup"))

    assert b"closed" in response.content.lower()

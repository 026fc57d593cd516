"""Django's admin is behind the organizer rule: allauth's login (rate limits, TOTP step), TOTP set up."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import TotpOrganizerFactory, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
CHANGELIST = "/admin/signups/signup/"


@pytest.fixture
def staff_without_totp():
    return User.objects.create_superuser("staff-nototp@example.org", PASSWORD, all_states=True)


def test_the_admin_login_is_allauths_login(client, staff_without_totp):
    to_admin_login = client.get(CHANGELIST)
    assert to_admin_login.status_code == 302 and to_admin_login["Location"].startswith("/admin/login/")

    to_allauth = client.get(to_admin_login["Location"])
    assert to_allauth.status_code == 302
    assert to_allauth["Location"] == f"{reverse('account_login')}?next={CHANGELIST.replace('/', '%2F')}"

    # The admin's own password form is gone: posting to it signs nobody in.
    client.post("/admin/login/", {"username": staff_without_totp.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get(CHANGELIST).status_code == 302


def test_staff_without_totp_see_no_admin_page_and_are_sent_to_set_it_up(staff_without_totp):
    client = Client()
    client.force_login(staff_without_totp)
    for url in ("/admin/", CHANGELIST, "/admin/accounts/auditevent/", "/admin/accounts/user/"):
        response = client.get(url, follow=True)
        # To the TOTP set-up (which asks for the password again first, the session being old).
        assert any(hop.startswith(reverse("mfa_activate_totp")) for hop, _status in response.redirect_chain), url
        assert b"Select sign up to change" not in response.content


def test_staff_log_in_with_password_and_totp_then_use_the_admin():
    staff = TotpOrganizerFactory(email="staff@example.org", is_staff=True, is_superuser=True, all_states=True)
    client = Client()
    login = client.post(f"{reverse('account_login')}?next={CHANGELIST}", {"login": staff.email, "password": PASSWORD})
    assert login["Location"] == reverse("mfa_authenticate")
    assert client.get(CHANGELIST).status_code == 302  # a password alone opens nothing

    code = client.post(reverse("mfa_authenticate"), {"code": totp_code(staff.totp_secret)})
    assert code["Location"] == CHANGELIST
    page = client.get(CHANGELIST)
    assert page.status_code == 200 and b"Select sign up to change" in page.content
    # Already in: the admin's login page sends back to the admin.
    assert client.get("/admin/login/")["Location"] == "/admin/"


def test_organizers_who_are_not_staff_are_refused():
    organizer = TotpOrganizerFactory(states=["NY"])
    client = Client()
    client.force_login(organizer)
    assert client.get(CHANGELIST, follow=True).status_code == 403

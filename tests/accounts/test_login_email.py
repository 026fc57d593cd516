"""An organizer's login email changes only once the new address is verified (allauth's
ACCOUNT_CHANGE_EMAIL; accounts.services.organizer_email_vouch), and never from the admin form."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from accounts.models import User
from accounts.services import organizer_email_vouch, organizer_save
from tests.factories import OrganizerFactory, TotpOrganizerFactory

pytestmark = pytest.mark.django_db


def test_a_new_login_email_waits_for_its_verification(mailoutbox):
    """The attack: with an organizer's open session (or their password), point the account at
    an address the attacker holds, then take it over with "Forgot password?"."""
    # Without TOTP yet (allauth refuses any new address to an account with two factors).
    organizer = OrganizerFactory(email="org@example.org")
    organizer_email_vouch(user=organizer)
    client = Client()
    client.force_login(organizer)

    client.post("/accounts/email/", {"email": "attacker@evil.example", "action_add": ""})
    client.post("/accounts/email/", {"email": "attacker@evil.example", "action_primary": ""})
    organizer.refresh_from_db()
    assert organizer.email == "org@example.org"
    assert EmailAddress.objects.get_primary(organizer).email == "org@example.org"
    pending = EmailAddress.objects.get(email="attacker@evil.example")
    assert not pending.verified and not pending.primary

    # Only the link mailed to the new address (its owner pressing the button) changes the login.
    [message] = [m for m in mailoutbox if m.to == ["attacker@evil.example"]]
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    client.get(path)
    organizer.refresh_from_db()
    assert organizer.email == "org@example.org"
    client.post(path)
    organizer.refresh_from_db()
    assert organizer.email == "attacker@evil.example"
    assert list(EmailAddress.objects.filter(user=organizer).values_list("email", "verified", "primary")) == [
        ("attacker@evil.example", True, True)
    ]


def test_organizers_are_created_with_their_address_verified_and_primary():
    user, created = organizer_save(email="New@Example.org", states=["NY"], all_states=False)
    assert created
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")) == [
        ("new@example.org", True, True)
    ]
    organizer_save(email="new@example.org", states=["VT"], all_states=False)  # an update adds nothing
    assert EmailAddress.objects.filter(user=user).count() == 1


def test_the_admin_cannot_change_an_organizers_email(settings):
    admin = TotpOrganizerFactory(is_staff=True, is_superuser=True)
    organizer = TotpOrganizerFactory(email="org@example.org")
    client = Client()
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{organizer.pk}/change/")
    assert page.status_code == 200
    assert 'name="email"' not in page.content.decode() and "org@example.org" in page.content.decode()
    client.post(
        f"/admin/accounts/user/{organizer.pk}/change/",
        {"email": "attacker@evil.example", "name": "", "is_active": "on"},
    )
    assert User.objects.get(pk=organizer.pk).email == "org@example.org"

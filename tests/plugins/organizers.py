"""Organizers with TOTP set up, and test clients logged in as them, for every organizer-side app's tests."""

import pytest
from django.test import Client

from tests.factories import TotpOrganizerFactory


@pytest.fixture
def ny_organizer(db):
    return TotpOrganizerFactory(states=["NY"])


@pytest.fixture
def national_organizer(db):
    return TotpOrganizerFactory(states=[], all_states=True)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ny_client(ny_organizer) -> Client:
    return client_for(ny_organizer)


@pytest.fixture
def national_client(national_organizer) -> Client:
    return client_for(national_organizer)

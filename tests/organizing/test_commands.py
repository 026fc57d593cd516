"""seed_demo, create_organizer --totp and organizer_status."""

import re
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from signups.models import SignUp
from tests.factories import totp_code

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_demo_invents_plausible_located_people(zipcodes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        output = run("seed_demo", "--signups", "60", "--seed", "3", "--states", "VT,NY")

    assert "Inserted 60 demo sign-ups" in output
    people = list(SignUp.objects.select_related("cd", "sldu", "sldl"))
    assert len(people) == 60
    assert {p.state for p in people} <= {"VT", "NY"}
    assert all(p.email.endswith("@example.org") for p in people)
    assert all(p.wants_to_run or p.wants_to_volunteer for p in people)
    # At ZIP centres, already placed in their districts, nothing left for a worker to do.
    assert all(p.location is not None and p.location_quality in ("zip", "ambiguous") for p in people)
    assert all(p.located_at and p.confirmation_sent_at for p in people)
    placed = [p for p in people if p.cd_id]
    assert len(placed) >= 55
    assert all(p.cd.state == p.state for p in placed)
    assert callbacks == []
    # Runners say what they would run for.
    assert all(p.offices and p.ballot_line for p in people if p.wants_to_run)
    # Spread over time, with a spike.
    assert len({p.created_at.date() for p in people}) > 5


def test_seed_demo_is_deterministic_and_adds_nobody_twice(zipcodes):
    run("seed_demo", "--signups", "20", "--seed", "5", "--states", "VT")
    first = sorted(SignUp.objects.values_list("email", "zip", "wants_to_run"))

    again = run("seed_demo", "--signups", "20", "--seed", "5", "--states", "VT")

    assert "Inserted 0 demo sign-ups (20 already there" in again
    assert sorted(SignUp.objects.values_list("email", "zip", "wants_to_run")) == first
    run("seed_demo", "--signups", "20", "--seed", "6", "--states", "VT")
    assert SignUp.objects.count() == 40


def test_seed_demo_refuses_unknown_states(zipcodes):
    with pytest.raises(CommandError, match="XX"):
        run("seed_demo", "--signups", "5", "--states", "XX")


def test_create_organizer_with_totp_prints_a_working_login():
    output = run("create_organizer", "demo@example.org", "--all-states", "--password", "demo-pass", "--totp")

    secret = re.search(r"TOTP secret: (\w+)", output).group(1)
    codes = re.search(r"Recovery codes[^:]*: ([\d ]+)", output).group(1).split()
    assert len(codes) >= 5
    client = Client()
    client.post(reverse("account_login"), {"login": "demo@example.org", "password": "demo-pass"})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response["Location"] == "/organize/"
    assert client.get("/organize/").status_code == 200

    # Run again (make demo does): a new secret replaces the old one.
    again = run("create_organizer", "demo@example.org", "--all-states", "--password", "demo-pass", "--totp")
    assert re.search(r"TOTP secret: (\w+)", again).group(1) != secret
    user = User.objects.get(email="demo@example.org")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).count() == 1


def test_organizer_status_tells_how_to_create_the_first_organizer():
    assert "create_organizer you@example.org --all-states" in run("organizer_status")

    run("create_organizer", "ana@example.org", "--states", "NY")

    assert run("organizer_status").startswith("1 organizer account.")

"""Behind a proxy, one attacker cannot lock organizers out (issue 12, item 2).

The attack: the site runs behind a reverse proxy on the same host, so every request's
``REMOTE_ADDR`` is the proxy's. allauth counted failed logins per address (10 a minute)
and per account (5 in 5 minutes) from anywhere; so an attacker's wrong passwords locked
every organizer out (the proxy's address), or one organizer out everywhere (the account).

The defence: ``TRUSTED_PROXY_COUNT`` names how many proxies of ours append to
``X-Forwarded-For``, for our limits and allauth's alike (``berniecrat.ratelimit.client_ip``);
production refuses to start without it. Failed logins are counted per client address and
per account *and* address (``ACCOUNT_RATE_LIMITS``, ``accounts.adapters``).
"""

import os
import subprocess
import sys

import pytest
from allauth.account.adapter import get_adapter
from django.conf import settings as django_settings
from django.test import Client, RequestFactory

from berniecrat import ratelimit
from tests.factories import TotpOrganizerFactory
from tests.plugins.processes import ROOT

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"  # our reverse proxy, on the same host as gunicorn
ATTACKER = "198.51.100.7"
ORGANIZER_ELSEWHERE = "203.0.113.20"
PASSWORD = "correct horse battery staple"  # tests.factories.OrganizerFactory's


def login(email: str, password: str, forwarded_for: str) -> str:
    """One login through the proxy: "accepted" (on to the TOTP step), "wrong" or "locked"."""
    response = Client().post(
        "/accounts/login/",
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/2fa/authenticate/")
        return "accepted"
    assert response.status_code == 200
    return "locked" if b"Too many failed login attempts" in response.content else "wrong"


@pytest.fixture
def organizer():
    return TotpOrganizerFactory()


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.mark.usefixtures("behind_one_proxy")
def test_guessing_an_organizers_password_from_one_address_locks_out_only_that_address(organizer):
    guesses = [login(organizer.email, f"guess-{i}", ATTACKER) for i in range(12)]

    assert guesses == ["wrong"] * 5 + ["locked"] * 7
    assert login(organizer.email, PASSWORD, ATTACKER) == "locked"
    assert login(organizer.email, PASSWORD, ORGANIZER_ELSEWHERE) == "accepted"


@pytest.mark.usefixtures("behind_one_proxy")
def test_forged_forwarded_for_entries_do_not_spread_one_address_over_many(organizer):
    # The attacker writes a new address into each request's header; our proxy appends the real one.
    guesses = [login(organizer.email, f"guess-{i}", f"192.0.2.{i}, {ATTACKER}") for i in range(8)]

    assert guesses == ["wrong"] * 5 + ["locked"] * 3
    assert login(organizer.email, PASSWORD, ORGANIZER_ELSEWHERE) == "accepted"


@pytest.mark.usefixtures("behind_one_proxy")
def test_failures_from_one_address_across_many_accounts_are_limited(organizer):
    guesses = [login(f"nobody{i}@example.org", "guess", ATTACKER) for i in range(12)]

    assert guesses == ["wrong"] * 10 + ["locked"] * 2
    # Even an account it never tried, with the right password: that address is out for a while.
    assert login(organizer.email, PASSWORD, ATTACKER) == "locked"
    assert login(organizer.email, PASSWORD, ORGANIZER_ELSEWHERE) == "accepted"


@pytest.mark.usefixtures("behind_one_proxy")
def test_many_addresses_guessing_one_account_lock_nobody_out(organizer):
    """Distinct clients are counted apart: the account stays open (its second factor guards it)."""
    guesses = [login(organizer.email, "guess", f"198.51.100.{i}") for i in range(1, 21)]

    assert guesses == ["wrong"] * 20
    assert login(organizer.email, PASSWORD, ORGANIZER_ELSEWHERE) == "accepted"


def test_without_the_proxy_count_the_proxy_is_everyone_and_one_attacker_locks_the_organizer_out(settings, organizer):
    """What production's required TRUSTED_PROXY_COUNT prevents: 0 behind a proxy."""
    settings.TRUSTED_PROXY_COUNT = 0

    guesses = [login(organizer.email, f"guess-{i}", ATTACKER) for i in range(5)]

    assert guesses == ["wrong"] * 5
    assert login(organizer.email, PASSWORD, ORGANIZER_ELSEWHERE) == "locked"


@pytest.mark.parametrize(
    "forwarded",
    ["203.0.113.9", "6.6.6.6, 203.0.113.9", "", "not-an-ip", "2001:db8::1", "203.0.113.9, 10.0.0.2"],
)
@pytest.mark.parametrize("hops", [0, 1, 2])
def test_allauth_and_our_limits_see_the_same_client_address(settings, hops, forwarded):
    settings.TRUSTED_PROXY_COUNT = hops
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    # Never an error, even with fewer entries than proxies (allauth's own reading raises then).
    assert get_adapter(request).get_client_ip(request) == ratelimit.client_ip(request)


def test_allauth_reads_the_same_proxy_count():
    assert django_settings.ALLAUTH_TRUSTED_PROXY_COUNT == django_settings.TRUSTED_PROXY_COUNT


def production_settings(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "TRUSTED_"))}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "berniecrat.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "berniecrat.example.org",
    } | env
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_PROXY_COUNT)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_refuse_to_start_without_the_proxy_count():
    result = production_settings()

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "TRUSTED_PROXY_COUNT" in result.stderr


def test_production_settings_take_zero_proxies_when_said_so():
    result = production_settings(TRUSTED_PROXY_COUNT="0")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "0"]

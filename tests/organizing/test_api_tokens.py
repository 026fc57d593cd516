"""API tokens: stored hashed, expiring, named, made only with TOTP, seen and revoked by their owner only;
and no list answer larger than ``API_MAX_PAGE_SIZE``.

Each test performs the attack it names: a copied token table, an old or revoked key,
a password-only account making a token, one request for a whole state, an organizer
reaching for a colleague's tokens.
"""

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import ApiTokenRefused, api_token_create
from signups.models import SignUp
from tests.factories import OrganizerFactory, SignUpFactory, TotpOrganizerFactory
from tests.plugins.organizers import client_for

pytestmark = pytest.mark.django_db

LIST = "/api/v1/signups/"
TOKENS = "/organize/tokens/"


def api_get(key: str, url: str = LIST):
    return Client().get(url, HTTP_AUTHORIZATION=f"Token {key}")


def test_the_stored_token_is_a_hash_that_authenticates_nobody(ny_organizer):
    token, key = api_token_create(user=ny_organizer, name="weekly report")
    assert api_get(key).status_code == 200
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(key in str(value) for value in row.values())
    # Whoever copies the table has the hash and the key's first characters: neither opens the API.
    assert api_get(row["digest"]).status_code == 401
    assert api_get(row["token_key"]).status_code == 401


def test_a_token_expires_after_api_token_days_and_is_then_refused(ny_organizer):
    token, key = api_token_create(user=ny_organizer, name="script", days=10_000)
    assert token.expiry - timezone.now() <= datetime.timedelta(days=settings.API_TOKEN_DAYS)
    assert token.expiry - timezone.now() > datetime.timedelta(days=settings.API_TOKEN_DAYS - 1)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert api_get(key).status_code == 401
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_the_page_refuses_a_validity_longer_than_the_deployment_allows(ny_client, settings):
    settings.API_TOKEN_DAYS = 30
    refused = ny_client.post(TOKENS, {"name": "x", "days": "31"})
    assert refused.status_code == 400
    assert "less than or equal to 30" in refused.content.decode()
    assert not ApiToken.objects.exists()
    assert ny_client.post(TOKENS, {"name": "x", "days": "30"}).status_code == 200


def test_an_organizer_makes_a_token_on_the_page_sees_its_key_once_and_revokes_it(ny_organizer, ny_client):
    for bad in ({"name": ""}, {"name": "x", "days": "91"}, {"name": "x", "days": "0"}):
        refused = ny_client.post(TOKENS, bad)
        assert refused.status_code == 400 and refused.context["key"] is None, bad
    assert not ApiToken.objects.exists()
    made = ny_client.post(TOKENS, {"name": "nightly sync", "days": "30"})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    key = made.context["key"]
    assert key in made.content.decode()
    assert api_get(key).status_code == 200

    listing = ny_client.get(TOKENS).content.decode()
    assert "nightly sync" in listing and key not in listing

    token = ApiToken.objects.get(user=ny_organizer)
    assert ny_client.post("/organize/tokens/revoke/", {"token": token.digest}).status_code == 302
    assert api_get(key).status_code == 401
    assert "nightly sync" not in ny_client.get(TOKENS).content.decode()


def test_an_organizer_without_totp_cannot_make_a_token():
    password_only = OrganizerFactory(states=["NY"])
    with pytest.raises(ApiTokenRefused):
        api_token_create(user=password_only, name="sneaky")
    # The page sends them to set up TOTP first; nothing is made.
    response = client_for(password_only).post(TOKENS, {"name": "sneaky"})
    assert response.status_code == 302 and "totp" in response["Location"]
    # Nor can the command make one for them (with --totp it sets TOTP up first).
    with pytest.raises(CommandError, match="TOTP"):
        call_command("create_organizer", password_only.email, "--states", "NY", "--token", "sneaky", stdout=StringIO())
    assert not ApiToken.objects.exists()
    out = StringIO()
    call_command("create_organizer", password_only.email, "--states", "NY", "--totp", "--token", "ok", stdout=out)
    key = out.getvalue().rsplit(": ", 1)[1].strip()
    assert api_get(key).status_code == 200


def test_an_organizer_cannot_see_or_revoke_another_organizers_tokens(ny_client):
    colleague = TotpOrganizerFactory(states=["NY"])
    theirs, their_key = api_token_create(user=colleague, name="colleague's laptop")
    assert "colleague&#x27;s laptop" not in ny_client.get(TOKENS).content.decode()
    assert ny_client.post("/organize/tokens/revoke/", {"token": theirs.digest}).status_code == 404
    assert api_get(their_key).status_code == 200


def test_one_request_returns_at_most_the_maximum_page_and_the_cursor_walks_the_rest(ny_organizer):
    maximum = settings.API_MAX_PAGE_SIZE
    SignUp.objects.bulk_create(SignUpFactory.build_batch(maximum + 3, state="NY", cd=None, sldu=None, sldl=None))
    _token, key = api_token_create(user=ny_organizer, name="bulk")

    first = api_get(key, f"{LIST}?page_size={maximum * 10}").json()
    assert len(first["results"]) == maximum
    assert first["previous"] is None and first["next"]
    second = api_get(key, first["next"]).json()
    assert len(second["results"]) == 3 and second["next"] is None
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert len(set(seen)) == maximum + 3
    # Without page_size: the default page.
    assert len(api_get(key).json()["results"]) == settings.API_PAGE_SIZE


def test_a_token_header_that_is_not_text_is_a_401_not_a_server_error(ny_organizer):
    response = Client().get(LIST, HTTP_AUTHORIZATION="Token \xff\xfe")
    assert response.status_code == 401


def test_the_tokens_page_is_translated_to_spanish(ny_organizer):
    from django.template.loader import render_to_string
    from django.utils import translation

    from organizing.token_views import ApiTokenForm

    with translation.override("es"):
        context = {"form": ApiTokenForm(), "tokens": [], "max_days": 90, "user": ny_organizer}
        page = render_to_string("organizing/tokens.html", context)
    for text in ("Tokens de la API", "Crear un token", "Válido durante (días)", "No tienes ningún token de la API."):
        assert text in page

"""Production settings pass ``check --deploy``; every page runs under the content security
policy; personal data is never cached."""

import os
import re
import secrets
import subprocess
import sys

import pytest

from signups import tokens
from tests.factories import OrganizerFactory, SignUpFactory, api_key
from tests.plugins.processes import ROOT
from tests.signups.conftest import RUN_FORM, api_payload

pytestmark = pytest.mark.usefixtures("zipcodes")


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    return (
        env
        | {
            "DJANGO_SETTINGS_MODULE": "berniecrat.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "berniecrat.example.org",
            "SITE_URL": "https://berniecrat.example.org",
            "TRUSTED_PROXY_COUNT": "1",
        }
        | extra
    )


def test_production_settings_pass_check_deploy_with_no_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_their_required_variables():
    env = production_env()
    del env["DJANGO_ALLOWED_HOSTS"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_plain_http_is_redirected_to_https_except_the_load_balancers_health_probes():
    probe = (
        "import django; django.setup(); from django.test import Client; c = Client(HTTP_HOST='berniecrat.example.org');"
        "print(c.get('/').status_code, c.get('/healthz').status_code, c.get('/readyz').status_code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    home, live, ready = result.stdout.split()
    assert home == "301"
    assert live == "200"
    assert ready in {"200", "503"}  # answered from loopback (ready or not), not redirected


def csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/run/", "/volunteer/", "/es/run/", "/accounts/login/"])
def test_pages_run_under_a_strict_policy_with_no_inline_script_or_style(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = csp(response)
    assert policy["script-src"] == "script-src 'self'" and policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'" and policy["object-src"] == "object-src 'none'"
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "<style" not in html and not re.search(r"\sstyle=", html), "inline style"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


@pytest.mark.django_db
def test_only_the_api_docs_page_may_run_its_inline_script(client):
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert "'unsafe-inline'" in csp(docs)["script-src"]
    assert "'unsafe-inline'" not in csp(client.get("/run/"))["script-src"]
    assert "'unsafe-inline'" not in csp(client.get("/api/v1/schema/"))["script-src"]


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_personal_data_pages_and_answers_are_never_cached(client):
    assert not no_store(client.get("/run/"))  # a blank form: cacheable
    posted = client.post("/run/", RUN_FORM)
    assert no_store(posted)
    thanks = client.get("/thanks/")
    assert thanks.status_code == 200 and no_store(thanks)
    signup = SignUpFactory()
    assert no_store(client.get(f"/confirm/{tokens.make_token(signup.pk, tokens.CONFIRM_SALT)}/"))
    assert no_store(client.get(f"/unsubscribe/{tokens.make_token(signup.pk, tokens.UNSUBSCRIBE_SALT)}/"))
    assert no_store(
        client.post("/api/v1/signups/", api_payload(email="x@example.org"), content_type="application/json")
    )
    assert no_store(client.post("/run/", RUN_FORM | {"zip": "1"}))  # the form sent back shows what was typed


@pytest.mark.django_db
def test_organizer_api_answers_are_never_cached(client):
    key = api_key(OrganizerFactory(states=["NY"]))
    SignUpFactory()
    listing = client.get("/api/v1/signups/", HTTP_AUTHORIZATION=f"Token {key}")
    assert listing.status_code == 200 and no_store(listing)
    assert "private" in listing["Cache-Control"]
    assert not no_store(client.get("/api/v1/districts/lookup?lat=40.7484&lng=-73.9857"))  # no one's data

"""Scripts are refused, people are not: honeypot, time-trap, per-address and per-email
rate limits on the forms and the API, partner keys, and the client address behind proxies."""

import re
import time

import pytest
from django.test import Client, RequestFactory

from berniecrat import ratelimit
from signups.forms import time_trap_token
from signups.models import Submission
from tests.signups.conftest import RUN_FORM, api_payload, fresh, shown_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]

API = "/api/v1/signups/"
PARTNER_KEY = "k" * 40


def page_token(client: Client, path: str = "/run/") -> str:
    return re.search(r'name="started" value="([^"]+)"', client.get(path).content.decode())[1]


def errors(response) -> str:
    return response.content.decode()


@pytest.fixture
def trap(settings):
    settings.SIGNUP_FORM_MIN_SECONDS = 2.0  # the production value (tests default to 0 for browser tests)
    return settings


def test_honeypot_is_off_screen_labelled_and_not_in_the_tab_order(client):
    html = client.get("/run/").content.decode()
    block = re.search(r'<div class="field field--trap">(.*?)</div>', html, re.S)[1]
    assert '<label for="id_website">If you are a person, leave this field empty</label>' in block
    assert 'tabindex="-1"' in block and 'autocomplete="off"' in block


def test_filled_honeypot_is_refused_with_a_clear_error_and_nothing_stored(client, trap):
    response = client.post("/run/", fresh(RUN_FORM) | {"website": "http://spam.example"})
    assert response.status_code == 200
    assert "If you typed in the field labelled" in errors(response)
    assert not Submission.objects.exists()


def test_submission_faster_than_a_person_is_refused_then_accepted_after_a_pause(client, trap):
    token = page_token(client)
    response = client.post("/run/", RUN_FORM | {"started": token})
    assert "quicker than a person" in errors(response)
    assert not Submission.objects.exists()
    assert client.post("/run/", fresh(RUN_FORM) | {"started": time_trap_token(time.time() - 2.5)}).status_code == 302
    assert Submission.objects.count() == 1


@pytest.mark.parametrize(
    ("started", "message"),
    [
        (None, "could not be checked"),  # a script that never loaded the page
        ("", "could not be checked"),
        ("garbage", "could not be checked"),
        (shown_token()[:-2] + "xx", "could not be checked"),  # tampered signature
        (time_trap_token(time.time() - 7 * 3600), "open for too long"),  # expired
    ],
)
def test_missing_tampered_or_expired_time_trap_is_refused(client, trap, started, message):
    form = {k: v for k, v in RUN_FORM.items() if k != "started"}
    if started is not None:
        form["started"] = started
    response = client.post("/run/", form)
    assert response.status_code == 200 and message in errors(response)
    assert not Submission.objects.exists()
    assert re.search(r'name="started" value="[^"]+"', errors(response))  # a fresh token to send again with


def test_a_person_at_typing_speed_is_never_limited(client, trap):
    """Three people on one connection, each taking 30 s (simulated), one fixing a typo."""
    for i, email in enumerate(["a@example.org", "b@example.org", "c@example.org", "c@example.org"]):
        form = RUN_FORM | {"email": email, "started": shown_token(30)}
        if i == 2:
            form["zip"] = "1000"  # a typo, refused and sent again (from the page it came back on: a new token)
            assert client.post("/run/", form).status_code == 200
            form |= {"zip": "10001", "started": shown_token(30)}
        assert client.post("/run/", form).status_code == 302
    assert Submission.objects.count() == 4  # every accepted form is one submission (c's two: one person later)


def test_form_flood_from_one_address_gets_429_with_a_form_error(client, settings):
    settings.SIGNUP_FORM_RATE = "3/minute"
    answers = [client.post("/run/", fresh(RUN_FORM) | {"email": f"flood{i}@example.org"}) for i in range(5)]
    assert [r.status_code for r in answers] == [302, 302, 302, 429, 429]
    assert "Too many sign-ups in a short time" in errors(answers[3]) and answers[3]["Retry-After"]
    assert Submission.objects.count() == 3


def test_per_email_limit_on_the_forms_and_the_api_together(client, settings):
    settings.SIGNUP_EMAIL_RATE = "2/hour"
    assert client.post("/run/", fresh(RUN_FORM) | {"email": "same@example.org"}).status_code == 302
    assert client.post(API, api_payload(email="Same@Example.org"), content_type="application/json").status_code == 202
    third = client.post("/run/", fresh(RUN_FORM) | {"email": "same@example.org"})
    assert third.status_code == 429 and "Too many sign-ups" in errors(third)
    api = client.post(API, api_payload(email="same@example.org"), content_type="application/json")
    assert api.status_code == 429
    assert "email" in api.json()["errors"] and int(api["Retry-After"]) > 0


def test_api_flood_gets_429_with_json_errors(client, settings):
    settings.SIGNUP_API_RATE = "3/minute"
    answers = [
        client.post(API, api_payload(email=f"f{i}@example.org"), content_type="application/json") for i in range(5)
    ]
    assert [r.status_code for r in answers] == [202, 202, 202, 429, 429]
    assert list(answers[3].json()) == ["errors"] and answers[3]["Retry-After"]
    assert Submission.objects.count() == 3


def test_refused_bodies_count_against_the_address_and_over_its_limit_are_429(client, settings):
    """The limits are counted after validation (one Redis round trip), but a body we refuse still
    counts against the address, and over the limit any body is a 429, as when it was checked first."""
    settings.SIGNUP_API_RATE = "3/minute"
    invalid = client.post(API, api_payload(email="not-an-email"), content_type="application/json")
    not_json = client.post(API, "kind=run", content_type="application/x-www-form-urlencoded")
    malformed = client.post(API, "{", content_type="application/json")
    assert [r.status_code for r in (invalid, not_json, malformed)] == [400, 415, 400]
    over = [
        client.post(API, api_payload(email="late@example.org"), content_type="application/json"),
        client.post(API, api_payload(email="not-an-email"), content_type="application/json"),
        client.post(API, "kind=run", content_type="application/x-www-form-urlencoded"),
    ]
    assert [r.status_code for r in over] == [429, 429, 429]
    assert all(list(r.json()["errors"]) == ["non_field_errors"] and r["Retry-After"] for r in over)
    assert not Submission.objects.exists()


def test_a_request_over_the_address_limit_does_not_count_against_the_email(client, settings):
    settings.SIGNUP_API_RATE = "1/minute"
    settings.SIGNUP_EMAIL_RATE = "1/hour"
    assert client.post(API, api_payload(email="a@example.org"), content_type="application/json").status_code == 202
    refused = client.post(API, api_payload(email="b@example.org"), content_type="application/json")
    assert refused.status_code == 429 and "non_field_errors" in refused.json()["errors"]
    elsewhere = client.post(
        API, api_payload(email="b@example.org"), content_type="application/json", REMOTE_ADDR="198.51.100.7"
    )
    assert elsewhere.status_code == 202  # b's one sign-up an hour was not used up by the refused request
    again = client.post(
        API, api_payload(email="b@example.org"), content_type="application/json", REMOTE_ADDR="198.51.100.8"
    )
    assert again.status_code == 429 and "email" in again.json()["errors"]


def test_sign_ups_are_let_in_while_redis_is_down(client, settings, caplog):
    settings.SIGNUP_API_RATE = settings.SIGNUP_EMAIL_RATE = "1/hour"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: connection refused
        }
    }
    answers = [
        client.post(API, api_payload(email="same@example.org"), content_type="application/json") for _ in range(3)
    ]
    assert [r.status_code for r in answers] == [202, 202, 202]
    assert "rate limit signup_api_ip, signup_email not counted: Redis unavailable" in caplog.text
    assert "same@example.org" not in caplog.text
    assert Submission.objects.count() == 3


def test_partner_key_skips_the_per_address_limit_but_not_the_per_email_one(client, settings):
    settings.SIGNUP_API_RATE = "3/minute"
    settings.SIGNUP_EMAIL_RATE = "2/hour"
    settings.SIGNUP_PARTNER_KEYS = {"union-local-7": PARTNER_KEY}
    headers = {"HTTP_X_PARTNER_KEY": PARTNER_KEY}
    answers = [
        client.post(API, api_payload(email=f"visitor{i}@example.org"), content_type="application/json", **headers)
        for i in range(10)
    ]
    assert {r.status_code for r in answers} == {202}  # ten of the partner's visitors, one address
    same = [
        client.post(API, api_payload(email="v@example.org"), content_type="application/json", **headers)
        for _ in range(3)
    ]
    assert [r.status_code for r in same] == [202, 202, 429]
    wrong = client.post(
        API, api_payload(email="x@example.org"), content_type="application/json", HTTP_X_PARTNER_KEY="no"
    )
    assert wrong.status_code == 403 and wrong.json() == {"errors": {"non_field_errors": ["Unknown partner key."]}}


def test_partner_is_limited_per_partner(client, settings):
    settings.SIGNUP_PARTNER_KEYS = {"p": PARTNER_KEY}
    settings.SIGNUP_PARTNER_RATE = "2/minute"
    codes = [
        client.post(
            API, api_payload(email=f"p{i}@example.org"), content_type="application/json", HTTP_X_PARTNER_KEY=PARTNER_KEY
        ).status_code
        for i in range(3)
    ]
    assert codes == [202, 202, 429]


def test_rate_limit_enable_0_turns_every_limit_off(client, settings):
    settings.RATELIMIT_ENABLE = False
    settings.SIGNUP_API_RATE = settings.SIGNUP_FORM_RATE = settings.SIGNUP_EMAIL_RATE = "1/hour"
    assert {client.post("/run/", fresh(RUN_FORM)).status_code for _ in range(3)} == {302}
    assert {client.post(API, api_payload(), content_type="application/json").status_code for _ in range(3)} == {202}


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),  # no proxy of ours: the header is anyone's, ignored
        (1, "203.0.113.9", "203.0.113.9"),  # one proxy: it appended the client
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's forged entry is left of it
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer entries than proxies: misconfigured, not trusted
        (1, "not-an-ip", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_comes_from_the_trusted_hops_of_x_forwarded_for(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_ip(request) == expected


def test_forged_forwarded_for_does_not_escape_the_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SIGNUP_API_RATE = "2/minute"
    codes = [
        client.post(
            API,
            api_payload(email=f"forge{i}@example.org"),
            content_type="application/json",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.9",  # our proxy saw 203.0.113.9
        ).status_code
        for i in range(3)
    ]
    assert codes == [202, 202, 429]


def test_ipv6_clients_are_counted_per_64(settings):
    settings.SIGNUP_API_RATE = "1/minute"
    first = RequestFactory().post("/", REMOTE_ADDR="2001:db8:1:2::1")
    same_64 = RequestFactory().post("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert ratelimit.hit_ip("t", first, "1/minute").allowed
    assert not ratelimit.hit_ip("t", same_64, "1/minute").allowed


def test_hit_all_counts_in_order_and_stops_at_the_first_limit_it_is_over(settings):
    limits = [("t_first", "x", "2/minute"), ("t_second", "y", "1/minute")]
    assert ratelimit.hit_all(*limits) == (None, ratelimit.ALLOWED)
    over, verdict = ratelimit.hit_all(*limits)
    assert over == 1 and not verdict.allowed and 1 <= verdict.retry_after <= 61
    over, _ = ratelimit.hit_all(*limits)
    assert over == 0  # the first is over now: the second was not counted again
    assert not ratelimit.hit("t_second", "y", "2/minute").allowed  # counted twice before, three times now


def test_rates_parse():
    assert ratelimit.Rate.parse("30/minute") == ratelimit.Rate(30, 60)
    assert ratelimit.Rate.parse("100/10m") == ratelimit.Rate(100, 600)
    assert ratelimit.Rate.parse("5/hour") == ratelimit.Rate(5, 3600)
    with pytest.raises(ValueError):
        ratelimit.Rate.parse("lots")


def test_a_time_trap_token_works_once(client):
    """A script that keeps one page's token and replays it is refused like one without a token."""
    form = fresh(RUN_FORM)
    assert client.post("/run/", form).status_code == 302
    again = client.post("/run/", form | {"email": "another@example.org"})
    assert again.status_code == 200
    assert "This form was sent already" in errors(again)
    assert 'name="started"' in again.content.decode()  # with a fresh token to send it again
    assert Submission.objects.count() == 1
    assert client.post("/run/", fresh(RUN_FORM) | {"email": "another@example.org"}).status_code == 302

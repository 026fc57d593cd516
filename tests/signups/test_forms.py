"""The /run/ and /volunteer/ pages: a supporter fills a form and lands on the thank-you page."""

import re

import pytest

from signups.models import LocationQuality, SignUp, Submission
from tests.plugins.processes import queued_messages
from tests.signups.conftest import process_intake

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]


def errors(response) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>([^<]*)</p>', response.content.decode())


def test_run_page_has_labelled_fields_and_works_without_javascript(client):
    response = client.get("/run/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>I want to run for office</h1>" in html
    for field in ("first_name", "last_name", "email", "street", "zip"):
        assert f'<label for="id_{field}">' in html
    # A plain POST form; the only script (browser location) is optional and deferred.
    assert '<form method="post"' in html
    assert html.count("<script") == 1 and 'js/locate.js" defer' in html


def test_run_sign_up_with_zip_only_lands_on_thank_you_page_with_the_zips_districts(client, run_form):
    response = client.post("/run/", run_form | {"zip": "12345", "city": ""}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [("/thanks/", 302)]
    assert "Thank you for signing up!" in html
    assert "New York Congressional District 20" in html and "from your ZIP code" in html
    assert "Your local governments" not in html  # the ZIP's centre may be in another town


def test_a_zip_spanning_several_districts_names_none_on_the_thank_you_page(client, run_form):
    response = client.post("/run/", run_form, follow=True)
    html = response.content.decode()
    assert "Congressional District" not in html  # 10001 spans NY-10 and NY-12: the page does not guess
    assert "We are matching your address to its districts" in html
    process_intake()
    signup = SignUp.objects.get()
    assert signup.wants_to_run and not signup.wants_to_volunteer
    assert signup.offices == ["state_house", "city_council"]
    assert signup.ballot_line == "working_families"
    assert signup.location_quality == LocationQuality.AMBIGUOUS  # ZIP 10001 spans NY-10 and NY-12
    assert signup.consent_email and not signup.consent_sms


def test_thank_you_page_url_carries_no_personal_data(client, run_form):
    response = client.post("/run/", run_form)
    assert response["Location"] == "/thanks/"


def test_a_form_sign_up_is_one_submission_with_nothing_left_to_do_after_commit(
    client, run_form, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        client.post("/run/", run_form)
    assert Submission.objects.get().source == "form"
    assert callbacks == []  # no publish, no session row: the intake workers take it from here


def test_street_address_is_left_for_the_geocoding_task(
    client, run_form, django_capture_on_commit_callbacks, celery_without_worker
):
    import json

    import redis

    run_form["street"] = "421 8th Ave"
    client.post("/run/", run_form)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        process_intake()
    signup = SignUp.objects.get()
    assert signup.located_at is None and signup.cd is None
    assert len(callbacks) == 2  # after the batch's commit: hand over the geocoding, and the email
    queued = [json.loads(m)["headers"]["task"] for m in queued_messages(redis.Redis.from_url(celery_without_worker))]
    assert sorted(queued) == ["signups.tasks.locate_signup", "signups.tasks.send_emails"]
    signup.refresh_from_db()
    assert signup.follow_up_queued_at is not None  # handed over: the sweeper leaves it alone


def test_map_pin_gives_an_exact_location(client, run_form):
    run_form.update(lat="40.7484", lng="-73.9857")
    page = client.post("/run/", run_form, follow=True).content.decode()
    assert "New York Congressional District 12" in page  # the pin's districts, at once
    assert "County or equivalent: New York " in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    process_intake()
    signup = SignUp.objects.select_related("cd", "sldu", "sldl").get()
    assert signup.location_quality == LocationQuality.EXACT
    assert (signup.cd.geoid, signup.sldu.geoid, signup.sldl.geoid) == ("3612", "36028", "36075")


def test_volunteer_sign_up_stores_skills_and_normalised_phone(client, volunteer_form):
    response = client.post("/volunteer/", volunteer_form)
    assert response.status_code == 302
    process_intake()
    signup = SignUp.objects.get()
    assert signup.wants_to_volunteer and not signup.wants_to_run
    assert signup.skills == ["canvassing", "data"]
    assert signup.phone == "+12125550100"
    assert signup.hours_per_week == 5 and signup.help_scope == "anywhere"


def test_same_email_again_holds_the_new_kind_for_the_owner_instead_of_duplicating(client, run_form, volunteer_form):
    client.post("/run/", run_form)
    volunteer_form["email"] = "ANA@Example.org"
    client.post("/volunteer/", volunteer_form)
    process_intake()
    signup = SignUp.objects.get()
    assert signup.kinds == ["run"]  # until the owner confirms from their mailbox
    assert signup.offices == ["state_house", "city_council"]
    held = signup.pending_change.changes
    assert held["wants_to_volunteer"] is True and held["skills"] == ["canvassing", "data"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "This field is required."),
        ("first_name", "<script>alert(1)</script>", "Use letters only"),
        ("last_name", "Robert'); DROP TABLE signups;--", "Use letters only"),
        ("first_name", "Ana 🌹", "Use letters only"),
        ("first_name", "A" * 10_000, "at most 100 characters"),
        ("email", "not-an-email", "Enter a valid email address."),
        ("phone", "12345", "Enter a US phone number"),
        ("state", "XX", "Select a valid choice."),
        ("zip", "1234", "Enter a five-digit ZIP code."),
        ("zip", "00000", "We could not find this ZIP code."),
        ("zip", "90210", "ZIP code 90210 is in CA, not NY."),
        ("offices", "astronaut", "Select a valid choice."),
        ("timeframe", "", "This field is required."),
        ("statement", "x" * 2001, "at most 2000 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(client, run_form, field, value, message):
    run_form[field] = value
    response = client.post("/run/", run_form)
    assert response.status_code == 200
    assert any(message in e for e in errors(response)), errors(response)
    assert 'role="alert"' in response.content.decode()  # the error summary
    assert not Submission.objects.exists()


def test_hostile_text_is_kept_verbatim_but_shown_escaped(client, run_form):
    run_form["statement"] = "<b>bold</b> & 'quotes' 🌹"
    client.post("/run/", run_form)
    process_intake()
    signup = SignUp.objects.get()
    assert signup.statement == "<b>bold</b> & 'quotes' 🌹"


def test_control_characters_are_stripped_from_free_text(client, run_form):
    run_form["statement"] = "line one\x07\x1b[31m\nline two"
    client.post("/run/", run_form)
    process_intake()
    assert SignUp.objects.get().statement == "line one[31m\nline two"


def test_thank_you_page_without_a_sign_up_sends_to_the_form(client):
    response = client.get("/thanks/")
    assert response.status_code == 302 and response["Location"] == "/run/"

""" "Find your districts": a visitor learns whether anyone runs where they live and can be the first."""

import re

import pytest
from django.utils import timezone

from signups.models import SignUp
from tests.factories import signup_in
from tests.signups.conftest import RUN_FORM, shown_token

from .conftest import EMPIRE_STATE, district_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_zip_finds_three_districts_with_nobody_and_offers_to_be_the_first(client):
    response = client.post("/find/", {"zip": "05401"})
    page = text(response)
    assert response.status_code == 200
    assert "U.S. House: Vermont Congressional District (at Large) Nobody yet" in page
    html = response.content.decode()
    assert html.count(">Be the first to run here</button>") == 3  # house, senate, Congress: nobody yet
    assert '<form class="public-place__first" method="post" action="/run/">' in html
    assert '<input type="hidden" name="zip" value="05401">' in html
    assert '<input type="hidden" name="state" value="VT">' in html  # from the districts found
    # It shows what was typed: never kept by a browser or a shared cache.
    assert "no-store" in response["Cache-Control"]


def test_a_district_with_a_confirmed_candidate_says_so_without_a_button(client):
    # Placed in the Assembly district only (as if the senate and House maps were being reloaded).
    signup_in(district_at("sldl", *EMPIRE_STATE), sldu_id=None, cd_id=None, confirmed_at=timezone.now())
    response = client.post("/find/", {"lat": EMPIRE_STATE[0], "lng": EMPIRE_STATE[1]})
    page = text(response)
    assert "State house: New York Assembly District 75 Someone wants to run here" in page
    assert "State senate: New York State Senate District 28 Nobody yet" in page
    assert response.content.decode().count(">Be the first to run here</button>") == 2


def test_street_address_is_geocoded_and_not_stored(client, fake_census_geocoder):
    before = SignUp.objects.count()
    response = client.post("/find/", {"street": "421 8th Ave", "city": "New York", "state": "NY", "zip": "10001"})
    assert response.status_code == 200
    page = text(response)
    assert "New York Congressional District 12" in page
    assert "These come from the middle of your ZIP code" not in page  # a street match is exact
    assert SignUp.objects.count() == before


def test_geocoder_down_falls_back_to_the_zip_code(client, fake_census_geocoder):
    response = client.post("/find/", {"street": "1 Server Error St", "city": "New York", "state": "NY", "zip": "10001"})
    page = text(response)
    assert response.status_code == 200
    assert "We could not look up your street just now, so we used your ZIP code." in page
    assert "New York Congressional District 12" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter a ZIP code, or use your current location."),
        ({"zip": "1234"}, "Enter a five-digit ZIP code."),
        ({"zip": "05401", "state": "NY"}, "ZIP code 05401 is in VT, not NY."),
        ({"lat": "40.7"}, "A map location needs both latitude and longitude."),
    ],
)
def test_bad_input_comes_back_with_a_message(client, data, message):
    response = client.post("/find/", data)
    assert response.status_code == 400
    assert message in text(response)


def test_be_the_first_opens_the_run_form_filled_in_and_stores_nothing(client):
    response = client.post(
        "/run/", {"prefill": "1", "street": "350 5th Ave", "city": "New York", "state": "NY", "zip": "10118"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="street" value="350 5th Ave"' in html and 'name="zip" value="10118"' in html
    assert '<option value="NY" selected>' in html
    assert 'class="error"' not in html  # not sent yet: no "this field is required"
    assert SignUp.objects.count() == 0
    assert "no-store" in response["Cache-Control"]


def test_volunteer_form_opens_filled_in_too(client):
    html = client.post("/volunteer/", {"prefill": "1", "zip": "05401", "state": "VT"}).content.decode()
    assert "<h1>I want to help candidates</h1>" in html and 'name="zip" value="05401"' in html


def test_thank_you_page_shows_the_statuses_of_the_submitted_place(client):
    signup_in(district_at("sldl", 40.7484, -73.9857), confirmed_at=timezone.now())
    form = dict(RUN_FORM, started=shown_token(), lat="40.7484", lng="-73.9857")
    response = client.post("/run/", form, follow=True)
    page = text(response)
    assert "State house: New York Assembly District 75 Someone wants to run here" in page
    assert "U.S. House: New York Congressional District 12" in page


def test_thank_you_page_is_the_same_whether_the_email_was_known_or_not(client):
    """The districts shown come from what was submitted, never from a stored sign-up."""
    SignUp.objects.create(
        email="known@example.org", first_name="Old", last_name="Record", state="VT", zip="05401", wants_to_run=True
    )
    pages = []
    for email in ("known@example.org", "new@example.org"):
        client.cookies.clear()
        form = dict(RUN_FORM, email=email, started=shown_token(), lat="40.7484", lng="-73.9857")
        pages.append(text(client.post("/run/", form, follow=True)))
    assert pages[0] == pages[1]
    assert "New York Congressional District 12" in pages[0] and "Vermont" not in pages[0]

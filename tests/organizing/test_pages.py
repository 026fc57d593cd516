"""What organizers see on the dashboard, a state's page, a district's page, a person's page and the activity page."""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.html import escape

from signups.models import SignUp
from tests.factories import signup_in
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's text with tags and runs of whitespace collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def headline(response) -> str:
    match = re.search(r"data-headline>(.*?)</p>", response.content.decode(), re.S)
    return re.sub(r"\s+", " ", match.group(1)).strip()


def test_the_headline_sentence(national_client):
    house = current_districts("sldl", "NY")
    for district in house[:3]:
        signup_in(district, wants_to_run=True)
    signup_in(house[3], wants_to_run=False, wants_to_volunteer=True)

    response = national_client.get("/organize/")

    assert response.status_code == 200
    # 3 runners in 3 NY districts: 3 of 4833 house seats, 3 senate and 3 congressional districts at most.
    summary = response.context["summary"]
    sldu, cd = summary["chambers"]["sldu"], summary["chambers"]["cd"]
    assert headline(response) == (
        f"3 supporters who want to run cover 0.1% of state house districts, {sldu['percent']}% of state senate "
        f"districts and {cd['percent']}% of congressional districts"
    )
    assert 1 <= sldu["covered"] <= 3 and 1 <= cd["covered"] <= 3
    page = text(response)
    assert "National coverage" in page
    assert "3 of 4,833 state house districts covered" in page
    assert "of 435 congressional districts covered" in page
    assert "1 volunteer signed up to help." in page
    assert "non-voting delegates of DC and Puerto Rico" in page


def test_one_supporter_reads_as_one(ny_client):
    signup_in(current_districts("sldl", "NY")[0], wants_to_run=True)

    assert headline(ny_client.get("/organize/")).startswith("1 supporter who wants to run covers 0.7% of state house")


def test_the_confirmed_only_toggle_is_a_plain_link(ny_client):
    house = current_districts("sldl", "NY")
    signup_in(house[0], wants_to_run=True, confirmed_at=timezone.now())
    signup_in(house[1], wants_to_run=True)

    everyone = ny_client.get("/organize/")
    link = re.search(r'href="([^"]*confirmed=true[^"]*)">Count confirmed sign-ups only', everyone.content.decode())
    confirmed = ny_client.get("/organize/" + link.group(1).replace("&amp;", "&"))

    assert "2 of 150 state house districts covered" in text(everyone)
    assert "1 of 150 state house districts covered" in text(confirmed)
    assert "Counting confirmed sign-ups only" in text(confirmed)


def test_state_table_sorts_by_a_chambers_percent_without_javascript(national_client):
    # Vermont's house has 109 districts, New York's 150: one runner each.
    signup_in(current_districts("sldl", "VT")[0], wants_to_run=True)
    signup_in(current_districts("sldl", "NY")[0], wants_to_run=True)

    by_name = national_client.get("/organize/")
    by_house = national_client.get("/organize/?sort=-sldl")
    by_house_up = national_client.get("/organize/?sort=sldl")

    def states(response):
        return re.findall(r'<tr data-state="(\w\w)"', response.content.decode())

    assert states(by_name)[:3] == ["AL", "AK", "AZ"]
    assert states(by_house)[:2] == ["VT", "NY"]
    # Places without a state house (Nebraska, DC, Puerto Rico) come last either way.
    assert set(states(by_house)[-3:]) == set(states(by_house_up)[-3:]) == {"NE", "DC", "PR"}
    assert 'href="?sort=-sldl"' in by_house_up.content.decode()


def test_filter_errors_are_shown_and_the_page_still_works(ny_client):
    response = ny_client.get("/organize/?kind=everyone&since=soon")

    assert response.status_code == 200
    page = text(response)
    assert "Some filters were not understood" in page
    assert "Choose 'run' or 'volunteer'" in escape(page) or "Choose &#x27;run&#x27;" in response.content.decode()


def test_state_page_lists_every_district_and_the_three_gaps(ny_client):
    house = current_districts("sldl", "NY")
    signup_in(house[0], wants_to_run=True, wants_to_volunteer=True)  # candidate and volunteer
    signup_in(house[1], wants_to_run=True)  # candidate, no volunteer
    signup_in(house[2], wants_to_run=False, wants_to_volunteer=True)  # volunteers only

    response = ny_client.get("/organize/states/NY/")

    assert response.status_code == 200
    sldl = next(c for c in response.context["chambers"] if c["key"] == "sldl")
    assert len(sldl["districts"]) == 150
    gaps = {key: [d.geoid for d in districts] for key, _title, districts in sldl["gaps"]}
    assert gaps["volunteers_only"] == [house[2].geoid]
    assert gaps["candidate_only"] == [house[1].geoid]
    assert len(gaps["nobody"]) == 147 and house[0].geoid not in gaps["nobody"]
    html = response.content.decode()
    section = html[html.index('data-gap="candidate_only"') :]
    assert f"/organize/districts/sldl/{house[1].geoid}/" in section[: section.index("</ul>")]
    assert "2 of 150 districts covered" in text(response)


def test_nebraska_page_says_why_there_is_no_state_house(national_client):
    response = national_client.get("/organize/states/NE/")

    assert response.status_code == 200
    assert "Nebraska's legislature has a single chamber" in text(response).replace("&#x27;", "'")
    sldu = next(c for c in response.context["chambers"] if c["key"] == "sldu")
    assert len(sldu["districts"]) == 49


def test_district_page_lists_its_people_with_links(ny_client):
    district = current_districts("sldl", "NY")[5]
    runner = signup_in(
        district,
        first_name="Rosa",
        last_name="Parks",
        wants_to_run=True,
        offices=["state_house", "city_council"],
        ballot_line="working_families",
        confirmed_at=timezone.now(),
    )
    volunteer = signup_in(district, first_name="Luis", last_name="Ortega", wants_to_run=False, wants_to_volunteer=True)
    signup_in(current_districts("sldl", "NY")[6], first_name="Elsewhere")

    response = ny_client.get(f"/organize/districts/sldl/{district.geoid}/")

    assert response.status_code == 200
    page = text(response)
    assert district.name in page and district.ocd_id in page
    assert "People (2)" in page
    assert "Elsewhere" not in page
    html = response.content.decode()
    row = html[html.index(f'data-signup="{runner.pk}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="/organize/signups/{runner.pk}/"' in row
    assert "Rosa Parks" in row and "run" in row
    assert "State house, City or town council" in row
    assert "Working Families" in row
    assert "Exact point given" in row
    assert f'data-signup="{volunteer.pk}"' in html

    person = ny_client.get(f"/organize/signups/{runner.pk}/")
    assert person.status_code == 200
    assert runner.email in text(person)
    assert district.name in text(person)


def test_a_district_page_counts_everyone_its_filters_match_beyond_the_page_shown(ny_client, monkeypatch):
    monkeypatch.setattr("organizing.views.PEOPLE_PER_PAGE", 2)
    district = current_districts("sldl", "NY")[5]
    runners = [signup_in(district, wants_to_run=True) for _ in range(3)]
    helpers = [
        signup_in(district, wants_to_run=False, wants_to_volunteer=True, confirmed_at=timezone.now()) for _ in range(2)
    ]
    signup_in(current_districts("sldl", "NY")[6], wants_to_run=True)  # another district's
    url = f"/organize/districts/sldl/{district.geoid}/"

    def shown(query: str = "") -> tuple[int, int, list[int]]:
        page = ny_client.get(url + query).context["page"]
        return page.paginator.count, page.number, [person.pk for person in page.object_list]

    newest_first = [person.pk for person in reversed(runners + helpers)]
    assert shown() == (5, 1, newest_first[:2])
    assert "People (5)" in text(ny_client.get(url))
    assert shown("?page=3") == (5, 3, newest_first[4:])
    # As Paginator.get_page: past the end (or below 1) the last page, not a number the first.
    assert shown("?page=9") == shown("?page=0") == (5, 3, newest_first[4:])
    assert shown("?page=two") == (5, 1, newest_first[:2])
    assert shown("?kind=run")[0] == 3
    assert shown("?kind=volunteer&page=2") == (2, 1, [helpers[1].pk, helpers[0].pk])
    assert shown("?confirmed=true") == (2, 1, [helpers[1].pk, helpers[0].pk])
    assert shown("?kind=run&confirmed=true") == (0, 1, [])
    assert "Nobody in this district matches the filters yet." in text(ny_client.get(url + "?kind=run&confirmed=true"))
    # The page's query is kept by the process, never its answer: someone new is on the next view.
    newcomer = signup_in(district, wants_to_run=True)
    assert shown() == (6, 1, [newcomer.pk, newest_first[0]])


def test_a_district_page_kept_for_one_organizer_is_not_shown_to_another_outside_its_states(ny_client, national_client):
    vermont = current_districts("sldl", "VT")[0]
    signup_in(vermont, first_name="Bernadette", wants_to_run=True)
    url = f"/organize/districts/sldl/{vermont.geoid}/"

    assert "Bernadette" in text(national_client.get(url))
    assert ny_client.get(url).status_code == 404


def test_unknown_district_and_chamber_are_not_found(ny_client):
    assert ny_client.get("/organize/districts/sldl/99999/").status_code == 404
    assert ny_client.get("/organize/districts/senate/36001/").status_code == 404


def test_activity_shows_sign_ups_per_day_and_per_hour(ny_client):
    house = current_districts("sldl", "NY")
    now = timezone.now()
    spike = now.replace(minute=30, second=0, microsecond=0) - datetime.timedelta(hours=3)
    for i in range(5):
        person = signup_in(house[i], wants_to_run=i % 2 == 0, wants_to_volunteer=i % 2 == 1)
        SignUp.objects.filter(pk=person.pk).update(created_at=spike)
    old = signup_in(house[9], wants_to_run=True)
    SignUp.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(days=3))

    response = ny_client.get("/organize/activity/")

    assert response.status_code == 200
    hours = {row["period"]: row for row in response.context["hours"]}
    spike_hour = spike.replace(minute=0)
    assert hours[spike_hour]["total"] == 5
    assert (hours[spike_hour]["run"], hours[spike_hour]["volunteer"]) == (3, 2)
    assert sum(row["total"] for row in response.context["hours"]) == 5  # the old one is days ago
    days = {row["period"].date(): row["total"] for row in response.context["days"]}
    assert days[(now - datetime.timedelta(days=3)).date()] == 1
    assert sum(days.values()) == 6
    html = response.content.decode()
    assert html.count("<svg") == 2 and "<rect" in html
    assert "<script" not in html.split("<main", 1)[1]

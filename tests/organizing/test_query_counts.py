"""Pages and API answers make a fixed number of queries, however many sign-ups and districts there are.

Each count is taken with a cold summary cache (the autouse fixture empties it), once
with a few sign-ups in a few districts and again with many more in many more, for a
New York organizer and for one with every state.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from districts.models import District
from signups.models import SignUp
from tests.factories import api_key, signup_in
from tests.organizing.conftest import clear_summary_cache, current_districts

pytestmark = pytest.mark.django_db

# Session, and the user with their TOTP check (accounts.backends) of every organizer page.
AUTH = 2
# The filter form's list of loaded vintages.
VINTAGES = 1
# The coverage summary: districts of three chambers and everyone in one query.
SUMMARY = 1
# The audit log's record of a page that shows people (organizing.audit).
AUDIT = 1
# The coverage map's bounds (organizing.tile_views.coverage_map_context); the whole
# country's map needs none.
MAP = 1


def add_people(districts, *, per_district: int):
    """Sign-ups in each district, made in bulk (the point is the page, not the factory)."""
    template = signup_in(districts[0], wants_to_run=True)
    people = []
    for i, district in enumerate(districts):
        for j in range(per_district):
            people.append(
                SignUp(
                    email=f"p{i}-{j}-{district.pk}@example.org",
                    first_name="P",
                    last_name=str(i),
                    state=district.state,
                    zip="10001",
                    wants_to_run=j % 2 == 0,
                    wants_to_volunteer=j % 2 == 1 or j == 0,
                    offices=["state_house"],
                    location=template.location,
                    location_quality="exact",
                    sldl=district,
                    sldu_id=template.sldu_id,
                    cd_id=template.cd_id,
                )
            )
    SignUp.objects.bulk_create(people)


def pages(client, district: District) -> dict[str, int]:
    """Each page's query count, from a cold summary cache."""
    counts = {}
    for name, url in {
        "dashboard": "/organize/",
        "dashboard filtered": "/organize/?confirmed=true&kind=run&office=state_house&sort=-sldl",
        "state": "/organize/states/NY/",
        "district": f"/organize/districts/sldl/{district.geoid}/",
        "activity": "/organize/activity/",
    }.items():
        clear_summary_cache()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counts[name] = len(queries.captured_queries)
    return counts


EXPECTED = {
    "dashboard": AUTH + VINTAGES + SUMMARY + MAP,
    "dashboard filtered": AUTH + VINTAGES + SUMMARY + MAP,
    # The summary, then the districts of the three chambers and the units of the six local
    # layers (the lenses) with their counts in one query, then the state's nominations (the
    # "nobody, but a nomination" lists of all three chambers).
    "state": AUTH + VINTAGES + SUMMARY + 1 + 1 + MAP,
    # The district with its counts, one page of people with how many there are in all, the audit record.
    "district": AUTH + VINTAGES + 2 + AUDIT,
    # Per day, per hour.
    "activity": AUTH + VINTAGES + 2,
}


@pytest.mark.parametrize("organizer", ["ny_client", "national_client"])
def test_pages_make_a_fixed_number_of_queries(request, organizer):
    client = request.getfixturevalue(organizer)
    house = current_districts("sldl", "NY")

    add_people(house[:2], per_district=2)
    few = pages(client, house[0])
    add_people(house[2:60], per_district=6)
    add_people(current_districts("sldl", "VT")[:20], per_district=3)
    many = pages(client, house[0])

    expected = dict(EXPECTED)
    if organizer == "national_client":
        expected["dashboard"] = expected["dashboard filtered"] = AUTH + VINTAGES + SUMMARY
    assert few == expected
    assert many == expected


def test_api_answers_make_a_fixed_number_of_queries(ny_organizer, django_assert_num_queries):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(ny_organizer)}")
    house = current_districts("sldl", "NY")

    for people in ((house[:2], 1), (house[2:80], 5)):
        add_people(*people[:1], per_district=people[1])
        clear_summary_cache()
        # The token (with its user) and the owner's other tokens (knox deletes expired ones), then the summary.
        token = 2
        with django_assert_num_queries(token + SUMMARY):
            assert client.get("/api/v1/coverage/?confirmed=false").status_code == 200
        with django_assert_num_queries(token + 1):
            assert client.get("/api/v1/coverage/districts/?chamber=sldl").status_code == 200


@pytest.mark.parametrize("url", ["/organize/", "/organize/states/NY/", "/organize/activity/"])
def test_a_cached_page_costs_only_the_sign_in(ny_client, django_assert_num_queries, url):
    add_people(current_districts("sldl", "NY")[:3], per_district=2)
    ny_client.get(url)

    # The page's content, its figures, filter form and map included, comes from the cache.
    with django_assert_num_queries(AUTH):
        assert ny_client.get(url).status_code == 200


def test_a_district_page_reads_its_counts_from_the_cache_and_its_people_afresh(ny_client, django_assert_num_queries):
    house = current_districts("sldl", "NY")
    add_people(house[:1], per_district=2)
    url = f"/organize/districts/sldl/{house[0].geoid}/"
    listed = ny_client.get(url).context["page"].paginator.count

    signup_in(house[0], wants_to_run=True)  # listed at once, counted within the cache's minute
    # The district's counts and the page above its people (the filter form's vintages too) come
    # from the cache: the sign-in, one page of people with how many there are, the audit record.
    with django_assert_num_queries(AUTH + 1 + AUDIT):
        response = ny_client.get(url)
    assert response.context["page"].paginator.count == listed + 1

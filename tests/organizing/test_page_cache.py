"""The coverage pages' content comes from the coverage cache: a minute old at most, one scope's
never shown to another, recorded in the audit log on every view, served when Redis is down."""

import re

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from coverage.cache import PREFIX, SECONDS
from tests.factories import NominationFactory, TotpOrganizerFactory, api_key, signup_in
from tests.organizing.conftest import clear_summary_cache, current_districts
from tests.plugins.organizers import client_for

pytestmark = pytest.mark.django_db


def candidates_in_row(html: str, geoid: str) -> int:
    """The "Candidates" cell of the state page's row for ``geoid`` (the first such row)."""
    row = re.search(rf'<tr data-geoid="{geoid}".*?<td>{geoid}</td><td>(\d+)</td>', html, re.S)
    assert row, geoid
    return int(row.group(1))


def cached_page_keys() -> list[bytes]:
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        return list(client.scan_iter(match=cache.make_key(f"{PREFIX}:{connection.settings_dict['NAME']}:page:*")))
    finally:
        client.close()


def test_a_cached_state_page_shows_a_new_sign_up_once_its_minute_is_over(ny_client):
    district = current_districts("sldl", "NY")[0]
    assert candidates_in_row(ny_client.get("/organize/states/NY/").content.decode(), district.geoid) == 0

    signup_in(district, wants_to_run=True)
    # Within the minute the page is the one already rendered (as the summary always was) ...
    assert candidates_in_row(ny_client.get("/organize/states/NY/").content.decode(), district.geoid) == 0
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        assert all(0 < client.ttl(key) <= SECONDS for key in cached_page_keys())
    finally:
        client.close()
    clear_summary_cache()  # ... which is what Redis does when the minute runs out

    assert candidates_in_row(ny_client.get("/organize/states/NY/").content.decode(), district.geoid) == 1


def test_an_organizer_never_gets_another_scopes_cached_page(ny_client, national_client):
    signup_in(current_districts("sldl", "VT")[0], wants_to_run=True)
    vt_client = client_for(TotpOrganizerFactory(states=["VT"]))
    assert vt_client.get("/organize/states/VT/").status_code == 200
    national = national_client.get("/organize/").content.decode()
    assert 'data-state="VT"' in national

    # The same URLs, just rendered and cached for other scopes: NY's organizer sees only NY.
    assert ny_client.get("/organize/states/VT/").status_code == 404
    mine = ny_client.get("/organize/").content.decode()
    assert 'data-state="NY"' in mine and 'data-state="VT"' not in mine


def test_organizers_with_the_same_states_share_the_content_but_not_the_header(ny_client, ny_organizer):
    other = TotpOrganizerFactory(states=["NY"])
    assert ny_organizer.email in ny_client.get("/organize/").content.decode()

    page = client_for(other).get("/organize/").content.decode()

    assert other.email in page and ny_organizer.email not in page
    assert len(cached_page_keys()) == 1  # one rendering for both


def test_every_view_of_a_cached_state_page_with_nominations_is_audited(ny_client, ny_organizer):
    NominationFactory(nominee_name="Grace Lee", sldl=current_districts("sldl", "NY")[0])

    for _view in range(2):
        assert "Grace Lee" in ny_client.get("/organize/states/NY/").content.decode()

    events = AuditEvent.objects.filter(user=ny_organizer, resource="state NY nominations")
    assert [event.count for event in events] == [1, 1]


def test_pages_are_served_when_redis_is_down(ny_client, settings):
    district = current_districts("sldl", "NY")[0]
    signup_in(district, wants_to_run=True)
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["LOCATION"] = "redis://127.0.0.1:9/0"  # the discard port: nobody answers
    settings.CACHES = caches

    for url in ("/organize/", "/organize/activity/"):
        assert ny_client.get(url).status_code == 200, url
    assert candidates_in_row(ny_client.get("/organize/states/NY/").content.decode(), district.geoid) == 1


def test_the_district_list_api_is_cached_for_its_minute_per_scope(ny_organizer):
    district = current_districts("sldl", "NY")[0]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(ny_organizer)}")

    def candidates() -> int:
        rows = client.get("/api/v1/coverage/districts/?chamber=sldl").json()
        assert {row["state"] for row in rows} == {"NY"}
        return next(row["candidates"] for row in rows if row["geoid"] == district.geoid)

    assert candidates() == 0
    signup_in(district, wants_to_run=True)
    assert candidates() == 0
    clear_summary_cache()
    assert candidates() == 1


def test_a_district_page_keeps_counts_only_and_never_a_typed_sort(ny_client):
    district = current_districts("sldl", "NY")[0]
    signup_in(district, first_name="Ximena", last_name="Quist", email="ximena@example.org", wants_to_run=True)
    url = f"/organize/districts/sldl/{district.geoid}/"

    for query in ("", "?sort=-cd", "?sort=ximena@example.org"):
        assert "Ximena Quist" in ny_client.get(url + query).content.decode()

    # The part above the people, kept for the asker's scope and filters, with a dashboard sort or none.
    keys = [key.decode() for key in cached_page_keys()]
    assert len([key for key in keys if ":page:district:" in key]) == 2
    assert not any("ximena" in key.lower() for key in keys)
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        assert not any(b"Ximena" in client.get(key) or b"ximena" in client.get(key) for key in cached_page_keys())
    finally:
        client.close()

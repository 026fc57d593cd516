"""Privacy of the public side: every public page, answer, tile and image for a database of invented
people shows none of them, and no count of people in a district.

The invented people have distinctive names, emails, phones and streets, and their
districts have distinctive numbers of people (7 would-be candidates in one, 11
volunteers in another, 13 in a third), so a page that printed a count per district
would show a number found nowhere else. The would-be candidates also want to run for
every local office, so their counties, towns and school districts are covered, and a
count beside a local unit's name would be found the same way. Every page is searched as text, every tile's
decoded features, every JSON answer; the share images are pictures (checked for size
and format by the page tests) and carry no text about people by construction.
"""

import gzip
import json
import re

import mapbox_vector_tile
import pytest
from django.urls import reverse
from django.utils import timezone

from districts.states import BY_USPS
from pipeline.models import Candidacy, Stage
from tests.factories import signup_in
from tests.organizing.test_tiles import tile_at

from .conftest import BURLINGTON, EMPIRE_STATE, district_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]

PEOPLE = [
    ("Xanthippe", "Vorhees-Quint", "xvq-secret@example.org", "+12125550177", "977 Zinfandel Alley"),
    ("Yevgenia", "Wolcott-Brandt", "ywb-hidden@example.net", "+18025550143", "31 Quokka Terrace"),
    ("Zoltan", "Abernathy-Kim", "zak-private@example.com", "+12125550188", "5 Umbrage Court"),
]
# Numbers of people per district chosen to appear nowhere else on the pages.
CANDIDATES_IN_ONE, VOLUNTEERS_IN_ONE, MIXED = 7, 11, 13
# Every office, so the local lenses count the would-be candidates too.
EVERY_OFFICE = ["state_house", "state_senate", "us_house", "county", "city_council", "school_board"]


def needles() -> list[str]:
    found = []
    for first, last, email, phone, street in PEOPLE:
        found += [
            first,
            last,
            email,
            email.split("@")[0],
            phone,
            phone[2:],
            phone[-4:] + " ",
            street,
            street.split()[1],
        ]
    return found


@pytest.fixture
def invented_people():
    """Confirmed and unconfirmed people, runners, volunteers and a filed candidate, in NY and VT."""
    assembly = district_at("sldl", *EMPIRE_STATE)
    vermont_house = district_at("sldl", *BURLINGTON)
    senate = district_at("sldu", 40.7128, -74.0060)
    people = []
    for n in range(CANDIDATES_IN_ONE):
        first, last, email, phone, street = PEOPLE[n % 3]
        people.append(
            signup_in(
                assembly,
                first_name=first,
                last_name=last,
                email=f"{n}{email}",
                phone=phone,
                street=street,
                offices=EVERY_OFFICE,
                confirmed_at=timezone.now(),
            )
        )
    for n in range(VOLUNTEERS_IN_ONE):
        first, last, email, phone, street = PEOPLE[(n + 1) % 3]
        signup_in(
            vermont_house,
            first_name=first,
            last_name=last,
            email=f"v{n}{email}",
            phone=phone,
            street=street,
            wants_to_run=False,
            wants_to_volunteer=True,
            skills=["canvassing"],
            hours_per_week=3,
            help_scope="anywhere",
            confirmed_at=timezone.now(),
        )
    for n in range(MIXED):
        first, last, email, phone, street = PEOPLE[(n + 2) % 3]
        signup_in(
            senate,
            first_name=first,
            last_name=last,
            email=f"m{n}{email}",
            phone=phone,
            street=street,
            wants_to_volunteer=n % 2 == 0,
            offices=EVERY_OFFICE,
            confirmed_at=timezone.now() if n % 3 else None,
        )
    Candidacy.objects.create(signup=people[0], stage=Stage.FILED, notes="Xanthippe filed on Tuesday")
    return people


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    found = [needle for needle in needles() if needle.lower() in lowered]
    # A count per district would be printed beside a district's name or in its row.
    for count in (CANDIDATES_IN_ONE, VOLUNTEERS_IN_ONE, MIXED, CANDIDATES_IN_ONE - 1):
        if re.search(rf"District \d+[^<\n]{{0,80}}\b{count}\b", text):
            found.append(f"count {count} beside a district")
        # ... or beside a local unit's name, in its call to be the first.
        if re.search(rf"Be the first to run for [^<\n]{{0,120}}\b{count}\b", text):
            found.append(f"count {count} beside a local unit")
    return found


def public_urls(client) -> list[str]:
    urls = ["/", "/es/", "/coverage/", "/es/coverage/", "/find/", "/es/find/", "/api/v1/public/coverage/"]
    for code in ("NY", "VT", "CA"):
        for prefix in ("", "/es"):
            urls += [f"{prefix}/coverage/{code.lower()}/", f"{prefix}/coverage/{code.lower()}/?chamber=cd"]
    for chamber in ("cd", "sldu", "sldl"):
        urls.append(f"/coverage/?chamber={chamber}")
    for lat, lng in (EMPIRE_STATE, BURLINGTON, (40.7128, -74.0060)):
        urls.append(f"/api/v1/public/districts/?lat={lat}&lng={lng}")
    urls += ["/api/v1/public/districts/?zip=10001", "/api/v1/public/districts/?zip=05401"]
    return urls


def test_no_public_page_or_answer_shows_a_person_or_a_count_per_district(client, invented_people):
    checked = 0
    for url in public_urls(client):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not leaks(response.content.decode()), (url, leaks(response.content.decode()))
        checked += 1
    # The finder's answers (the personal page, with what the visitor typed) for places of these people.
    for data in ({"zip": "10001"}, {"zip": "05401"}, {"lat": EMPIRE_STATE[0], "lng": EMPIRE_STATE[1]}):
        for prefix in ("", "/es"):
            response = client.post(f"{prefix}/find/", data)
            assert response.status_code == 200
            assert not leaks(response.content.decode()), (data, leaks(response.content.decode()))
            checked += 1
    assert checked > 30
    # The state pages checked include their local units: the people's counties are covered, others listed.
    new_york = client.get("/coverage/ny/").content.decode()
    assert 'data-lens="county"' in new_york
    assert "Be the first to run for county office in Albany<" in new_york
    assert "county office in New York<" not in new_york  # Manhattan: the people want to run there
    # Every state with districts has a page, and none of them shows anyone either.
    for code in BY_USPS:
        response = client.get(reverse("public:state", kwargs={"state": code.lower()}))
        if response.status_code == 200:
            assert not leaks(response.content.decode()), code


def test_no_tile_carries_a_person_or_a_count(client, invented_people):
    for chamber in ("cd", "sldu", "sldl"):
        for lng, lat in ((EMPIRE_STATE[1], EMPIRE_STATE[0]), (BURLINGTON[1], BURLINGTON[0])):
            for z in (0, 4, 8, 12):
                z, x, y = tile_at(lng, lat, z)
                response = client.get(f"/public/tiles/{chamber}/{z}/{x}/{y}.pbf", HTTP_ACCEPT_ENCODING="gzip")
                assert response.status_code == 200
                body = response.content
                if response.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                layer = mapbox_vector_tile.decode(body).get("districts", {"features": []})
                for feature in layer["features"]:
                    assert set(feature["properties"]) == {"geoid", "name", "state", "status"}
                    assert not leaks(json.dumps(feature["properties"]))


def test_public_json_has_no_people_below_the_country(client, invented_people):
    data = client.get("/api/v1/public/coverage/").json()
    # Confirmed only: 7 candidates + the 13's confirmed runners; volunteers likewise, nationally.
    assert set(data["supporters"]) == {"run", "volunteer"}
    for row in data["states"]:
        for chamber in ("cd", "sldu", "sldl"):
            assert set(row[chamber]) == {"covered", "total", "percent", "filed", "filed_percent"}
    for chamber, figures in data["chambers"].items():
        assert set(figures) == {"covered", "total", "percent", "filed", "filed_percent"}, chamber

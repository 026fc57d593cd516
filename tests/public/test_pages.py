"""The public coverage pages: headline, figures, map, states; statuses only; shared-cache headers."""

import io
import re

import pytest
from django.utils import timezone
from PIL import Image

from pipeline.models import Candidacy, Stage
from tests.factories import signup_in

from .conftest import BURLINGTON, EMPIRE_STATE, district_at

pytestmark = pytest.mark.django_db


def confirmed_runner(district, **fields):
    return signup_in(district, confirmed_at=timezone.now(), **fields)


def text(response) -> str:
    return plain(response.content.decode())


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_national_page_shows_the_headline_per_chamber_and_every_state(client):
    vermont = district_at("cd", *BURLINGTON)  # the state's one seat
    confirmed_runner(vermont)
    response = client.get("/coverage/")
    page = text(response)
    assert response.status_code == 200
    assert "Supporters who want to run cover 0% of state house districts" in page
    assert "and 0.2% of congressional districts" in page  # 1 of the 435 voting seats
    assert "1 of 435 districts have someone who wants to run." in page
    assert "Across the country, 1 supporters want to run for office and 0 volunteers" in page
    html = response.content.decode()
    assert '<a href="/coverage/vt/">Vermont</a>' in html and '<a href="/coverage/ny/">New York</a>' in html
    assert "100% (1 of 1)" in page  # Vermont's row, U.S. House column


def test_unconfirmed_sign_ups_do_not_paint_the_public_map(client):
    signup_in(district_at("cd", *BURLINGTON))  # never confirmed
    assert "0 of 435 districts have someone who wants to run." in text(client.get("/coverage/"))


def test_volunteers_count_nationally_only_and_never_cover_a_district(client):
    sldl = district_at("sldl", *EMPIRE_STATE)
    signup_in(sldl, wants_to_run=False, wants_to_volunteer=True, confirmed_at=timezone.now())
    national = text(client.get("/coverage/"))
    assert "1 volunteers are ready to help them" in national
    state = text(client.get("/coverage/ny/"))
    assert f"{sldl.name}: Nobody yet" in state


def test_state_page_lists_every_district_with_its_status_and_nothing_more(client):
    sldl = district_at("sldl", *EMPIRE_STATE)
    for _ in range(3):
        confirmed_runner(sldl)
    filed = confirmed_runner(district_at("sldl", 40.7128, -74.0060))
    Candidacy.objects.create(signup=filed, stage=Stage.FILED)
    response = client.get("/coverage/ny/")
    page = text(response)
    assert response.status_code == 200
    assert "Who wants to run in New York" in page
    assert f"{sldl.name}: Someone wants to run here" in page
    assert "A candidate has filed" in page
    assert "2 of 150 districts have someone who wants to run." in page  # the Assembly's 150
    assert "In 1 district a candidate has filed." in page
    # Three would-be candidates in one district show as one status, never as a number.
    assert not re.search(rf"{re.escape(sldl.name)}[^<]*3", response.content.decode())


def test_state_page_for_unknown_or_badly_written_state_is_404(client):
    assert client.get("/coverage/zz/").status_code == 404
    assert client.get("/coverage/NY/").status_code == 404  # one URL per page: lowercase


def test_map_chamber_is_chosen_by_link_and_its_tiles_are_public(client):
    html = client.get("/coverage/ny/?chamber=cd").content.decode()
    assert 'data-tile-url="/public/tiles/cd/{z}/{x}/{y}.pbf"' in html
    assert '<a href="/coverage/ny/?chamber=sldu">State senate</a>' in html
    # An unknown choice falls back to the state house.
    assert 'data-tile-url="/public/tiles/sldl/' in client.get("/coverage/?chamber=bogus").content.decode()


@pytest.mark.parametrize("url", ["/coverage/", "/es/coverage/", "/coverage/ny/", "/find/", "/api/v1/public/coverage/"])
def test_public_answers_are_for_shared_caches_with_etag_and_304(client, url):
    response = client.get(url)
    assert response.status_code == 200
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=60", "s-maxage=60"} <= control
    assert not response.cookies  # no session, no CSRF cookie: nothing that would stop a CDN
    etag = response["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag


def test_new_figures_change_the_etag(client):
    first = client.get("/coverage/")
    confirmed_runner(district_at("cd", *BURLINGTON))
    from public_site.coverage import public_snapshot_forget

    public_snapshot_forget()  # as if the snapshot's minute had passed
    second = client.get("/coverage/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200 and second["ETag"] != first["ETag"]


def test_spanish_pages_are_in_spanish_with_links_between_languages(client):
    response = client.get("/es/coverage/")
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "<h1>Quién quiere postularse y dónde</h1>" in html
    assert "Quienes quieren postularse cubren el 0% de los distritos" in html
    assert 'href="/coverage/" hreflang="en"' in html
    english = client.get("/coverage/ny/").content.decode()
    assert 'href="/es/coverage/ny/" hreflang="es"' in english
    assert "csrfmiddlewaretoken" not in english


def test_share_metadata_names_a_rendered_image(client, settings):
    html = client.get("/coverage/ny/").content.decode()
    assert '<meta property="og:title" content="Who wants to run in New York">' in html
    image = re.search(r'<meta property="og:image" content="([^"]+)">', html)[1]
    assert image.startswith(settings.SITE_URL.rstrip("/") + "/public/share/en/ny.png?v=")
    png = client.get(image.removeprefix(settings.SITE_URL.rstrip("/")))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (1200, 630)


def test_share_image_shows_covered_districts_in_the_maps_colour():
    from public_site.coverage import public_snapshot_forget, snapshot_build
    from public_site.share import COLOURS, share_image_build

    blue = tuple(int(COLOURS["candidate"][i : i + 2], 16) for i in (1, 3, 5))

    def candidate_pixels() -> int:
        png = share_image_build(snapshot_build(), state="VT", language="en")
        image = Image.open(io.BytesIO(png)).convert("RGB").crop((0, 0, 740, 630))  # the map, not the text
        return {colour: count for count, colour in image.getcolors(maxcolors=1 << 20)}.get(blue, 0)

    public_snapshot_forget()
    before = candidate_pixels()
    confirmed_runner(district_at("sldl", 44.81, -71.88))  # Island Pond: a large rural district
    assert candidate_pixels() > before + 200  # filled blue


def test_home_page_links_to_the_coverage_and_the_finder(client):
    html = client.get("/").content.decode()
    assert 'href="/coverage/"' in html and 'href="/find/"' in html


def test_state_page_shows_county_offices_from_confirmed_supporters_only(client):
    # Burlington is in Chittenden County, one of Vermont's 14 in the Census county file.
    house = district_at("sldl", *BURLINGTON)
    confirmed_runner(house, offices=["county"])
    signup_in(district_at("sldl", 44.81, -71.88), offices=["county"])  # Essex County, never confirmed

    page = text(client.get("/coverage/vt/"))
    spanish = text(client.get("/es/coverage/vt/"))

    assert "County offices" in page
    assert "1 of 14 counties have someone who wants to run for this office." in page
    assert "1 de 14 condados tienen a alguien que quiere postularse a este cargo." in spanish


def test_state_page_lists_local_units_with_nobody_yet_by_lens_and_units_per_status(client):
    # Burlington is in Chittenden County; Vermont has 14 counties in the Census county file.
    house = district_at("sldl", *BURLINGTON)
    for _ in range(2):
        confirmed_runner(house, offices=["county"])
    confirmed_runner(house, offices=["state_house"])  # runs, but not for a county office

    response = client.get("/coverage/vt/")
    html, page = response.content.decode(), text(response)
    spanish = text(client.get("/es/coverage/vt/"))

    assert "Local offices with nobody yet" in page
    county = re.search(r'class="public-local" data-lens="county".*?</section>', html, re.S).group(0)
    counties = plain(county)
    per_status = re.sub(r" :", ":", counties)
    assert "Nobody yet: 13" in per_status
    assert "Someone wants to run here: 1" in per_status  # a unit's status, never its two people
    assert "A candidate has filed: 0" in per_status
    assert "Be the first to run for county office in Essex" in counties  # the Census file's NAME
    assert "Chittenden" not in counties  # someone wants to run there: not a gap
    assert counties.count("Be the first to run for county office in") == 13
    assert 'href="/run/?state=VT&amp;office=county"' in county
    assert "Sé la primera persona en postularse a un cargo del condado en Essex" in spanish


def test_local_statuses_follow_the_chambers_rule_from_the_same_snapshot(client):
    house = district_at("sldl", *BURLINGTON)
    filed = confirmed_runner(house, offices=["county"])
    Candidacy.objects.create(signup=filed, stage=Stage.FILED)
    signup_in(district_at("sldl", 44.81, -71.88), offices=["county"])  # Essex County, never confirmed
    confirmed_runner(district_at("sldl", 44.81, -71.88), wants_to_run=False, wants_to_volunteer=True, offices=[])

    from public_site.coverage import public_snapshot

    vermont = public_snapshot().state_local("VT")["county"]
    # Filed wins; unconfirmed people and volunteers leave a county with nobody, as for the chambers.
    assert vermont["statuses"] == {"none": 13, "candidate": 0, "filed": 1}
    assert "Essex" in [name for _layer, _geoid, name in vermont["gaps"]]
    assert "Chittenden" not in [name for _layer, _geoid, name in vermont["gaps"]]


def test_state_page_with_local_units_costs_no_query_beyond_the_map_bounds(client, django_assert_num_queries):
    from public_site.coverage import public_snapshot

    public_snapshot()
    with django_assert_num_queries(1):  # the map's bounds, once per snapshot and process
        assert client.get("/coverage/ny/").status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/coverage/ny/").status_code == 200


def test_a_link_from_a_local_gap_opens_the_run_form_with_state_and_office_chosen(client):
    form = client.get("/run/?state=VT&office=school_board").context["form"]
    assert form.initial["state"] == "VT" and form.initial["offices"] == ["school_board"]
    ignored = client.get("/run/?state=ZZ&office=king").context["form"]
    assert "state" not in ignored.initial and "offices" not in ignored.initial

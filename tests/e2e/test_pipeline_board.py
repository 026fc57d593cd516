"""An organizer signs in with TOTP, moves a candidate along the board from new to on the ballot,
and sees the district turn "filed" on the state page and on the map."""

import pytest

from districts.selectors import district_lookup
from pipeline.models import Candidacy, Stage, StageChange
from tests.e2e.test_map import EMPIRE_STATE, RENDERED, log_in, make_organizer, wait_until_drawn
from tests.factories import SignUpFactory
from tests.organizing.conftest import clear_summary_cache

pytestmark = pytest.mark.e2e

STAGES = ("contacted", "interested", "training", "filed", "on_ballot")


def test_organizer_moves_a_candidate_to_the_ballot_and_the_district_turns_filed(live_server, page):
    clear_summary_cache()
    from django.contrib.gis.geos import Point

    found = district_lookup(lat=EMPIRE_STATE[1], lng=EMPIRE_STATE[0])
    candidate = SignUpFactory(
        first_name="Frances",
        last_name="Perkins",
        location=Point(*EMPIRE_STATE, srid=4326),
        cd=found["cd"],
        sldu=found["sldu"],
        sldl=found["sldl"],
    )
    organizer = make_organizer("board@example.org", ["NY"])

    log_in(page, live_server.url, organizer, "/organize/pipeline/?state=NY")
    card = f"article[data-candidate='{candidate.pk}']"
    assert page.locator(f"[data-stage=new] {card}").count() == 1
    for stage in STAGES:
        page.locator(f"{card} select[name=stage]").select_option(stage)
        page.locator(f"{card} button[type=submit]").click()
        page.locator(f"[data-stage={stage}] {card}").wait_for()
    assert "is now at “On the ballot”" in page.locator(".messages").inner_text()
    assert Candidacy.objects.get(signup=candidate).stage == Stage.ON_BALLOT
    assert StageChange.objects.filter(candidacy__signup=candidate).count() == len(STAGES)

    # The candidate's page shows the history, who made each move.
    page.locator(f"{card} h3 a").click()
    page.wait_for_url(f"**/organize/candidates/{candidate.pk}/")
    assert page.locator("[data-history]").count() == len(STAGES)
    assert "board@example.org" in page.locator(".history").inner_text()

    # The state page's table: the district is now "filed".
    page.goto(f"{live_server.url}/organize/states/NY/")
    row = page.locator(f"#chamber-sldl tr[data-geoid='{found['sldl'].geoid}']")
    assert row.get_attribute("data-status") == "filed"

    # The map: the congressional district's feature has the new status.
    page.goto(f"{live_server.url}/organize/tiles/map/cd/")
    wait_until_drawn(page)
    drawn = page.evaluate(RENDERED)
    assert {d["status"] for d in drawn if d["geoid"] == found["cd"].geoid} == {"filed"}
    assert page.locator(".coverage-map__legend [data-status=filed]").count() == 1

"""Coverage's second lens: districts with a candidate who has filed or is on the ballot."""

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import AuditEvent
from coverage import CoverageFilters, district_list
from coverage.engine import district_rows
from coverage.summary import coverage_summary_build
from pipeline import services
from pipeline.models import FILED_STAGES, Candidacy, Nomination, Stage
from tests.factories import api_key, signup_in
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.django_db

ALL = CoverageFilters()


def independent_filed_count(chamber: str, state: str) -> int:
    """Districts of the chamber in the state with a runner in a filed stage, counted straight from the tables."""
    sql = f"""
        SELECT count(DISTINCT s.{chamber}_id) FROM signups_signup s
          JOIN pipeline_candidacy c ON c.signup_id = s.id
          JOIN districts_district d ON d.id = s.{chamber}_id
         WHERE s.wants_to_run AND s.state = %s AND c.stage = ANY(%s)
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [state, [str(stage) for stage in FILED_STAGES]])
        return cursor.fetchone()[0]


def independent_filed_by_district(chamber: str, state: str) -> dict[str, int]:
    """GEOID -> runners in a filed stage, for the districts of the chamber in the state that have any."""
    sql = f"""
        SELECT d.geoid, count(*) FROM signups_signup s
          JOIN pipeline_candidacy c ON c.signup_id = s.id
          JOIN districts_district d ON d.id = s.{chamber}_id
         WHERE s.wants_to_run AND s.state = %s AND c.stage = ANY(%s)
         GROUP BY d.geoid
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [state, [str(stage) for stage in FILED_STAGES]])
        return dict(cursor.fetchall())


@pytest.fixture
def pipeline_people(ny_organizer):
    """house[0]: filed; house[1]: on the ballot and another just new; house[2]: in training;
    house[3]: withdrawn; house[4]: won; house[5]: a volunteer only."""
    house = current_districts("sldl", "NY")
    stages = {
        0: [Stage.FILED],
        1: [Stage.ON_BALLOT, Stage.NEW],
        2: [Stage.TRAINING],
        3: [Stage.WITHDRAWN],
        4: [Stage.WON],
    }
    for index, district_stages in stages.items():
        for stage in district_stages:
            person = signup_in(house[index], wants_to_run=True)
            services.candidacy_set_stage(signup_id=person.pk, stage=stage, by=ny_organizer)
    signup_in(house[5], wants_to_run=False, wants_to_volunteer=True)
    return house


def test_summary_counts_filed_districts_per_chamber_and_state(ny_organizer, pipeline_people):
    summary = coverage_summary_build(scope=ny_organizer.scope, filters=ALL)
    sldl = summary["chambers"]["sldl"]
    assert sldl["covered"] == 4  # the withdrawn runner covers nothing
    assert sldl["filed"] == 3 == independent_filed_count("sldl", "NY")
    assert sldl["filed_percent"] == round(100 * 3 / sldl["total"], 1)
    ny = next(row for row in summary["states"] if row["state"] == "NY")
    for chamber in ("sldl", "sldu", "cd"):
        assert ny[chamber]["filed"] == independent_filed_count(chamber, "NY")
        assert ny[chamber]["filed"] <= ny[chamber]["covered"]
    assert summary["signups"]["run"] == 5  # six runners, but the withdrawn one is not a would-be candidate


def test_district_status_is_filed_above_candidate(ny_organizer, pipeline_people):
    house = pipeline_people
    rows = {
        d.geoid: (d.status, d.candidates, d.filed)
        for d in district_list(scope=ny_organizer.scope, filters=ALL, layer_key="sldl", state="NY")
    }
    assert rows[house[0].geoid] == ("filed", 1, 1)
    assert rows[house[1].geoid] == ("filed", 2, 1)
    assert rows[house[2].geoid] == ("candidate", 1, 0)
    assert rows[house[3].geoid] == ("none", 0, 0)
    assert rows[house[4].geoid] == ("filed", 1, 1)
    assert rows[house[5].geoid] == ("volunteers", 0, 0)
    plain = {row["geoid"]: row for row in district_rows(scope=ny_organizer.scope, filters=ALL, layer_key="sldl")}
    for geoid, (status, candidates, filed) in rows.items():
        assert (plain[geoid]["status"], plain[geoid]["candidates"], plain[geoid]["filed"]) == (
            status,
            candidates,
            filed,
        )


def test_dashboard_and_state_page_show_the_second_figure(ny_client, pipeline_people):
    page = ny_client.get("/organize/").content.decode()
    assert "Of these, 3 state house" in page and "have a candidate who has filed or is on the ballot" in page
    state = ny_client.get("/organize/states/NY/")
    html = state.content.decode()
    assert f'data-geoid="{pipeline_people[0].geoid}" data-status="filed"' in html
    assert f'data-geoid="{pipeline_people[3].geoid}" data-status="none"' in html
    assert "Filed / on the ballot" in html


def test_withdrawing_takes_a_district_out_of_both_lenses(ny_organizer):
    house = current_districts("sldl", "NY")
    person = signup_in(house[0], wants_to_run=True)
    services.candidacy_set_stage(signup_id=person.pk, stage=Stage.ON_BALLOT, by=ny_organizer)
    assert coverage_summary_build(scope=ny_organizer.scope, filters=ALL)["chambers"]["sldl"]["filed"] == 1
    services.candidacy_set_stage(signup_id=person.pk, stage=Stage.WITHDRAWN, by=ny_organizer)
    figures = coverage_summary_build(scope=ny_organizer.scope, filters=ALL)["chambers"]["sldl"]
    assert (figures["covered"], figures["filed"]) == (0, 0)
    assert Candidacy.objects.get(signup=person).stage == Stage.WITHDRAWN


def test_state_page_lists_districts_with_nobody_but_a_nomination(ny_client, ny_organizer):
    house = current_districts("sldl", "NY")
    signup_in(house[1], wants_to_run=True)  # covered: not a gap, nomination or not
    for index, name in ((0, "Grace Lee"), (1, "Covered Already")):
        district = house[index]
        Nomination.objects.create(
            nominator_name="Sam",
            nominator_email=f"sam{index}@example.org",
            nominee_name=name,
            nominee_email=f"nominee{index}@example.org",
            state="NY",
            zip="10001",
            sldl=district,
            confirmed_at=timezone.now(),
        )
    # Never confirmed by its nominator: anyone's words, not a lead.
    Nomination.objects.create(
        nominator_name="Eve",
        nominator_email="eve@example.org",
        nominee_name="Unconfirmed Name",
        state="NY",
        zip="10001",
        sldl=house[0],
    )
    Nomination.objects.create(
        nominator_name="Val",
        nominator_email="val@example.org",
        nominee_name="Vermonter",
        state="VT",
        zip="05602",
        confirmed_at=timezone.now(),
    )
    response = ny_client.get("/organize/states/NY/")
    sldl = next(c for c in response.context["chambers"] if c["key"] == "sldl")
    assert [(d.geoid, [n.nominee_name for n in noms]) for d, noms in sldl["nominated"]] == [
        (house[0].geoid, ["Grace Lee"])
    ]
    html = response.content.decode()
    assert "Nobody, but a nomination" in html and "Grace Lee" in html
    assert "Covered Already" not in html and "sam0@example.org" not in html and "Vermonter" not in html
    assert "Unconfirmed Name" not in html
    # Nominees' names are personal data: the view is in the audit log (how many, never who).
    event = AuditEvent.objects.get(user=ny_organizer, resource="state NY nominations")
    assert event.action == AuditEvent.Action.VIEW and event.count == 1
    assert "Grace" not in str(event.filters) and "Grace" not in event.resource


def test_a_state_page_without_nominations_shows_no_names_and_records_none(ny_client, ny_organizer):
    assert ny_client.get("/organize/states/NY/").status_code == 200
    assert not AuditEvent.objects.filter(resource__contains="nominations").exists()


def test_stage_filter_narrows_candidates_and_keeps_volunteers(ny_organizer, pipeline_people):
    from coverage import coverage_candidates, coverage_people

    filed = CoverageFilters.from_query({"stage": "filed"})[0]
    assert filed.stage == "filed" and filed.to_query() == "stage=filed"
    assert coverage_candidates(scope=ny_organizer.scope, filters=filed).count() == 1
    people = coverage_people(scope=ny_organizer.scope, filters=filed)
    assert people.filter(wants_to_run=True).count() == 1 and people.filter(wants_to_volunteer=True).count() == 1
    new = CoverageFilters(stage="new")
    assert coverage_candidates(scope=ny_organizer.scope, filters=new).count() == 1  # the second runner of house[1]
    run_new = CoverageFilters(stage="new", kind="run")
    assert coverage_people(scope=ny_organizer.scope, filters=run_new).count() == 1
    _filters, errors = CoverageFilters.from_query({"stage": "elected"})
    assert "stage" in errors


def test_people_export_has_a_stage_column_and_filters_by_stage(ny_client, pipeline_people):
    import csv
    import io

    def rows(query: str) -> list[dict]:
        response = ny_client.get(f"/organize/export/people.csv?{query}")
        assert response.status_code == 200
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    everyone = rows("")
    assert sorted(row["stage"] for row in everyone) == sorted(
        ["filed", "on_ballot", "new", "training", "withdrawn", "won", ""]
    )
    assert [row["stage"] for row in rows("stage=on_ballot&kind=run")] == ["on_ballot"]
    assert ny_client.get("/organize/export/people.csv?stage=elected").status_code == 400


def test_api_district_list_takes_the_stage_filter(ny_organizer, pipeline_people):
    from django.test import Client

    headers = {"HTTP_AUTHORIZATION": f"Token {api_key(ny_organizer)}"}
    client = Client()
    assert client.get("/api/v1/coverage/?stage=elected", **headers).status_code == 400
    response = client.get("/api/v1/coverage/districts/?stage=filed&chamber=sldl&state=NY", **headers)
    assert response.status_code == 200


@pytest.fixture
def api(ny_organizer):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(ny_organizer)}")
    return client


def test_coverage_api_reports_the_filed_figures(api, pipeline_people):
    data = api.get("/api/v1/coverage/").json()

    (ny,) = data["states"]
    for chamber in ("sldl", "sldu", "cd"):
        figures = data["chambers"][chamber]
        assert figures["filed"] == ny[chamber]["filed"] == independent_filed_count(chamber, "NY")
        assert figures["filed_percent"] == round(100 * figures["filed"] / figures["total"], 1)
    assert data["chambers"]["sldl"]["filed"] == 3  # filed, on the ballot, won; not training or withdrawn
    assert api.get("/api/v1/coverage/?stage=training").json()["chambers"]["sldl"]["filed"] == 0


def test_districts_api_and_export_report_filed_per_district(api, ny_client, pipeline_people):
    import csv
    import io

    expected = independent_filed_by_district("sldl", "NY")
    assert sorted(expected.values()) == [1, 1, 1]

    listed = api.get("/api/v1/coverage/districts/?chamber=sldl&state=NY").json()
    assert {row["geoid"]: row["filed"] for row in listed if row["filed"]} == expected
    by_geoid = {row["geoid"]: row for row in listed}
    assert (
        by_geoid[pipeline_people[1].geoid]["candidates"] == 2
        and by_geoid[pipeline_people[1].geoid]["status"] == "filed"
    )
    assert by_geoid[pipeline_people[2].geoid]["status"] == "candidate"

    response = ny_client.get("/organize/export/districts.csv?chamber=sldl")
    exported = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["geoid"]: int(row["filed"]) for row in exported if row["filed"] != "0"} == expected


def test_the_schema_documents_the_filed_figures(client):
    components = client.get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    assert {"filed", "filed_percent"} <= set(components["CoverageFigures"]["properties"])
    assert {"filed", "status"} <= set(components["CoverageDistrict"]["properties"])

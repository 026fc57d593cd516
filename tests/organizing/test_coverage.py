"""Coverage figures, checked against counts computed here from the loaded Census districts."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from coverage import CoverageFilters
from coverage.engine import district_rows
from coverage.summary import coverage_summary, coverage_summary_build
from tests.factories import TotpOrganizerFactory, signup_in
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.django_db

ALL = CoverageFilters()


def real_districts(chamber: str, state: str | None = None, *, voting_only: bool = False) -> int:
    """Districts of the current maps counted straight from the tables: the finest source per
    state, without the Census 'ZZ'/'ZZZ' placeholder codes."""
    sql = """
        SELECT count(*) FROM districts_district d JOIN districts_boundaryset b ON b.id = d.boundary_set_id
         WHERE b.is_current AND NOT d.superseded AND d.chamber = %s AND upper(d.code) NOT IN ('ZZ', 'ZZZ')
    """
    params = [chamber]
    if state:
        sql += " AND d.state = %s"
        params.append(state)
    if voting_only:
        sql += " AND d.voting"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def state_row(summary: dict, state: str) -> dict:
    return next(row for row in summary["states"] if row["state"] == state)


def test_national_totals_are_the_real_districts_of_the_current_maps(national_organizer):
    summary = coverage_summary_build(scope=national_organizer.scope, filters=ALL)

    assert summary["national"] is True
    assert summary["chambers"]["sldl"]["total"] == real_districts("sldl") == 4833
    assert summary["chambers"]["sldu"]["total"] == real_districts("sldu") == 1942
    # The headline counts the 435 voting seats; DC's and Puerto Rico's delegates are not among them.
    assert summary["chambers"]["cd"]["total"] == real_districts("cd", voting_only=True) == 435
    assert summary["signups"] == {"run": 0, "volunteer": 0}
    assert summary["chambers"]["sldl"]["covered"] == 0
    assert summary["chambers"]["sldl"]["percent"] == 0.0


def test_runners_in_three_new_york_assembly_districts_cover_three_of_150(national_organizer, ny_organizer):
    assembly = current_districts("sldl", "NY")
    for district in assembly[:3]:
        signup_in(district, wants_to_run=True)
    # A second runner in the same district covers nothing more.
    signup_in(assembly[0], wants_to_run=True)
    # A volunteer alone covers nothing.
    signup_in(assembly[10], wants_to_run=False, wants_to_volunteer=True)

    ny = coverage_summary_build(scope=ny_organizer.scope, filters=ALL)
    assert ny["national"] is False
    assert ny["chambers"]["sldl"] == {
        "covered": 3,
        "total": real_districts("sldl", "NY") == 150 and 150,
        "percent": 2.0,
        "seats_covered": 3,
        "seats_total": 150,
        "filed": 0,
        "filed_percent": 0.0,
        "candidates": 4,
        "volunteers": 1,
    }
    assert ny["signups"] == {"run": 4, "volunteer": 1}
    assert [row["state"] for row in ny["states"]] == ["NY"]

    national = coverage_summary_build(scope=national_organizer.scope, filters=ALL)
    assert national["chambers"]["sldl"]["covered"] == 3
    assert national["chambers"]["sldl"]["total"] == 4833
    assert national["chambers"]["sldl"]["percent"] == round(100 * 3 / 4833, 1)
    assert state_row(national, "NY")["sldl"]["covered"] == 3
    assert state_row(national, "VT")["sldl"] == {
        "covered": 0,
        "total": real_districts("sldl", "VT"),
        "percent": 0.0,
        "seats_covered": 0,
        "seats_total": real_districts("sldl", "VT"),
        "filed": 0,
        "filed_percent": 0.0,
        "candidates": 0,
        "volunteers": 0,
    }


def test_district_counts_and_status(ny_organizer):
    assembly = current_districts("sldl", "NY")
    signup_in(assembly[0], wants_to_run=True, wants_to_volunteer=True)  # one person, both
    signup_in(assembly[1], wants_to_run=False, wants_to_volunteer=True)
    signup_in(assembly[1], wants_to_run=False, wants_to_volunteer=True)

    rows = {
        row["geoid"]: row
        for row in district_rows(scope=ny_organizer.scope, filters=ALL, layer_key="sldl", fields=("geoid",))
    }
    rows = {geoid: {k: row[k] for k in ("geoid", "candidates", "volunteers", "status")} for geoid, row in rows.items()}

    assert len(rows) == 150
    assert rows[assembly[0].geoid] | {} == {
        "geoid": assembly[0].geoid,
        "candidates": 1,
        "volunteers": 1,
        "status": "candidate",
    }
    assert rows[assembly[1].geoid]["volunteers"] == 2
    assert rows[assembly[1].geoid]["status"] == "volunteers"
    assert rows[assembly[2].geoid]["status"] == "none"


def test_placeholders_and_nebraskas_missing_house_are_not_districts(national_organizer):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM districts_district WHERE upper(code) IN ('ZZ', 'ZZZ')")
        assert cursor.fetchone()[0] > 0, "the loaded data has Census placeholder areas to leave out"

    counted = [
        row["code"]
        for row in district_rows(scope=national_organizer.scope, filters=ALL, layer_key="sldl", fields=("code",))
    ]
    assert not [code for code in counted if code.upper() in ("ZZ", "ZZZ")]

    summary = coverage_summary_build(scope=national_organizer.scope, filters=ALL)
    nebraska = state_row(summary, "NE")
    assert nebraska["sldl"]["total"] == 0
    assert nebraska["sldl"]["percent"] is None
    assert nebraska["sldu"]["total"] == real_districts("sldu", "NE") == 49
    # At-large states have one congressional district.
    for at_large in ("VT", "WY", "AK", "DE", "ND", "SD"):
        assert state_row(summary, at_large)["cd"]["total"] == 1, at_large
    # DC's delegate is listed with DC, not counted in the national 435.
    assert state_row(summary, "DC")["cd"]["total"] == 1
    assert sum(row["cd"]["total"] for row in summary["states"]) == 437
    assert summary["chambers"]["cd"]["total"] == 435


def test_a_covered_delegate_district_is_not_in_the_national_percentage(national_organizer):
    (dc,) = current_districts("cd", "DC")
    signup_in(dc, wants_to_run=True, state="DC")

    summary = coverage_summary_build(scope=national_organizer.scope, filters=ALL)

    assert state_row(summary, "DC")["cd"]["covered"] == 1
    assert summary["chambers"]["cd"]["covered"] == 0


def test_confirmed_only_counts_confirmed_runners(ny_organizer):
    senate = current_districts("sldu", "NY")
    signup_in(senate[0], wants_to_run=True, confirmed_at=timezone.now())
    signup_in(senate[1], wants_to_run=True, confirmed_at=None)

    everyone = coverage_summary_build(scope=ny_organizer.scope, filters=ALL)
    confirmed = coverage_summary_build(scope=ny_organizer.scope, filters=CoverageFilters(confirmed_only=True))

    assert everyone["chambers"]["sldu"]["covered"] == 2
    assert confirmed["chambers"]["sldu"]["covered"] == 1
    assert confirmed["signups"]["run"] == 1


def test_office_and_ballot_line_narrow_candidates_but_not_volunteers(ny_organizer):
    assembly = current_districts("sldl", "NY")
    signup_in(assembly[0], wants_to_run=True, offices=["state_house"], ballot_line="green")
    signup_in(assembly[1], wants_to_run=True, offices=["school_board"], ballot_line="green")
    # Runs for the school board and volunteers: counted as a volunteer only.
    signup_in(assembly[2], wants_to_run=True, wants_to_volunteer=True, offices=["school_board"])
    signup_in(assembly[3], wants_to_run=False, wants_to_volunteer=True, offices=[], ballot_line="")

    summary = coverage_summary_build(scope=ny_organizer.scope, filters=CoverageFilters(office="state_house"))
    assert summary["chambers"]["sldl"]["covered"] == 1
    assert summary["signups"] == {"run": 1, "volunteer": 2}

    by_line = coverage_summary_build(scope=ny_organizer.scope, filters=CoverageFilters(ballot_line="green"))
    assert by_line["chambers"]["sldl"]["covered"] == 2


def test_kind_counts_one_side_only(ny_organizer):
    assembly = current_districts("sldl", "NY")
    signup_in(assembly[0], wants_to_run=True)
    signup_in(assembly[1], wants_to_run=False, wants_to_volunteer=True)

    runners = coverage_summary_build(scope=ny_organizer.scope, filters=CoverageFilters(kind="run"))
    volunteers = coverage_summary_build(scope=ny_organizer.scope, filters=CoverageFilters(kind="volunteer"))

    assert runners["signups"] == {"run": 1, "volunteer": 0}
    assert runners["chambers"]["sldl"]["covered"] == 1
    assert volunteers["signups"] == {"run": 0, "volunteer": 1}
    assert volunteers["chambers"]["sldl"]["covered"] == 0
    assert volunteers["chambers"]["sldl"]["volunteers"] == 1


def test_date_range_is_inclusive_days(ny_organizer):
    assembly = current_districts("sldl", "NY")
    first = signup_in(assembly[0], wants_to_run=True)
    second = signup_in(assembly[1], wants_to_run=True)
    # created_at is auto_now_add: set the days afterwards.
    type(first).objects.filter(pk=first.pk).update(
        created_at=datetime.datetime(2026, 3, 1, 23, 59, tzinfo=datetime.UTC)
    )
    type(first).objects.filter(pk=second.pk).update(created_at=datetime.datetime(2026, 3, 2, 0, 0, tzinfo=datetime.UTC))

    def covered(**dates):
        return coverage_summary_build(scope=ny_organizer.scope, filters=CoverageFilters(**dates))["chambers"]["sldl"][
            "covered"
        ]

    assert covered(until=datetime.date(2026, 3, 1)) == 1
    assert covered(since=datetime.date(2026, 3, 2)) == 1
    assert covered(since=datetime.date(2026, 3, 1), until=datetime.date(2026, 3, 2)) == 2
    assert covered(since=datetime.date(2026, 3, 3)) == 0


def test_summary_is_cached_per_scope_and_filters(ny_organizer):
    assembly = current_districts("sldl", "NY")
    signup_in(assembly[0], wants_to_run=True)
    before = coverage_summary(scope=ny_organizer.scope, filters=ALL)

    signup_in(assembly[1], wants_to_run=True)

    # Within the cache's minute the same organizer and filters get the same answer...
    assert coverage_summary(scope=ny_organizer.scope, filters=ALL) == before
    # ...other filters, or another scope, are computed on their own.
    assert (
        coverage_summary(scope=ny_organizer.scope, filters=CoverageFilters(kind="run"))["chambers"]["sldl"]["covered"]
        == 2
    )
    vermont = TotpOrganizerFactory(states=["VT"])
    assert coverage_summary(scope=vermont.scope, filters=ALL)["chambers"]["sldl"]["covered"] == 0


def test_a_runner_who_withdrew_covers_nothing(ny_organizer):
    from pipeline.models import Stage
    from tests.factories import CandidacyFactory

    house = current_districts("sldl", "NY")
    withdrawn = signup_in(house[0], wants_to_run=True)
    CandidacyFactory(signup=withdrawn, stage=Stage.WITHDRAWN)
    in_training = signup_in(house[1], wants_to_run=True)
    CandidacyFactory(signup=in_training, stage=Stage.TRAINING)

    summary = coverage_summary_build(scope=ny_organizer.scope, filters=ALL)

    assert summary["chambers"]["sldl"]["covered"] == 1
    assert summary["signups"]["run"] == 1

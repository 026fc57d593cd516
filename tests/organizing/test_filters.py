"""The filters every coverage view takes from its query string."""

import datetime

import pytest
from django.http import QueryDict

from coverage import CoverageFilters, vintage_choices
from districts.models import BoundarySet

pytestmark = pytest.mark.django_db


def parse(query: str):
    return CoverageFilters.from_query(QueryDict(query))


def test_no_parameters_mean_everyone_on_the_current_maps():
    filters, errors = parse("")

    assert errors == {}
    assert filters == CoverageFilters()
    assert filters.to_query() == ""


def test_every_parameter_is_read_and_written_back():
    filters, errors = parse(
        "kind=run&state=ny&state=VT&since=2026-01-01&until=2026-02-01&confirmed=true"
        "&ballot_line=green&office=state_house"
    )

    assert errors == {}
    assert filters == CoverageFilters(
        kind="run",
        states=("NY", "VT"),
        since=datetime.date(2026, 1, 1),
        until=datetime.date(2026, 2, 1),
        confirmed_only=True,
        ballot_line="green",
        office="state_house",
    )
    assert parse(filters.to_query()) == (filters, {})


def test_comma_separated_states_and_empty_values():
    filters, errors = parse("state=NY,vt&kind=&confirmed=&office=")

    assert errors == {}
    assert filters.states == ("NY", "VT")
    assert filters.kind is None and filters.confirmed_only is False


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=everyone", "kind"),
        ("state=XX", "state"),
        ("state=New%20York", "state"),
        ("since=yesterday", "since"),
        ("until=2026-02-30", "until"),
        ("since=2026-03-01&until=2026-02-01", "until"),
        ("confirmed=maybe", "confirmed"),
        ("ballot_line=whig", "ballot_line"),
        ("office=king", "office"),
        ("vintage=1812", "vintage"),
        ("kind=run&kind=volunteer", "kind"),
    ],
)
def test_bad_values_are_reported_by_parameter_and_left_out(query, field):
    filters, errors = parse(query)

    assert list(errors) == [field]
    assert all(isinstance(message, str) and message for message in errors[field])
    assert filters.kind is None and filters.office is None and filters.ballot_line is None


def test_a_vintage_maps_to_its_chambers_and_the_current_one_is_the_default():
    current_house = BoundarySet.objects.filter(chamber="sldl", is_current=True).values_list("vintage", flat=True)[0]
    BoundarySet.objects.create(
        chamber="cd", vintage="CD120", name="test-cd120", source="test", checksum="x", resolution="full"
    )
    BoundarySet.objects.create(
        chamber="sldl", vintage="2032", name="test-sldl", source="test", checksum="x", resolution="full"
    )
    BoundarySet.objects.create(
        chamber="sldu", vintage="2032", name="test-sldu", source="test", checksum="x", resolution="full"
    )

    assert parse("vintage=CD120")[0].vintages == {"cd": "CD120"}
    assert parse("vintage=2032")[0].vintages == {"sldl": "2032", "sldu": "2032"}
    assert parse("vintage=CD120&vintage=2032")[0].vintages == {"cd": "CD120", "sldl": "2032", "sldu": "2032"}
    # Asking for the current maps is the same as not asking.
    assert parse(f"vintage={current_house}") == (CoverageFilters(), {})
    filters = parse("vintage=CD120,2032")[0]
    assert parse(filters.to_query())[0] == filters


def test_a_local_layer_vintage_is_named_with_its_layer_or_lens_and_a_bare_year_keeps_the_counties():
    current_county = BoundarySet.objects.get(chamber="county", is_current=True).vintage
    for chamber in ("county", "unsd", "elsd", "sldl"):
        BoundarySet.objects.create(
            chamber=chamber, vintage="2031", name=f"test-{chamber}", source="test", checksum="x", resolution="full"
        )

    assert parse("vintage=county:2031")[0].vintages == {"county": "2031"}
    assert parse("vintage=school_board:2031")[0].vintages == {"elsd": "2031", "unsd": "2031"}
    # A bare year redraws the legislative maps only, even where a county file has that year.
    assert parse("vintage=2031")[0].vintages == {"sldl": "2031"}
    assert parse("vintage=2031&vintage=county:2031")[0].vintages == {"county": "2031", "sldl": "2031"}
    # The current county file is the default, as for the chambers.
    assert parse(f"vintage=county:{current_county}") == (CoverageFilters(), {})
    filters = parse("vintage=2031,unsd:2031,county:2031")[0]
    assert filters.to_params() == [("vintage", "2031"), ("vintage", "county:2031"), ("vintage", "unsd:2031")]
    assert parse(filters.to_query())[0] == filters
    for bad in ("county:1812", "ward:2031", "sldl:2031", "scsd:2031"):
        assert list(parse(f"vintage={bad}")[1]) == ["vintage"], bad
    assert list(parse("vintage=county:2031&vintage=county:" + current_county)[1]) == ["vintage"]


def test_the_vintage_choices_offer_each_local_layer_vintage_by_its_parameter_value():
    BoundarySet.objects.create(
        chamber="county", vintage="2031", name="test-county", source="test", checksum="x", resolution="full"
    )
    choices = {choice["value"]: choice for choice in vintage_choices()}

    assert choices["county:2031"]["chambers"] == ["county"] and not choices["county:2031"]["current"]
    current = BoundarySet.objects.get(chamber="county", is_current=True).vintage
    assert choices[f"county:{current}"]["current"]
    # The chambers' vintages come first, as bare values.
    chambers = [choice for choice in vintage_choices() if ":" not in choice["value"]]
    assert vintage_choices()[: len(chambers)] == chambers

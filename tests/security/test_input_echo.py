"""No answer echoes what a visitor typed as HTML (issue 12, item 3).

The attack: ``/organize/export/people.csv?kind=<meta http-equiv=refresh ...>`` came back
as ``text/html`` with the tag intact. A meta refresh passes the content security policy,
so a link to such an error page sent an organizer's browser, signed in, wherever the
attacker liked. Every page is tried with the tag in its path and in each query parameter
the site reads; an answer may quote it only as JSON (or HTML-escaped in a page).
"""

import re
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern, RoutePattern
from rest_framework.test import APIRequestFactory, force_authenticate

from organizing.api import CoverageApi, CoverageDistrictsApi

pytestmark = pytest.mark.django_db

# No "/" in it, so it fits a path segment too; "https:evil.example" is still followed by browsers.
TAG = '<meta http-equiv="refresh" content="0;url=https:evil.example">'
# Every query parameter a view of ours reads (filters, lookups, paging, allauth's next).
PARAMETERS = [
    "kind", "state", "since", "until", "confirmed", "ballot_line", "office", "stage", "vintage",
    "chamber", "district", "lat", "lng", "zip", "address", "q", "page", "cursor", "next",
]  # fmt: skip
CONVERTERS = re.compile(r"<(?:(\w+):)?\w+>")


def routes(patterns=None, prefix="") -> list[str]:
    """Every URL of the site (admin aside) with its path parameters filled: numbers with 1, words with TAG."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pattern = entry.pattern
        if isinstance(pattern, LocalePrefixPattern):
            part = ""
        elif isinstance(pattern, RoutePattern):
            part = str(pattern)
        else:
            continue  # regular expressions: Django's own (i18n, static), none of ours
        if isinstance(entry, URLResolver):
            if part != "admin/":
                found += routes(entry.url_patterns, prefix + part)
        elif isinstance(entry, URLPattern):
            found.append(
                "/" + CONVERTERS.sub(lambda m: "1" if m.group(1) == "int" else quote(TAG, safe=""), prefix + part)
            )
    return sorted(set(found))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def echoes_html(response) -> bool:
    """The tag came back where a browser would run it: in any answer that is not JSON."""
    return TAG.encode() in body(response) and not response["Content-Type"].startswith("application/json")


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.mark.parametrize("who", ["anonymous", "ny_client"])
def test_no_page_or_api_answer_echoes_a_tag_from_its_path_or_query(request, who):
    client = request.getfixturevalue(who)
    query = urlencode(dict.fromkeys(PARAMETERS, TAG))
    tried, echoed = 0, []
    for path in routes():
        response = client.get(f"{path}?{query}")
        tried += 1
        assert response.status_code != 500, path
        if echoes_html(response):
            echoed.append(path)
    assert tried > 80  # the walk found the site's URLs
    assert echoed == []


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/organize/export/people.csv", "kind"),
        ("/organize/export/people.csv", "state"),
        ("/organize/export/districts.csv", "chamber"),
        ("/organize/export/districts.csv", "since"),
        ("/organize/tiles/cd/0/0/0.pbf", "kind"),
    ],
)
def test_bad_export_and_tile_parameters_are_json_errors_naming_the_parameter(ny_client, path, parameter):
    response = ny_client.get(path, {parameter: TAG})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert list(response.json()["errors"]) == [parameter]


@pytest.mark.parametrize("view", [CoverageApi, CoverageDistrictsApi])
def test_bad_coverage_api_parameters_are_json_errors(ny_organizer, view):
    request = APIRequestFactory().get("/", {"kind": TAG, "chamber": TAG})
    force_authenticate(request, user=ny_organizer)

    response = view.as_view()(request)
    response.render()

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "kind" in response.data["errors"]


@pytest.mark.parametrize("path", ["/organize/", "/organize/tiles/map/cd/"])
def test_pages_listing_bad_filters_show_the_tag_escaped(ny_client, path):
    response = ny_client.get(path, {"kind": TAG})

    assert response.status_code == 200
    assert TAG.encode() not in response.content
    assert b"&lt;meta http-equiv=" in response.content  # shown to the organizer, as text

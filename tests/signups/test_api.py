"""POST /api/v1/signups/ for embedded forms, and the organizers' token-authenticated reads."""

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from signups.models import SignUp, Submission
from tests.factories import OrganizerFactory, SignUpFactory, api_key
from tests.signups.conftest import api_payload, process_intake

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]

URL = "/api/v1/signups/"


def post(client, payload):
    return client.post(URL, payload, content_type="application/json")


def test_sign_up_is_stored_as_one_submission_and_answered_202_with_the_points_districts(client):
    response = post(client, api_payload(location={"lat": 40.7484, "lng": -73.9857}))
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"status", "districts"} and body["status"] == "received"
    districts = body["districts"]
    assert {c: districts[c]["geoid"] for c in ("cd", "sldu", "sldl")} == {
        "cd": "3612",
        "sldu": "36028",
        "sldl": "36075",
    }
    assert districts["local"]["county"]["geoid"] == "36061"  # and the local governments: New York County
    assert body["districts"]["sldl"] == {
        "geoid": "36075",
        "ocd_id": "ocd-division/country:us/state:ny/sldl:75",
        "name": "New York Assembly District 75",
        "state": "NY",
        "chamber": "sldl",
    }
    submission = Submission.objects.get()
    assert (submission.kind, submission.email, submission.source) == ("run", "ana@example.org", "api")
    assert not SignUp.objects.exists()  # the intake workers make the person
    process_intake()
    person = SignUp.objects.get()
    assert (person.cd.geoid, person.sldl.geoid, person.location_quality) == ("3612", "36075", "exact")


# Statements that write nothing: plain reads, savepoints, and the prepared reads (berniecrat.prepared;
# PREPARE only plans, the EXECUTE of a prepared write counts as the write).
READS = ("SELECT", "SAVEPOINT", "RELEASE", "PREPARE", "EXECUTE ZIP_ROW ", "EXECUTE DISTRICT_LOOKUP ")


def _is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith(READS)


def test_a_sign_up_is_one_insert_and_no_broker_round_trip(client, celery_without_worker):
    """The request's only database write is the submission; nothing is published to Celery."""
    import redis
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.plugins.processes import queued_messages

    broker = redis.Redis.from_url(celery_without_worker)
    with CaptureQueriesContext(connection) as queries:
        assert post(client, api_payload()).status_code == 202
    writes = [q["sql"] for q in queries if not _is_read(q["sql"])]
    assert len(writes) == 1 and writes[0].startswith("EXECUTE submission_insert (")  # signups.services.intake
    assert queued_messages(broker) == []


def test_street_address_answers_with_districts_of_the_zip_or_none(client):
    response = post(
        client, api_payload(address={"street": "421 8th Ave", "city": "New York", "state": "NY", "zip": "12345"})
    )
    assert response.status_code == 202
    districts = response.json()["districts"]
    assert districts["cd"]["geoid"] == "3620"  # Schenectady: one congressional district
    # The ZIP's centre may be in another town or school district: no local governments from it.
    assert districts["local"] == {"county": None, "municipalities": [], "school_districts": []}
    ambiguous = post(client, api_payload(email="b@example.org"))  # 10001 spans two: nothing reliable to say
    assert ambiguous.json() == {"status": "received", "districts": None}


def test_a_second_sign_up_by_the_same_email_changes_nothing_until_its_owner_confirms(client):
    assert post(client, api_payload()).status_code == 202
    process_intake()
    second = post(
        client,
        api_payload(
            kind="volunteer", email="Ana@Example.ORG", skills=["data"], hours_per_week=3, help_scope="anywhere"
        ),
    )
    assert second.status_code == 202
    process_intake()
    person = SignUp.objects.get()
    assert person.kinds == ["run"]
    assert person.pending_change.changes == {
        "wants_to_volunteer": True,
        "skills": ["data"],
        "hours_per_week": 3,
        "help_scope": "anywhere",
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "astronaut"}, "kind"),
        ({"first_name": 42}, "first_name"),
        ({"first_name": ["a"]}, "first_name"),
        ({"first_name": "<img src=x onerror=alert(1)>"}, "first_name"),
        ({"last_name": "x" * 10_000}, "last_name"),
        ({"email": "nope"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"address": {"state": "ZZ", "zip": "10001"}}, "address"),
        ({"address": {"state": "NY", "zip": "abcde"}}, "address"),
        ({"address": {"state": "NY", "zip": "90210"}}, "address"),
        ({"address": "10001"}, "address"),
        ({"location": {"lat": 200, "lng": 0}}, "location"),
        ({"offices": ["astronaut"]}, "offices"),
        ({"offices": []}, "offices"),
        ({"timeframe": None}, "timeframe"),
        ({"consent_email": "maybe"}, "consent_email"),
        ({"language": "fr"}, "language"),
    ],
)
def test_invalid_input_answers_400_with_field_errors_and_stores_nothing(client, overrides, field):
    response = post(client, api_payload(**overrides))
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Submission.objects.exists()


def test_volunteer_without_skills_is_rejected(client):
    response = post(client, api_payload(kind="volunteer"))
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"skills", "hours_per_week", "help_scope"}


@pytest.mark.parametrize("body", ["not json", "[]", "null", '{"kind": "run"'])
def test_malformed_json_answers_400(client, body):
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_public_post_needs_no_csrf_token(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, api_payload(), content_type="application/json").status_code == 202


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ({"kind": "run", "email": "ana@example.org"}, "application/x-www-form-urlencoded"),
        ({"kind": "run", "email": "ana@example.org"}, "multipart/form-data; boundary=BoUnDaRy"),
        ("kind=run&email=ana%40example.org", "text/plain"),
    ],
)
def test_a_form_or_multipart_body_is_refused_with_415_so_no_other_site_can_post_for_its_visitors(
    client, body, content_type
):
    from urllib.parse import urlencode

    if content_type.startswith("application/x-www-form-urlencoded"):
        body = urlencode(body)
    elif content_type.startswith("multipart"):
        from django.test.client import encode_multipart

        body = encode_multipart("BoUnDaRy", body)
    response = client.post(URL, body, content_type=content_type)
    assert response.status_code == 415
    assert "non_field_errors" in response.json()["errors"]
    assert not Submission.objects.exists()


def test_a_client_asking_for_html_still_gets_its_sign_up_stored_and_a_json_answer(client):
    """The API has one renderer: an ``Accept`` it cannot meet is answered in JSON, not refused
    with a 406 that would lose the sign-up (``berniecrat.api.JSONNegotiation``)."""
    response = client.post(URL, api_payload(), content_type="application/json", HTTP_ACCEPT="text/html")
    assert response.status_code == 202
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "received"
    assert Submission.objects.count() == 1


def token_for(organizer) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {api_key(organizer)}"}


def test_organizer_list_needs_a_token(client):
    assert client.get(URL).status_code == 401


def test_organizer_sees_only_their_states(client):
    ny = SignUpFactory(state="NY")
    SignUpFactory(state="VT", zip="05602")
    response = client.get(URL, **token_for(OrganizerFactory(states=["NY"])))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [ny.pk]


def test_organizer_cannot_read_another_states_sign_up_by_id(client):
    vt = SignUpFactory(state="VT", zip="05602")
    assert client.get(f"{URL}{vt.pk}/", **token_for(OrganizerFactory(states=["NY"]))).status_code == 404


def test_organizer_detail_shows_districts_quality_and_confirmation(client):
    post(client, api_payload(location={"lat": 40.7484, "lng": -73.9857}))
    process_intake()
    signup = SignUp.objects.get()
    body = client.get(f"{URL}{signup.pk}/", **token_for(OrganizerFactory(states=["NY"]))).json()
    assert body["location_quality"] == "exact"
    assert body["districts"]["sldu"]["geoid"] == "36028"
    assert body["status"] == "unconfirmed" and body["confirmed_at"] is None
    assert body["created_at"]


def test_organizer_filters(client):
    from django.utils import timezone

    runner = SignUpFactory(state="NY")
    volunteer = SignUpFactory(state="NY", wants_to_run=False, wants_to_volunteer=True, confirmed_at=timezone.now())
    vermont = SignUpFactory(state="VT", zip="05602", location=Point(-72.58, 44.26, srid=4326))
    call_command("reassign_districts", stdout=__import__("io").StringIO())
    headers = token_for(OrganizerFactory(all_states=True, states=[]))

    def ids(query):
        return {row["id"] for row in client.get(f"{URL}?{query}", **headers).json()["results"]}

    assert ids("kind=run") >= {runner.pk} and volunteer.pk not in ids("kind=run")
    assert ids("kind=volunteer") == {volunteer.pk}
    assert ids("confirmed=true") == {volunteer.pk}
    assert ids("state=NY") == {runner.pk, volunteer.pk}
    assert ids("district=36075") == {runner.pk, volunteer.pk}
    assert ids("since=2999-01-01T00:00:00Z") == set()
    assert ids("since=2000-01-01") == {runner.pk, volunteer.pk, vermont.pk}
    bad = client.get(f"{URL}?since=yesterday&state=XX&kind=all", **headers)
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"since", "state", "kind"}


def test_create_organizer_prints_a_token_that_works(client):
    from io import StringIO

    out = StringIO()
    call_command("create_organizer", "lead@example.org", "--states", "NY,VT", "--totp", "--token", "sync", stdout=out)
    key = out.getvalue().split("API token 'sync', valid until ")[1].split(": ")[1].strip()
    assert client.get(URL, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_ungeocodable_sign_ups_can_be_listed_for_fixing(client):
    lost = SignUpFactory(state="NY", location=None, location_quality="none")
    SignUpFactory(state="NY")
    headers = token_for(OrganizerFactory(states=["NY"]))
    rows = client.get(f"{URL}?location_quality=none", **headers).json()["results"]
    assert [row["id"] for row in rows] == [lost.pk]


def test_spanish_speaker_gets_spanish_errors_and_spanish_language_stored(client):
    bad = client.post(URL, api_payload(first_name="<b>"), content_type="application/json", HTTP_ACCEPT_LANGUAGE="es")
    assert bad.status_code == 400
    assert "letras" in bad.json()["errors"]["first_name"][0]
    good = post(
        client,
        api_payload(language="es", kind="volunteer", skills=["events"], hours_per_week=2, help_scope="own_district"),
    )
    assert good.status_code == 202
    process_intake()
    assert SignUp.objects.get().language == "es"


def test_scripted_flood_from_one_address_is_refused_with_429(client, settings):
    settings.SIGNUP_API_RATE = "3/minute"
    answers = [post(client, api_payload(email=f"flood{i}@example.org")).status_code for i in range(5)]
    assert answers == [202, 202, 202, 429, 429]
    assert Submission.objects.count() == 3


def test_rate_limit_can_be_switched_off_for_load_tests(client, settings):
    settings.SIGNUP_API_RATE = "1/minute"
    settings.RATELIMIT_ENABLE = False
    answers = {post(client, api_payload(email=f"load{i}@example.org")).status_code for i in range(3)}
    assert answers == {202}


@pytest.mark.parametrize("escaped", ['"\\ud800"', '"Ana\\udfff"'])
def test_unpaired_surrogate_in_json_is_a_400_not_a_500(client, escaped):
    body = '{"kind": "run", "first_name": ' + escaped + ', "last_name": "Ruiz"}'
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert not Submission.objects.exists()


def _zip_reads(queries) -> int:
    # The ZIP row is read through its prepared statement (berniecrat.prepared), prepared once per connection.
    return sum(q["sql"].startswith("EXECUTE zip_row ") for q in queries)


def test_a_zip_only_sign_up_reads_the_zip_code_once(client):
    """Validation reads the ZIP to check it lies in the state; placing the person at it reuses that row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = post(client, api_payload(address={"street": "", "city": "", "state": "NY", "zip": "12345"}))
    assert response.status_code == 202
    assert response.json()["districts"]["cd"]["geoid"] == "3620"  # the ZIP's centre, from the row read once
    assert _zip_reads(queries) == 1


def test_a_form_sign_up_reads_the_zip_code_once(client, run_form):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.post("/run/", run_form)
    assert response.status_code == 302
    assert _zip_reads(queries) == 1
    process_intake()
    assert SignUp.objects.get().location_quality == "ambiguous"

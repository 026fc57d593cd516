"""The audit log: who was shown or exported which people, readable by organizers with every state.

Each page, export, API answer and admin page that shows people writes one event
(who, when, how, what by key, the parsed filters, how many people); a request that
is refused (anonymous, another state's person, a bad filter) writes none, and no
event ever holds a supporter's name or email.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from pipeline import services as pipeline_services
from tests.factories import OrganizerFactory, SignUpFactory, TotpOrganizerFactory, api_key
from tests.pipeline.test_pipeline_api import EMPIRE_STATE, MONTPELIER, located, volunteer
from tests.plugins.organizers import client_for
from tests.signups.conftest import api_payload

pytestmark = pytest.mark.django_db

FIRST, LAST, EMAIL = "Zelda", "Quxworthy", "zelda.quxworthy@example.org"


@pytest.fixture
def person():
    """A would-be candidate in New York Assembly District 75 (GEOID 36075)."""
    return located(EMPIRE_STATE, first_name=FIRST, last_name=LAST, email=EMAIL, consent_email=True)


@pytest.fixture
def vt_person():
    return located(MONTPELIER, state="VT", zip="05602")


def events() -> list[tuple]:
    return [
        (e.user_id, e.action, e.resource, e.filters, e.count)
        for e in AuditEvent.objects.order_by("pk")  # oldest first: the order they happened
    ]


def token_headers(organizer) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {api_key(organizer)}"}


def assert_no_personal_data_in_the_log(*needles: str) -> None:
    rows = [str(row) for row in AuditEvent.objects.values()]
    assert rows
    for needle in needles:
        assert not any(needle.lower() in row.lower() for row in rows), needle


def test_pages_exports_and_api_answers_are_recorded_with_who_what_and_how_many(ny_organizer, ny_client, person):
    helper = volunteer(EMPIRE_STATE, skills=["data"])
    pipeline_services.candidacy_update(signup_id=person.pk, by=ny_organizer, organizer=ny_organizer)
    me, view, export, api = ny_organizer.pk, "view", "export", "api"

    assert ny_client.get("/organize/districts/sldl/36075/?kind=run").status_code == 200
    assert ny_client.get(f"/organize/signups/{person.pk}/").status_code == 200
    csv = ny_client.get("/organize/export/people.csv?state=NY&confirmed=false")
    assert len(b"".join(csv.streaming_content).splitlines()) == 1 + 2  # header, person, volunteer
    district_csv = ny_client.get("/organize/export/people.csv?chamber=sldl&district=36075&kind=volunteer")
    assert len(b"".join(district_csv.streaming_content).splitlines()) == 1 + 1
    assert ny_client.get("/organize/pipeline/?state=NY").status_code == 200
    assert ny_client.get("/organize/pipeline/mine/").status_code == 200
    assert ny_client.get(f"/organize/candidates/{person.pk}/").status_code == 200
    assert events() == [
        (me, view, "district sldl 36075", {"kind": "run", "page": "1"}, 1),
        (me, view, f"signup {person.pk}", {}, 1),
        (me, export, "people", {"state": "NY"}, 2),
        (me, export, "district sldl 36075", {"kind": "volunteer"}, 1),
        (me, view, "pipeline board NY", {}, 1),
        (me, view, "my candidates", {}, 1),
        (me, view, f"candidate {person.pk}", {}, 2),  # the candidate and the matched volunteer
    ]

    AuditEvent.objects.all().delete()
    api_client, headers = Client(), token_headers(ny_organizer)
    assert len(api_client.get("/api/v1/signups/?state=NY&kind=run&confirmed=false", **headers).json()["results"]) == 1
    assert api_client.get(f"/api/v1/signups/{helper.pk}/", **headers).status_code == 200
    assert len(api_client.get("/api/v1/candidates/?stage=new&mine=true", **headers).json()["results"]) == 1
    assert api_client.get(f"/api/v1/candidates/{person.pk}/", **headers).status_code == 200
    assert api_client.get(f"/api/v1/candidates/{person.pk}/matches/", **headers).status_code == 200
    assert events() == [
        (me, api, "signups", {"state": "NY", "kind": "run", "confirmed": False}, 1),
        (me, api, f"signup {helper.pk}", {}, 1),
        (me, api, "candidates", {"stage": "new", "mine": True}, 1),
        (me, api, f"candidate {person.pk}", {}, 1),
        (me, api, f"candidate {person.pk} matches", {}, 1),
    ]
    assert_no_personal_data_in_the_log(FIRST, LAST, EMAIL, helper.email, helper.last_name)


def test_filter_text_that_names_no_district_is_not_logged(ny_organizer, person):
    client, headers = Client(), token_headers(ny_organizer)
    assert client.get(f"/api/v1/signups/?district={LAST}", **headers).json()["results"] == []
    assert client.get("/api/v1/signups/?district=36075", **headers).json()["results"][0]["id"] == person.pk
    assert [(e.filters, e.count) for e in AuditEvent.objects.order_by("pk")] == [
        ({"district": "(other)"}, 0),
        ({"district": "36075"}, 1),
    ]
    assert_no_personal_data_in_the_log(LAST)


@pytest.mark.usefixtures("zipcodes")  # the intake checks that the ZIP is in the state
def test_refused_requests_write_no_event(ny_organizer, ny_client, person, vt_person):
    anonymous = Client()
    assert anonymous.get(f"/organize/signups/{person.pk}/").status_code == 302
    assert anonymous.get("/api/v1/signups/").status_code in (401, 403)
    without_totp = OrganizerFactory(states=["NY"])
    assert client_for(without_totp).get(f"/organize/signups/{person.pk}/").status_code == 302
    # Another state's person, district, candidate or export: as if they did not exist.
    assert ny_client.get(f"/organize/signups/{vt_person.pk}/").status_code == 404
    assert ny_client.get(f"/organize/candidates/{vt_person.pk}/").status_code == 404
    assert ny_client.get(f"/organize/districts/sldl/{vt_person.sldl.geoid}/").status_code == 404
    assert ny_client.get(f"/organize/export/people.csv?chamber=sldl&district={vt_person.sldl.geoid}").status_code == 404
    assert ny_client.get("/organize/export/people.csv?since=yesterday").status_code == 400
    headers = token_headers(ny_organizer)
    assert anonymous.get(f"/api/v1/signups/{vt_person.pk}/", **headers).status_code == 404
    assert anonymous.get(f"/api/v1/candidates/{vt_person.pk}/", **headers).status_code == 404
    assert anonymous.get("/api/v1/signups/?kind=nobody", **headers).status_code == 400
    # The public intake is no disclosure either.
    intake = api_payload(email="ana.intake@example.org")
    # (From an address of its own: other tests' intake requests count against 127.0.0.1.)
    answer = anonymous.post("/api/v1/signups/", intake, content_type="application/json", REMOTE_ADDR="192.0.2.55")
    assert answer.status_code == 202

    assert AuditEvent.objects.count() == 0


def test_organizers_with_every_state_read_the_log_and_filter_it(national_client, ny_organizer, ny_client, person):
    colleague = TotpOrganizerFactory(states=["NY"])
    ny_client.get(f"/organize/signups/{person.pk}/")
    b"".join(ny_client.get("/organize/export/people.csv").streaming_content)
    client_for(colleague).get(f"/organize/signups/{person.pk}/")

    page = national_client.get("/organize/audit/")
    assert page.status_code == 200
    assert [(e.user_id, e.action) for e in page.context["page"].object_list] == [
        (colleague.pk, "view"),  # newest first
        (ny_organizer.pk, "export"),
        (ny_organizer.pk, "view"),
    ]
    html = page.content.decode()
    assert ny_organizer.email in html and f"signup {person.pk}" in html and LAST not in html
    mine = national_client.get(f"/organize/audit/?organizer={ny_organizer.pk}&action=view").context["page"]
    assert [(e.user_id, e.resource) for e in mine.object_list] == [(ny_organizer.pk, f"signup {person.pk}")]
    assert 'href="/organize/audit/"' in national_client.get("/organize/pipeline/mine/").content.decode()


def test_organizers_of_some_states_cannot_read_the_log(ny_client):
    assert ny_client.get("/organize/audit/").status_code == 403
    assert 'href="/organize/audit/"' not in ny_client.get("/organize/pipeline/mine/").content.decode()
    assert Client().get("/organize/audit/")["Location"].startswith(reverse("account_login"))


def test_the_log_is_paginated(national_organizer, national_client):
    AuditEvent.objects.bulk_create(
        AuditEvent(user=national_organizer, action="view", resource=f"signup {n}", count=1) for n in range(120)
    )
    page = national_client.get("/organize/audit/?page=3").context["page"]
    assert page.paginator.num_pages == 3 and len(page.object_list) == 20


def test_an_organizer_with_a_history_is_deactivated_not_deleted(ny_organizer, ny_client, person):
    from django.db.models import ProtectedError

    ny_client.get(f"/organize/signups/{person.pk}/")
    with pytest.raises(ProtectedError):
        ny_organizer.delete()
    assert AuditEvent.objects.get().user == ny_organizer


def test_deleting_a_person_keeps_the_log_of_who_saw_them(ny_client, person):
    from signups.services.deletion import signup_delete

    pk = person.pk
    ny_client.get(f"/organize/signups/{pk}/")
    signup_delete(signup=person)
    assert AuditEvent.objects.get().resource == f"signup {pk}"


def test_admin_pages_and_data_requests_are_recorded(person):
    admin = TotpOrganizerFactory(is_staff=True, is_superuser=True, all_states=True, states=[])
    client = client_for(admin)
    other = SignUpFactory()
    assert client.get("/admin/signups/signup/?state__exact=NY&kind=run").status_code == 200
    assert client.get(f"/admin/signups/signup/{person.pk}/change/").status_code == 200
    export = client.post("/admin/signups/signup/", {"action": "export_data", "_selected_action": [person.pk, other.pk]})
    assert export.status_code == 200
    client.post("/admin/signups/signup/", {"action": "delete_selected", "_selected_action": [person.pk], "post": "yes"})
    assert [(e.action, e.resource, e.filters, e.count) for e in AuditEvent.objects.order_by("pk")] == [
        ("admin", "signups", {"state__exact": "NY", "kind": "run"}, 2),
        ("admin", f"signup {person.pk}", {}, 1),
        ("export-data", "signups", {"ids": sorted([person.pk, other.pk])}, 2),
        ("delete", f"signup {person.pk}", {}, 1),
    ]
    assert_no_personal_data_in_the_log(FIRST, LAST, EMAIL)
    # The log itself is read-only in the admin.
    assert client.get("/admin/accounts/auditevent/").status_code == 200
    event = AuditEvent.objects.first()
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403


def test_the_log_page_makes_a_fixed_number_of_queries(national_organizer, national_client, django_assert_num_queries):
    colleagues = [TotpOrganizerFactory(states=["NY"]) for _ in range(3)]

    def add(n: int) -> None:
        AuditEvent.objects.bulk_create(
            AuditEvent(user=colleagues[i % 3], action="view", resource=f"signup {i}", count=1) for i in range(n)
        )

    # Session, the user with their TOTP check; how many events, one page of them with their
    # organizers, the organizer menu.
    add(2)
    with django_assert_num_queries(2 + 3):
        assert national_client.get("/organize/audit/").status_code == 200
    add(200)
    with django_assert_num_queries(2 + 3):
        assert national_client.get("/organize/audit/?action=view").status_code == 200

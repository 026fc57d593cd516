"""The sign-up door: one write per sign-up, the same answer for every email, nothing overwritten
without its owner (held changes, confirmed from the owner's mailbox by a button), retention."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from signups.models import OutboxEmail, PendingChange, SignUp, Submission, SubmissionTally
from signups.services import confirmation, deletion
from tests.factories import SignUpFactory
from tests.signups.conftest import RUN_FORM, api_payload, fresh, process_intake, send_outbox

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]

URL = "/api/v1/signups/"
OWNER = "owner@example.org"


def post(client, payload):
    return client.post(URL, payload, content_type="application/json")


def owner(**fields) -> SignUp:
    """The owner of OWNER, confirmed, Spanish-speaking, stored as ``api_payload()`` would make them."""
    defaults = {
        "email": OWNER,
        "phone": "+12125550100",
        "city": "New York",
        "statement": "I care about schools.",
        "consent_email": True,
        "confirmed_at": timezone.now(),
        "language": "es",
    }
    return SignUpFactory(**(defaults | fields))


def snapshot(person: SignUp) -> dict:
    person.refresh_from_db()
    return {f.attname: getattr(person, f.attname) for f in SignUp._meta.concrete_fields if f.attname != "updated_at"}


def review_link(message) -> str:
    return "/" + re.search(r"https?://\S+/changes/\S+/", message.get_body(("plain",)).get_content())[0].split("/", 3)[3]


def test_a_strangers_submission_changes_nothing_and_only_the_owners_button_applies_it(smtp_server):
    person = owner(first_name="Olga", phone="+12125550111", statement="Mine.")
    before = snapshot(person)
    stranger = api_payload(
        email="OWNER@example.org",
        first_name="Mallory",
        phone="212-555-0199",
        statement="Not theirs.",
        consent_sms=True,
        address={"street": "", "city": "Albany", "state": "NY", "zip": "12345"},
        kind="volunteer",
        skills=["data"],
        hours_per_week=3,
        help_scope="anywhere",
    )
    assert post(Client(), stranger).status_code == 202
    process_intake()
    assert snapshot(person) == before  # the stored person is untouched: name, phone, place, kinds, consent

    [sent] = send_outbox()
    assert sent.kind == "change_confirmation"
    [message] = smtp_server.mailbox.wait_for_to(OWNER, 1)
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Confirma los cambios de tu inscripción"  # the owner's language
    for label, value in (("Nombre", "Mallory"), ("Teléfono", "+12125550199"), ("Código postal", "12345")):
        assert re.search(rf"\* {label}[^:\n]*: {re.escape(value)}", text), (label, text)
    assert "Mine." not in text and "Olga" not in text  # the stored values are not disclosed

    link = review_link(message)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(link)
    assert page.status_code == 200 and "Mallory" in page.content.decode()
    browser.get(link)
    assert snapshot(person) == before  # opening the link, twice, changes nothing (a mail scanner does that)
    revision = re.search(r'name="revision" value="(\d+)"', page.content.decode())[1]
    applied = browser.post(link, {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value, "revision": revision})
    assert applied.status_code == 200
    person.refresh_from_db()
    assert (person.first_name, person.phone, person.zip, person.kinds) == (
        "Mallory",
        "+12125550199",
        "12345",
        ["run", "volunteer"],
    )
    assert person.sldu.geoid != before["sldu_id"] and person.location_quality == "zip"  # placed again
    assert not PendingChange.objects.exists()
    assert len(smtp_server.mailbox.to(OWNER)) == 1  # mailed once


def test_a_page_shown_before_more_changes_arrived_applies_nothing(smtp_server):
    person = owner()
    post(Client(), api_payload(email=OWNER, first_name="First"))
    process_intake()
    pending = PendingChange.objects.get()
    post(Client(), api_payload(email=OWNER, first_name="First", phone="212-555-0123"))
    process_intake()
    assert confirmation.pending_change_apply(pending_change_id=pending.pk, revision=pending.revision) is None
    person.refresh_from_db()
    assert person.first_name == "Ana"
    assert confirmation.pending_change_apply(pending_change_id=pending.pk, revision=pending.revision + 1) is not None
    person.refresh_from_db()
    assert (person.first_name, person.phone) == ("First", "+12125550123")


def answers(client, payload):
    """What a client can see of the API's answer."""
    response = post(client, payload)
    headers = tuple(
        (h, response.get(h)) for h in ("Content-Type", "Cache-Control", "Content-Length", "Vary", "Set-Cookie")
    )
    return response.status_code, headers, response.content


def test_the_answer_is_identical_for_a_new_a_known_a_confirmed_and_an_unsubscribed_email(client):
    SignUpFactory(email="known@example.org")
    SignUpFactory(email="confirmed@example.org", confirmed_at=timezone.now())
    SignUpFactory(email="gone@example.org", unsubscribed_at=timezone.now())
    seen = {
        email: answers(Client(), api_payload(email=email, location={"lat": 40.7484, "lng": -73.9857}))
        for email in ("new@example.org", "known@example.org", "confirmed@example.org", "gone@example.org")
    }
    assert len(set(seen.values())) == 1, seen
    status, headers, body = seen["new@example.org"]
    assert status == 202 and b"received" in body and dict(headers)["Cache-Control"].startswith("no-store")


def test_the_thank_you_page_is_identical_for_every_email():
    SignUpFactory(email="known@example.org", first_name="Storedname")
    SignUpFactory(email="confirmed@example.org", confirmed_at=timezone.now())
    SignUpFactory(email="gone@example.org", unsubscribed_at=timezone.now())
    pages = {}
    for email in ("new@example.org", "known@example.org", "confirmed@example.org", "gone@example.org"):
        browser = Client()
        posted = browser.post("/run/", fresh(RUN_FORM) | {"email": email, "zip": "12345", "city": ""})
        assert posted.status_code == 302
        page = browser.get(posted["Location"])
        # Each browser has a CSRF token of its own (the language switcher's form): not about anyone.
        content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", page.content)
        pages[email] = (posted["Location"], page.status_code, content)
    assert len(set(pages.values())) == 1
    location, status, content = pages["new@example.org"]
    assert status == 200 and "@" not in location
    assert "Congressional District 20" in content.decode()  # the submitted ZIP's district
    assert b"Storedname" not in content


def test_several_submissions_coalesce_into_one_pending_change_and_one_email_an_hour(smtp_server):
    person = owner()
    for phone in ("212-555-0101", "212-555-0102", "212-555-0103"):
        post(Client(), api_payload(email=OWNER, phone=phone))
        process_intake()
    post(Client(), api_payload(email=OWNER, phone="212-555-0103", statement="Coalesced."))
    process_intake()
    pending = PendingChange.objects.get(signup=person)
    assert pending.changes == {"phone": "+12125550103", "statement": "Coalesced."}
    assert len(send_outbox()) == 1  # one email, though four submissions came within the hour

    # An hour later, the sweeper sends one more for what was held since that email.
    PendingChange.objects.filter(pk=pending.pk).update(emailed_at=timezone.now() - timedelta(minutes=61))
    assert confirmation.pending_changes_sweep() == {"expired": 0, "emailed": 1}
    assert confirmation.pending_changes_sweep() == {"expired": 0, "emailed": 0}
    assert len(send_outbox()) == 1
    assert len(smtp_server.mailbox.wait_for_to(OWNER, 2)) == 2


def test_a_pending_change_expires_after_seven_days(smtp_server):
    owner()
    post(Client(), api_payload(email=OWNER, first_name="Late"))
    process_intake()
    pending = PendingChange.objects.get()
    assert timedelta(days=6, hours=23) < pending.expires_at - timezone.now() <= timedelta(days=7)
    PendingChange.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert confirmation.pending_change_apply(pending_change_id=pending.pk, revision=pending.revision) is None
    assert confirmation.pending_changes_sweep()["expired"] == 1
    assert SignUp.objects.get().first_name == "Ana"
    assert send_outbox() == []  # its email, not yet sent, has nothing left to say


def test_an_identical_resubmission_holds_nothing_and_sends_nothing():
    owner()
    post(Client(), api_payload(email=OWNER))
    report = process_intake()
    assert report.outcomes == {"unchanged": 1}
    assert not PendingChange.objects.exists() and not OutboxEmail.objects.exists()


def test_one_batch_with_many_submissions_for_one_new_email_makes_one_person_and_one_email(settings):
    settings.RATELIMIT_ENABLE = False  # the per-email limit would keep most of them out, which proves nothing here
    for i in range(10):
        post(Client(), api_payload(email=f"{'TEN' if i % 2 else 'ten'}@example.org", kind="run"))
    report = process_intake()
    assert report.processed == 10 and report.outcomes == {"created": 1, "unchanged": 9}
    assert SignUp.objects.count() == 1
    assert OutboxEmail.objects.filter(kind="confirmation").count() == 1


def test_processing_twice_does_nothing_twice():
    post(Client(), api_payload(email="twice@example.org"))
    assert process_intake().processed == 1
    assert process_intake().processed == 0
    assert SignUp.objects.count() == 1 and OutboxEmail.objects.count() == 1


def test_processed_submissions_are_pruned_after_the_retention_keeping_counts(settings):
    settings.SIGNUP_INTAKE_RETENTION_DAYS = 30
    for i in range(3):
        post(Client(), api_payload(email=f"old{i}@example.org"))
    post(Client(), api_payload(email="old0@example.org", first_name="Again"))
    process_intake()
    post(Client(), api_payload(email="pending@example.org"))  # not processed yet: kept whatever its age
    Submission.objects.update(
        received_at=timezone.now() - timedelta(days=40), processed_at=timezone.now() - timedelta(days=31)
    )
    Submission.objects.filter(email="pending@example.org").update(processed_at=None)
    post(Client(), api_payload(email="recent@example.org"))
    process_intake()
    assert deletion.submissions_prune() == 4
    assert set(Submission.objects.values_list("email", flat=True)) == {"pending@example.org", "recent@example.org"}
    tallies = {(t.source, t.kind, t.outcome): t.count for t in SubmissionTally.objects.all()}
    assert tallies == {("api", "run", "created"): 3, ("api", "run", "change_held"): 1}
    assert deletion.submissions_prune() == 0


def test_a_submission_that_cannot_be_applied_is_set_aside_and_holds_up_nobody(caplog):
    from signups.services.intake import intake_process_batch_isolating

    bad = Submission.objects.create(kind="run", email="bad@example.org", data={"state": "TOO LONG"}, source="api")
    post(Client(), api_payload(email="good@example.org"))
    report = intake_process_batch_isolating()
    assert report.outcomes == {"failed": 1, "created": 1}
    bad.refresh_from_db()
    assert bad.outcome == "failed" and bad.processed_at is not None
    assert SignUp.objects.get().email == "good@example.org"
    assert f"submission {bad.pk} could not be applied" in caplog.text and "bad@example.org" not in caplog.text


def test_a_batch_stores_and_places_each_new_person_as_submitted():
    """Every field as typed (quotes, %, accents, lists), only the chosen kind's answers, and each
    person placed as ``signup_place`` would place them: a map point exactly, a ZIP at its centre
    (marked ambiguous when it spans districts), a ZIP of another state nowhere, a street later."""
    from districts.models import ZipCode
    from districts.selectors import district_lookup
    from signups.services.intake import intake_process_pending, submission_create

    run = {"offices": ["school_board", "county"], "timeframe": "next", "statement": 'Schools; "now" 100%'}
    volunteer = {"skills": ["phone_text"], "hours_per_week": 5, "help_scope": "anywhere"}
    submitted = {
        "point@example.org": ("run", {"zip": "10001", "state": "NY"} | run | volunteer, (40.7506, -73.9972)),
        "zip@example.org": ("volunteer", {"zip": "12207", "state": "NY"} | volunteer | run, None),
        "ambiguous@example.org": ("run", {"zip": "10001", "state": "NY"} | run, None),
        "elsewhere@example.org": ("run", {"zip": "12207", "state": "VT"} | run, None),
        "street@example.org": (
            "run",
            {"zip": "12207", "state": "NY", "street": "1 Main St", "city": "Albany"} | run,
            None,
        ),
    }
    names = {"first_name": "Ana 100% O'Neil", "last_name": "García-Núñez", "consent_sms": True}
    for email, (kind, data, point) in submitted.items():
        submission_create(kind=kind, email=email, data=names | data, location=point, source="api", language="es")
    intake_process_pending()

    people = {p.email: p for p in SignUp.objects.all()}
    assert set(people) == set(submitted)
    for email, (kind, data, _point) in submitted.items():
        person = people[email]
        assert (person.first_name, person.last_name, person.language) == ("Ana 100% O'Neil", "García-Núñez", "es")
        assert (person.consent_sms, person.consent_email, person.confirmed_at) == (True, False, None)
        assert (person.wants_to_run, person.wants_to_volunteer) == (kind == "run", kind == "volunteer")
        assert (person.street, person.city, person.state, person.zip) == (
            data.get("street", ""),
            data.get("city", ""),
            data["state"],
            data["zip"],
        )
        if kind == "run":  # the other kind's answers are not taken
            assert (person.offices, person.timeframe, person.statement) == (run["offices"], "next", run["statement"])
            assert (person.skills, person.hours_per_week, person.help_scope) == ([], None, "")
        else:
            assert (person.skills, person.hours_per_week, person.help_scope) == (["phone_text"], 5, "anywhere")
            assert (person.offices, person.timeframe, person.statement) == ([], "", "")

    exact, centre = people["point@example.org"], ZipCode.objects.get(zip="12207").point
    assert (exact.location.y, exact.location.x, exact.location_quality) == (40.7506, -73.9972, "exact")
    assert exact.submitted_location == exact.location
    assert (people["zip@example.org"].location, people["zip@example.org"].location_quality) == (centre, "zip")
    assert people["ambiguous@example.org"].location_quality == "ambiguous"
    for email in ("point@example.org", "zip@example.org"):
        person = people[email]
        found = district_lookup(lat=person.location.y, lng=person.location.x)
        assert found["cd"] is not None and found["sldl"] is not None
        assert {layer: getattr(person, f"{layer}_id") for layer in found} == {
            layer: district.pk if district else None for layer, district in found.items()
        }
        assert person.located_at is not None and person.districts_assigned_at is not None
    nowhere = people["elsewhere@example.org"]
    assert (nowhere.location, nowhere.location_quality, nowhere.cd_id) == (None, "none", None)
    assert nowhere.located_at is not None  # nothing more to try: the ZIP is not in the state given
    later = people["street@example.org"]
    assert (later.location, later.located_at, later.cd_id) == (None, None, None)  # the Census Geocoder's turn

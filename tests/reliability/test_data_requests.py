"""A supporter's data request: export everything stored about them, or delete it for good.

Deletion is checked the hard way: after it, no text column of any table in the
database holds the person's email or name, and their cached geocoder answer is gone.
That includes the nominations they made and those naming them, which hold people
as text rather than pointing at a sign-up, and the audit log of who saw them.
"""

import json
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from districts.geocoding.census import cache_key
from pipeline.models import Candidacy, Introduction, Nomination, StageChange
from signups import outbox
from signups.models import OutboxEmail, PendingChange, SignUp, Submission
from signups.services import locating
from signups.services.intake import submission_create
from tests.factories import OrganizerFactory, SignUpFactory, add_totp
from tests.signups.conftest import process_intake

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]

EMAIL = "erase-me-q7x@example.org"
LAST_NAME = "Qzwxyvk"
STREET = "421 8th Ave"


def person() -> SignUp:
    """Signed up through the intake, then signed up again (a change held for them)."""
    submission_create(
        kind="run",
        email=EMAIL,
        source="api",
        data={
            "first_name": "Ana",
            "last_name": LAST_NAME,
            "phone": "+12125550143",
            "street": STREET,
            "city": "New York",
            "state": "NY",
            "zip": "10001",
            "offices": ["state_house"],
            "timeframe": "next",
            "statement": f"I am {LAST_NAME} and I will run.",
        },
    )
    submission_create(kind="run", email=EMAIL.upper(), source="form", data={"phone": "+12125550144", "state": "NY"})
    process_intake()
    signup = SignUp.objects.get(email=EMAIL)
    assert PendingChange.objects.filter(signup=signup).exists() and Submission.objects.count() == 2
    # What the rest of the project stores about them: a candidacy with its history, an introduction.
    organizer = OrganizerFactory(states=["NY"])
    candidacy = Candidacy.objects.create(signup=signup, organizer=organizer, notes=f"Met {LAST_NAME} at the rally.")
    StageChange.objects.create(candidacy=candidacy, from_stage="new", to_stage="contacted", changed_by=organizer)
    volunteer = SignUpFactory(wants_to_run=False, wants_to_volunteer=True)
    Introduction.objects.create(candidate=signup, volunteer=volunteer, introduced_by=organizer)
    # They nominated a neighbour, and a neighbour nominated them (typing their email in capitals).
    nomination(nominator=(f"Ana {LAST_NAME}", EMAIL), nominee=("Bea Neighbour", "bea@example.org"))
    nomination(nominator=("Cy Neighbour", "cy@example.org"), nominee=(f"Ana {LAST_NAME}", EMAIL.upper()))
    cache.set(cache_key(street=STREET, city="New York", state="NY", zip="10001"), (40.75, -73.99), 60)
    return signup


def nomination(*, nominator: tuple[str, str], nominee: tuple[str, str]) -> Nomination:
    return Nomination.objects.create(
        nominator_name=nominator[0],
        nominator_email=nominator[1],
        nominee_name=nominee[0],
        nominee_email=nominee[1],
        state="NY",
        zip="10001",
        reason="Knows the neighbourhood.",
    )


@pytest.fixture
def unrelated_nomination() -> Nomination:
    """Someone else's nomination, which no data request about the person may touch."""
    return nomination(nominator=("Cy Neighbour", "cy@example.org"), nominee=("Di Other", "di@example.org"))


def text_columns_holding(*needles: str) -> list[str]:
    """``table.column`` of every text-like column in the public schema that contains a needle."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = 'public'
                 AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')"""
        )
        for table, column in cursor.fetchall():
            for needle in needles:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',  # noqa: S608
                    [f"%{needle}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column}")
    return found


def test_export_prints_everything_stored_about_the_person():
    signup = person()
    out = StringIO()
    call_command("signup_data", EMAIL.upper(), "--export", stdout=out)
    data = json.loads(out.getvalue())
    fields = data["signup"]["fields"]
    assert data["signup"]["pk"] == signup.pk
    assert (fields["email"], fields["last_name"], fields["phone"], fields["street"]) == (
        EMAIL,
        LAST_NAME,
        "+12125550143",
        STREET,
    )
    related = {row["model"] for row in data["related"]}
    assert {"pipeline.candidacy", "pipeline.stagechange", "pipeline.introduction"} <= related
    # What they submitted (both times, each listed once) and the change held for them.
    submissions = [row["fields"] for row in data["related"] if row["model"] == "signups.submission"]
    assert sorted(s["data"].get("phone") for s in submissions) == ["+12125550143", "+12125550144"]
    [held] = [row["fields"] for row in data["related"] if row["model"] == "signups.pendingchange"]
    assert held["changes"] == {"phone": "+12125550144"}
    assert any(LAST_NAME in (row["fields"].get("notes") or "") for row in data["related"])
    nominated = [row["fields"] for row in data["related"] if row["model"] == "pipeline.nomination"]
    # Both: the one they made, and the one naming them (typed in capitals: any case is found).
    assert sorted((n["nominator_email"], n["nominee_email"].lower()) for n in nominated) == [
        ("cy@example.org", EMAIL),
        (EMAIL, "bea@example.org"),
    ]


def test_delete_removes_the_row_every_related_row_and_the_geocoder_cache_entry(unrelated_nomination):
    signup = person()
    key = cache_key(street=STREET, city="New York", state="NY", zip="10001")
    assert set(text_columns_holding(EMAIL, LAST_NAME)) >= {
        "signups_signup.email",
        "signups_submission.email",
        "signups_submission.data",
        "pipeline_candidacy.notes",
        "pipeline_nomination.nominator_email",
        "pipeline_nomination.nominee_name",
    }
    others = SignUp.objects.exclude(pk=signup.pk).count()

    out = StringIO()
    call_command("signup_data", EMAIL, "--delete", "--no-input", stdout=out)

    assert f"Deleted sign-up {signup.pk}" in out.getvalue()
    assert "signups.SignUp: 1" in out.getvalue() and "pipeline.Candidacy: 1" in out.getvalue()
    assert "pipeline.Nomination: 2" in out.getvalue()
    assert "signups.Submission: 2" in out.getvalue() and "signups.PendingChange: 1" in out.getvalue()
    assert list(Nomination.objects.all()) == [unrelated_nomination]
    assert not SignUp.objects.filter(pk=signup.pk).exists()
    assert not Submission.objects.exists() and not PendingChange.objects.exists()
    assert not Candidacy.objects.exists() and not StageChange.objects.exists() and not Introduction.objects.exists()
    assert SignUp.objects.count() == others  # the volunteer they were introduced to stays
    assert cache.get(key) is None
    assert text_columns_holding(EMAIL, LAST_NAME) == []  # no remnant anywhere
    # Work still queued for them finds nothing to do.
    assert locating.signup_locate(signup_id=signup.pk) == "none"
    for email in OutboxEmail.objects.all():  # the confirmation and the change confirmation
        assert outbox.email_send(email_id=email.pk) is False


def test_unknown_email_is_an_error_and_deletes_nothing(unrelated_nomination):
    SignUpFactory()
    with pytest.raises(CommandError, match="No sign-up"):
        call_command("signup_data", "nobody@example.org", "--delete", "--no-input", stdout=StringIO())
    assert SignUp.objects.count() == 1 and Nomination.objects.count() == 1


def test_someone_nominated_who_never_signed_up_can_export_and_delete_their_nominations(unrelated_nomination):
    nomination(nominator=("Cy Neighbour", "cy@example.org"), nominee=(f"Eve {LAST_NAME}", EMAIL))
    nomination(nominator=("Fay Neighbour", "fay@example.org"), nominee=(f"Eve {LAST_NAME}", EMAIL))
    out = StringIO()
    call_command("signup_data", EMAIL, "--export", stdout=out)
    data = json.loads(out.getvalue())
    assert data["signup"] is None
    assert sorted(row["fields"]["nominator_email"] for row in data["related"]) == ["cy@example.org", "fay@example.org"]

    out = StringIO()
    call_command("signup_data", EMAIL, "--delete", "--no-input", stdout=out)
    assert "pipeline.Nomination: 2" in out.getvalue()
    assert list(Nomination.objects.all()) == [unrelated_nomination]
    assert text_columns_holding(EMAIL, LAST_NAME) == []


def test_admin_filters_exports_and_deletes(client):
    signup = person()
    admin = User.objects.create_superuser("admin-dr@example.org", "correct horse battery staple", all_states=True)
    add_totp(admin)  # the admin asks for TOTP like every organizer page
    client.force_login(admin)
    for query in ("", "?state__exact=NY", "?kind=run", "?kind=volunteer", "?location_quality__exact=none"):
        assert client.get(f"/admin/signups/signup/{query}").status_code == 200
    page = client.get("/admin/signups/signup/?kind=run")
    assert f'value="{signup.pk}"' in page.content.decode()

    export = client.post("/admin/signups/signup/", {"action": "export_data", "_selected_action": [signup.pk]})
    assert export.status_code == 200 and export["Content-Type"] == "application/json"
    assert "no-store" in export["Cache-Control"]  # an organizer's download of personal data
    [exported] = json.loads(export.content)
    assert exported["signup"]["fields"]["email"] == EMAIL

    # Django's confirmation page, then the deletion through the service.
    confirm = client.post("/admin/signups/signup/", {"action": "delete_selected", "_selected_action": [signup.pk]})
    assert confirm.status_code == 200 and "Are you sure" in confirm.content.decode()
    client.post("/admin/signups/signup/", {"action": "delete_selected", "_selected_action": [signup.pk], "post": "yes"})
    assert not SignUp.objects.filter(pk=signup.pk).exists()
    assert cache.get(cache_key(street=STREET, city="New York", state="NY", zip="10001")) is None
    assert text_columns_holding(EMAIL, LAST_NAME) == []

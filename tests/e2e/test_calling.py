"""A whole calling session in the browser: an organizer starts a team and invites a volunteer
from the sign-ups; the volunteer sets a password, logs in with a second factor and calls five
people one after another, seeing only the one in front of them; the board shows what changed.
Then a Spanish-speaking caller does the same at /es/."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone

from calls.emails import invitation_token
from calls.models import Call, CallTeam, TeamMember
from pipeline.models import Candidacy, Stage
from tests.calls.conftest import person
from tests.e2e.test_map import log_in, make_organizer
from tests.factories import add_totp, signup_in
from tests.organizing.conftest import current_districts

pytestmark = pytest.mark.e2e

CALLER_PASSWORD = "phones all evening 42"
NAMES = ["Ella Baker", "Bayard Rustin", "Fannie Hamer", "Jane Addams", "Eugene Debs", "Lucy Parsons"]
OUTCOMES = ["interested", "not_interested", "left_message", "interested", "do_not_call"]


@pytest.fixture
def all_day(settings):
    """The live server calls at any hour (the calling-hours rule has its own tests)."""
    settings.CALLS_HOURS = (0, 24)


def caller_logs_in(page, base_url: str, member: TeamMember, next_path: str) -> None:
    """Follow the invitation: choose a password, set up TOTP, log in with email, password and code."""
    page.goto(f"{base_url}/calls/join/{invitation_token(member)}/")
    page.locator("input[name=new_password1]").fill(CALLER_PASSWORD)
    page.locator("input[name=new_password2]").fill(CALLER_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/accounts/login/**")
    secret = add_totp(member.user)  # as allauth's activation page would
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.locator("input[name=login]").fill(member.user.email)
    page.locator("input[name=password]").fill(CALLER_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    code = format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))
    page.locator("input[name=code]").fill(code)
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(base_url + next_path)


def call_five(page, *, next_label: str, save_label: str, names: list[str]) -> list[str]:
    """Take five people in a row; on each page exactly one of ``names`` shows. Returns who was called."""
    called = []
    for outcome in OUTCOMES:
        page.get_by_role("button", name=next_label).click()
        heading = page.locator("#person-name").inner_text()
        assert heading in names
        text = page.locator("main").inner_text()
        assert [n for n in names if n in text] == [heading]  # nobody else, not even in the notes
        assert page.locator("a[href^='tel:+1']").count() == 1
        page.locator(f"input[name=outcome][value={outcome}]").check()
        page.locator("input[name=answer_0]").fill("State house")
        page.get_by_role("button", name=save_label).click()
        page.locator(".messages").wait_for()
        called.append(heading)
    return called


def test_a_volunteer_calls_five_people_in_english_then_a_caller_in_spanish(live_server, page, browser, all_day):
    house = current_districts("sldl", "NY")[:3]
    people = {}
    for i, name in enumerate(NAMES):
        first, last = name.split()
        people[name] = person(house[i % 3], first_name=first, last_name=last, days_ago=i + 1)
    volunteer = signup_in(
        house[0],
        wants_to_run=False,
        wants_to_volunteer=True,
        skills=["phone_text"],
        first_name="Vera",
        last_name="Caller",
    )
    organizer = make_organizer("calls-lead@example.org", ["NY"])

    # The organizer starts a team and invites the volunteer who offered phone banking, in one click.
    log_in(page, live_server.url, organizer, "/organize/calls/")
    page.locator("input[name=name]").fill("Assembly callers")
    page.locator("select[name=states]").select_option("NY")
    page.locator("textarea[name=script]").fill("Hi, I'm calling **from Berniecrat**.")
    page.locator("textarea[name=questions]").fill("Which office?")
    page.get_by_role("button", name="Start the team").click()
    page.get_by_role("heading", name="Assembly callers").wait_for()
    page.locator(f"[data-volunteer='{volunteer.pk}'] button").click()
    assert "Invitation sent." in page.locator(".messages").inner_text()
    team = CallTeam.objects.get(name="Assembly callers")
    member = TeamMember.objects.get(team=team, volunteer=volunteer)

    # The volunteer calls five people, one at a time.
    caller_context = browser.new_context(locale="en-US")
    caller_page = caller_context.new_page()
    caller_logs_in(caller_page, live_server.url, member, f"/calls/teams/{team.pk}/")
    assert caller_page.locator(".script strong").text_content() == "from Berniecrat"
    called = call_five(caller_page, next_label="Next person", save_label="Save and finish", names=NAMES)
    assert len(set(called)) == 5
    caller_context.close()
    stages = {
        name: Candidacy.objects.filter(signup=people[name]).values_list("stage", flat=True).first() or Stage.NEW
        for name in called
    }
    assert [stages[name] for name in called] == [
        Stage.INTERESTED,
        Stage.WITHDRAWN,
        Stage.NEW,
        Stage.INTERESTED,
        Stage.CONTACTED,
    ]

    # The organizer's board "called by" the team shows the moves.
    page.goto(f"{live_server.url}/organize/calls/{team.pk}/board/")
    for name, stage in stages.items():
        if stage != Stage.NEW:
            page.locator(f"[data-stage={stage}] [data-candidate='{people[name].pk}']").wait_for()
    page.goto(f"{live_server.url}/organize/calls/{team.pk}/")
    assert page.locator(".stats").get_attribute("data-calls") == "5"

    # A second caller, in Spanish.
    es_member = TeamMember.objects.create(team=team, user=type(member.user).objects.create_user("ana@example.org"))
    es_context = browser.new_context(locale="es-ES")
    es_page = es_context.new_page()
    caller_logs_in(es_page, live_server.url, es_member, f"/es/calls/teams/{team.pk}/")
    es_page.get_by_role("button", name="Siguiente persona").click()
    heading = es_page.locator("#person-name").inner_text()
    assert heading in NAMES and heading not in called
    assert "Llamadas anteriores" in es_page.locator("main").inner_text()
    es_page.locator("input[name=outcome][value=interested]").check()
    es_page.get_by_role("button", name="Guardar y terminar").click()
    assert "Guardado: Interesada." in es_page.locator(".messages").inner_text()
    es_context.close()
    assert Call.objects.filter(caller=es_member.user, outcome="interested").count() == 1


def test_a_caller_logs_in_with_a_passkey_instead_of_a_code(live_server, page, settings, all_day):
    """The second factor may be a passkey (allauth's WebAuthn): Chromium's virtual authenticator
    plays the caller's phone or security key."""
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the live server is plain http://localhost
    organizer = make_organizer("passkey-lead@example.org", ["NY"])
    team = CallTeam.objects.create(name="Passkey callers", states=["NY"], created_by=organizer)
    member = TeamMember.objects.create(team=team, user=type(organizer).objects.create_user("key@example.org"))
    team_path = f"/calls/teams/{team.pk}/"
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    caller_logs_in(page, live_server.url, member, team_path)

    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.wait_for_url("**/accounts/reauthenticate/**")  # adding a key asks for the password again
    page.locator("input[name=password]").fill(CALLER_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/accounts/2fa/webauthn/add/")
    page.locator("input[name=name]").fill("My phone")
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=member.user, type=Authenticator.Type.WEBAUTHN).count() == 1

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={team_path}")
    page.locator("input[name=login]").fill(member.user.email)
    page.locator("input[name=password]").fill(CALLER_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.locator("#mfa_webauthn_authenticate").click()
    page.wait_for_url(live_server.url + team_path)
    page.get_by_role("button", name="Next person").wait_for()

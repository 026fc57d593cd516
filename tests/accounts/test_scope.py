"""Who may see what is decided once (``accounts.scope``) and asked the same way of every model."""

import pytest

from accounts.scope import Scope
from districts.models import District
from pipeline.models import Candidacy, Nomination
from signups.models import SignUp
from tests.factories import CandidacyFactory, NominationFactory, OrganizerFactory, SignUpFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    ny = SignUpFactory(state="NY")
    vt = SignUpFactory(state="VT", zip="05602")
    for signup in (ny, vt):
        CandidacyFactory(signup=signup)
        NominationFactory(state=signup.state, zip=signup.zip)
    return ny, vt


def visible_states(scope: Scope) -> dict[str, set[str]]:
    return {
        "signups": set(SignUp.objects.visible_to(scope).values_list("state", flat=True)),
        "candidacies": set(Candidacy.objects.visible_to(scope).values_list("signup__state", flat=True)),
        "nominations": set(Nomination.objects.visible_to(scope).values_list("state", flat=True)),
        "districts": set(District.objects.current().visible_to(scope).values_list("state", flat=True).distinct()),
    }


def test_an_organizer_of_some_states_sees_those_states_of_every_kind_of_row(people):
    seen = visible_states(OrganizerFactory(states=["NY"]).scope)
    assert seen == {"signups": {"NY"}, "candidacies": {"NY"}, "nominations": {"NY"}, "districts": {"NY"}}


def test_an_organizer_of_every_state_sees_them_all(people):
    seen = visible_states(OrganizerFactory(states=[], all_states=True).scope)
    assert seen["signups"] == seen["candidacies"] == seen["nominations"] == {"NY", "VT"}
    assert len(seen["districts"]) > 50  # the states, DC and Puerto Rico


def test_nobody_signed_in_an_inactive_account_or_no_states_see_nothing(people, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    for who in (None, AnonymousUser(), OrganizerFactory(states=["NY"], is_active=False), OrganizerFactory(states=[])):
        scope = Scope.of(who)
        with django_assert_num_queries(0):  # an empty scope needs no query to find nothing
            assert not list(SignUp.objects.visible_to(scope))
        assert scope.key() == "-"


def test_the_scope_names_itself_the_same_for_the_same_states_in_any_order():
    assert OrganizerFactory(states=["VT", "NY"]).scope.key() == OrganizerFactory(states=["NY", "VT"]).scope.key()
    assert Scope.everywhere().key() == "all"


def test_only_organizers_covering_a_state_can_be_assigned_there():
    from accounts.models import User

    ny, national = OrganizerFactory(states=["NY"]), OrganizerFactory(states=[], all_states=True)
    OrganizerFactory(states=["VT"])
    OrganizerFactory(states=["NY"], is_active=False)
    assert set(User.objects.covering("NY")) == {ny, national}

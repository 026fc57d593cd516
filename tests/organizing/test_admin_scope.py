"""The Django admin applies the organizer's states like every organizer page, and audits every edit.

Attacks: a New York staff organizer opens the admin's sign-up list, a Georgia person's
change, history and delete URLs by number, and posts a change to one; moves a New York
person to Georgia. Defence: ``accounts.admin_mixins`` (``visible_to(scope)`` in every
people admin's ``get_queryset``; an edit is an ``AuditEvent`` naming fields, not values).
"""

import pytest

from accounts.models import AuditEvent
from signups.models import SignUp
from tests.factories import SignUpFactory, TotpOrganizerFactory
from tests.plugins.organizers import client_for

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/signups/signup/"
SECRET_NAME = "Quillonia"


@pytest.fixture
def ny_staff():
    # A superuser holds every model permission: only the scope stands between them and Georgia.
    return TotpOrganizerFactory(is_staff=True, is_superuser=True, states=["NY"])


@pytest.fixture
def georgian():
    return SignUpFactory(state="GA", city="Atlanta", zip="30303", first_name="Georgia", last_name="Peach")


def change_form_data(page) -> dict:
    """What the admin's change form would post back unchanged (its bound values)."""
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = getattr(value, "ewkt", value)  # a point as text, not its coordinates
    return data


def test_a_new_york_organizer_sees_no_georgia_sign_up_in_the_admin(ny_staff, georgian):
    new_yorker = SignUpFactory(state="NY")
    client = client_for(ny_staff)

    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    shown = [signup.pk for signup in listing.context["cl"].result_list]
    assert shown == [new_yorker.pk]
    # A filter for Georgia in the URL finds nobody either.
    assert list(client.get(f"{CHANGELIST}?state__exact=GA").context["cl"].result_list) == []

    # Georgia's record by URL: the admin answers as if it did not exist (a redirect to its index).
    for url in (f"{CHANGELIST}{georgian.pk}/change/", f"{CHANGELIST}{georgian.pk}/history/"):
        response = client.get(url)
        assert response.status_code == 302 and georgian.first_name not in response.content.decode(), url
    assert client.get(f"{CHANGELIST}{georgian.pk}/delete/").status_code == 302
    # Nor can it be changed or deleted by posting.
    client.post(f"{CHANGELIST}{georgian.pk}/change/", {"first_name": "Changed"})
    client.post(f"{CHANGELIST}{georgian.pk}/delete/", {"post": "yes"})
    client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [georgian.pk], "post": "yes"})
    georgian.refresh_from_db()
    assert georgian.first_name == "Georgia"


def test_a_new_york_organizer_cannot_move_a_person_to_georgia_in_the_admin(ny_staff):
    new_yorker = SignUpFactory(state="NY")
    client = client_for(ny_staff)
    url = f"{CHANGELIST}{new_yorker.pk}/change/"
    data = change_form_data(client.get(url)) | {"state": "GA"}
    response = client.post(url, data)
    assert response.status_code == 403, response.context["adminform"].form.errors if response.context else ""
    assert SignUp.objects.get(pk=new_yorker.pk).state == "NY"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ADMIN_CHANGE).exists()


def test_an_admin_edit_is_audited_with_the_fields_changed_and_not_their_values(ny_staff, national_client):
    # No offices: the replayed form sends a list field back as text, which the admin would count as changed.
    new_yorker = SignUpFactory(state="NY", first_name="Ann", city="New York", offices=[])
    client = client_for(ny_staff)
    url = f"{CHANGELIST}{new_yorker.pk}/change/"
    data = change_form_data(client.get(url)) | {"first_name": SECRET_NAME, "city": "Brooklyn"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert SignUp.objects.get(pk=new_yorker.pk).first_name == SECRET_NAME

    event = AuditEvent.objects.get(action=AuditEvent.Action.ADMIN_CHANGE)
    assert (event.user, event.resource) == (ny_staff, f"signup {new_yorker.pk}")
    assert sorted(event.fields) == ["City", "First name"]
    stored = str(AuditEvent.objects.filter(pk=event.pk).values().get())
    assert SECRET_NAME not in stored and "Brooklyn" not in stored and "Ann" not in stored
    # The audit page shows which fields.
    page = national_client.get("/organize/audit/").content.decode()
    assert f"signup {new_yorker.pk} ({', '.join(event.fields)})" in page


def test_an_admin_edit_of_an_organizer_account_is_audited(ny_staff):
    colleague = TotpOrganizerFactory(states=["VT"], name="Old name")
    client = client_for(ny_staff)
    url = f"/admin/accounts/user/{colleague.pk}/change/"
    data = change_form_data(client.get(url)) | {"name": "New name"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    event = AuditEvent.objects.get(action=AuditEvent.Action.ADMIN_CHANGE)
    assert (event.resource, event.fields) == (f"user {colleague.pk}", ["Name"])

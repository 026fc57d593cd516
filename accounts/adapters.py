"""allauth adapter: organizers are created by other organizers, never by self-sign-up."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class OrganizerAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Organizer accounts see supporters' personal data, so nobody may open one
        # on their own; `manage.py create_organizer` (or the admin) makes them.
        return False

    def get_login_redirect_url(self, request):
        # Only organizers log in, and the dashboard is what they came for (a `next`
        # parameter, set when a page sent them to log in, still wins).
        return reverse("organizing:dashboard")

"""allauth adapter: organizers are created by other organizers, never by self-sign-up."""

from allauth.account.adapter import DefaultAccountAdapter


class OrganizerAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Organizer accounts see supporters' personal data, so nobody may open one
        # on their own; `manage.py create_organizer` (or the admin) makes them.
        return False

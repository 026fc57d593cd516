"""allauth adapter: organizers are created by other organizers, never by self-sign-up.

Failed logins are counted per account *and client address* (``ACCOUNT_RATE_LIMITS`` in
settings): an attacker guessing one organizer's password locks out only their own
address, never the organizer; and per address, across accounts. The address is the one
our rate limits use (``berniecrat.ratelimit.client_ip``, ``TRUSTED_PROXY_COUNT``), so
behind a proxy each visitor is counted as themselves, not as the proxy.
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from berniecrat.ratelimit import client_bucket_of, client_ip


class OrganizerAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Organizer accounts see supporters' personal data, so nobody may open one
        # on their own; `manage.py create_organizer` (or the admin) makes them.
        return False

    def get_login_redirect_url(self, request):
        # Only organizers log in, and the dashboard is what they came for (a `next`
        # parameter, set when a page sent them to log in, still wins).
        return reverse("organizing:dashboard")

    def get_client_ip(self, request):
        # The same answer as our own limits give. (allauth's own reading of X-Forwarded-For,
        # fed the same TRUSTED_PROXY_COUNT, is a 500 for a request with fewer entries than
        # proxies; ours then falls back to the connection's address.)
        return client_ip(request) or super().get_client_ip(request)

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth keys the "login_failed" limit's "/key" rate on the login alone, so five
        # wrong passwords from anywhere locked the account for everyone. With the client's
        # address in the key, they lock it for that address only; the "/ip" rates still
        # limit one address's failures across every account. (The same key is used when a
        # password reset clears the count.)
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{client_bucket_of(client_ip(request))}"

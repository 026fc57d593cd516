"""Who may open the organizer pages: signed-in organizers with a TOTP authenticator.

Organizer pages show supporters' names, addresses and phone numbers, so a
password alone is not enough. ``organizer_required`` (views) sends

* anyone not signed in to allauth's login page (email and password; allauth.mfa
  then asks for the TOTP code of an organizer who has one, before the session is
  signed in), and
* an organizer without a TOTP authenticator to allauth's page that sets one up,
  before any personal data is shown.

The organizer API authenticates with tokens instead (``ApiTokenAuthentication``,
django-rest-knox): only their hash is stored, each expires (``API_TOKEN_DAYS``), and
only an organizer with TOTP set up can make one, on the tokens page
(``organizing:tokens``) or through ``create_organizer --token``.

Django's admin follows the same rule (``berniecrat/urls.py`` installs these):
``admin_login`` replaces the admin's own password form by allauth's login, and
``admin_has_permission`` lets in only active staff with TOTP set up; staff
without it are sent to set it up first.
"""

from functools import wraps
from urllib.parse import urlencode

from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from .rows import TOTP_ANNOTATION


def has_totp(user) -> bool:
    """Whether the organizer has set up an authenticator app.

    The request's user, read from the session by ``accounts.backends``, carries the answer read
    with its row at this request (no query); any other user object is asked (one indexed query).
    """
    known = getattr(user, TOTP_ANNOTATION, None)
    if known is not None:
        return known
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def _totp_setup(next_url: str) -> HttpResponseRedirect:
    # allauth's activation page asks for a fresh password first when the login is
    # older than a few minutes, then shows the QR code.
    query = urlencode({REDIRECT_FIELD_NAME: next_url})
    return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{query}")


def organizer_required(view):
    """View decorator: signed in, with TOTP set up; otherwise redirected to do that first."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return redirect_to_login(request.get_full_path())
        if not has_totp(user):
            return _totp_setup(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def admin_has_permission(request) -> bool:
    """``AdminSite.has_permission``: active staff who have set up TOTP."""
    user = request.user
    return user.is_active and user.is_staff and has_totp(user)


def admin_login(login_view):
    """Wrap ``admin.site.login``: anyone not signed in goes to allauth's login (with its rate
    limits and TOTP step), signed-in non-staff get a 403, staff without TOTP set it up first."""

    @secure_admin_login
    @wraps(login_view)
    def wrapped(request, *args, **kwargs):
        if not has_totp(request.user):
            next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
            return _totp_setup(next_url)
        return login_view(request, *args, **kwargs)

    return wrapped


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``: knox's check of the key against the stored hashes (an
    expired token is refused and deleted; a deleted one no longer exists), answering 401.

    A key that is not UTF-8 text (any byte may arrive in a header) is an invalid token,
    not the server error knox would raise decoding it.
    """

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        return super().authenticate_credentials(token)


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI schema's description of ``ApiTokenAuthentication`` (``Authorization: Token <key>``)."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

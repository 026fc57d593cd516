"""Who may open the callers' pages: signed in, with a second factor (TOTP or a passkey).

Callers see phone numbers, so, like organizers, they need more than a password:
an authenticator app (TOTP) or a passkey (allauth's WebAuthn). One without either
is sent to allauth's two-factor page to set one up before any person is shown.
"""

from functools import wraps
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def caller_required(view):
    """View decorator: signed in with a second factor; otherwise sent to log in or set one up."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return redirect_to_login(request.get_full_path())
        if not has_second_factor(user):
            query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('mfa_index')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped

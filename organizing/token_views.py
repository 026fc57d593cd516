"""The organizer's own API tokens (``/organize/tokens/``): see them, make one, revoke one.

A new key is shown once, in the answer to the form that made it (never in a URL,
a message or the session), with ``Cache-Control: no-store`` so no cache keeps it.
An organizer sees and revokes only their own tokens: another's is "not found".
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import organizer_required
from accounts.models import ApiToken
from accounts.services import ApiTokenRefused, api_token_create, api_token_revoke


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("The script or machine that will use it, e.g. “weekly report”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here, not at import: the longest validity is the deployment's API_TOKEN_DAYS as it is now.
        self.fields["days"] = forms.IntegerField(
            label=gettext_lazy("Valid for (days)"), min_value=1, max_value=settings.API_TOKEN_DAYS, required=False
        )


@organizer_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    """``GET``: the organizer's tokens and the form; ``POST``: make a token and show its key once."""
    form = ApiTokenForm(request.POST or None, initial={"days": settings.API_TOKEN_DAYS})
    key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, key = api_token_create(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ApiTokenRefused as exc:
            form.add_error(None, str(exc))
        else:
            form = ApiTokenForm(initial={"days": settings.API_TOKEN_DAYS})
    context = {
        "form": form,
        "key": key,
        "tokens": ApiToken.objects.filter(user=request.user),
        "now": timezone.now(),
        "max_days": settings.API_TOKEN_DAYS,
    }
    response = render(request, "organizing/tokens.html", context, status=400 if form.errors else 200)
    add_never_cache_headers(response)
    return response


@organizer_required
@require_POST
def token_revoke(request):
    """Delete one of the organizer's tokens (``token``: its digest); another's is a 404."""
    if not api_token_revoke(user=request.user, digest=request.POST.get("token", "")[:200]):
        raise Http404
    messages.success(request, _("The token was revoked; it no longer works."))
    return redirect("organizing:tokens")

"""Supporter pages: parse the form, call a service, render.

Every page showing or acting on one supporter is marked personal (``Cache-Control:
no-store``, berniecrat.middleware). The forms' POSTs count against the per-address
and per-email rate limits (berniecrat.ratelimit): over them, the form comes back
with an error saying when to try again, with HTTP 429, and nothing is stored.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language, ngettext
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView

from berniecrat import ratelimit
from berniecrat.middleware import mark_personal, personal_data

from . import services, tokens
from .forms import RunForm, VolunteerForm
from .models import SignUp

SESSION_KEY = "signup_id"
# Where the sign-up form said the person is ((lat, lng), the map pin or the ZIP code's centre):
# the thank-you page shows that place's districts from what was submitted, never from a stored
# sign-up, so it looks the same whether or not the email address was known.
POINT_SESSION_KEY = "signup_point"
# Fields a sign-up form may be opened with (public "find your districts": "Be the first to run here").
PREFILL_FIELDS = ("street", "city", "state", "zip", "lat", "lng")


def try_again_message(verdict: ratelimit.Verdict) -> str:
    minutes = max(1, round(verdict.retry_after / 60))
    return ngettext(
        "Too many sign-ups in a short time. Please try again in %(minutes)d minute.",
        "Too many sign-ups in a short time. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class RateLimitedFormMixin:
    """A public form's POST counts against the per-address limit (``ip_scope``) and, once valid,
    the per-email limit (``email_scope``, on the form's ``email_field``), at the sign-up forms'
    rates. Over a limit the form comes back with ``try_again_message`` and HTTP 429, and
    ``form_accepted`` (the view's own work) is not called."""

    ip_scope: str
    email_scope: str
    email_field = "email"

    def try_again_message(self, verdict: ratelimit.Verdict) -> str:
        return try_again_message(verdict)

    def post(self, request, *args, **kwargs):
        mark_personal(request)  # a form sent back with errors shows what was typed
        verdict = ratelimit.hit_ip(self.ip_scope, request, settings.SIGNUP_FORM_RATE)
        if not verdict.allowed:
            form = self.get_form()
            form.is_valid()  # to show the form as sent, with its own errors too
            form.add_error(None, self.try_again_message(verdict))
            return self._too_many(form, verdict)
        return super().post(request, *args, **kwargs)

    def _too_many(self, form, verdict):
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response

    def form_valid(self, form):
        email = form.cleaned_data[self.email_field]
        verdict = ratelimit.hit_email(self.email_scope, email, settings.SIGNUP_EMAIL_RATE)
        if not verdict.allowed:
            form.add_error(self.email_field, self.try_again_message(verdict))
            return self._too_many(form, verdict)
        return self.form_accepted(form)

    def form_accepted(self, form):
        raise NotImplementedError


class SignUpView(RateLimitedFormMixin, FormView):
    template_name = "signups/signup_form.html"
    ip_scope = "signup_form"
    email_scope = "signup"

    def post(self, request, *args, **kwargs):
        if request.POST.get("prefill"):
            # Opened from another page with the address typed there: the form, filled in and not
            # sent (nothing stored, no rate limit counted). By POST, so the address is in no URL.
            mark_personal(request)
            initial = {name: request.POST[name][:200] for name in PREFILL_FIELDS if request.POST.get(name)}
            return self.render_to_response(self.get_context_data(form=self.get_form_class()(initial=initial)))
        return super().post(request, *args, **kwargs)

    def form_accepted(self, form):
        data = form.signup_data() | {"language": get_language()[:2]}
        result = services.signup_create(
            kind=form.kind, email=form.cleaned_data["email"], data=data, location=form.location(), zip_row=form.zip_row
        )
        # The thank-you page finds the sign-up through the session: no id or email in the URL.
        self.request.session[SESSION_KEY] = result.signup.pk
        point = form.location() or (form.zip_row and (form.zip_row.point.y, form.zip_row.point.x))
        self.request.session[POINT_SESSION_KEY] = {"point": point, "from_zip": form.location() is None}
        return redirect("signups:thanks")


class RunView(SignUpView):
    form_class = RunForm
    extra_context = {"kind": "run"}


class VolunteerView(SignUpView):
    form_class = VolunteerForm
    extra_context = {"kind": "volunteer"}


@personal_data
def thanks(request):
    signup = SignUp.objects.select_related("cd", "sldu", "sldl").filter(pk=request.session.get(SESSION_KEY)).first()
    if signup is None:
        return redirect("signups:run")
    submitted = request.session.get(POINT_SESSION_KEY) or {}
    return render(request, "signups/thanks.html", {"signup": signup, "submitted": submitted})


@personal_data
def confirm(request, token):
    signup_id = tokens.read_token(token, tokens.CONFIRM_SALT, tokens.CONFIRM_MAX_AGE)
    if signup_id is None or not SignUp.objects.filter(pk=signup_id).exists():
        return render(request, "signups/link_invalid.html", status=400)
    signup = services.signup_confirm(signup_id=signup_id)
    return render(request, "signups/confirmed.html", {"signup": signup})


@method_decorator(csrf_exempt, name="dispatch")  # RFC 8058 one-click POSTs come from mail clients, not our pages.
@method_decorator(personal_data, name="dispatch")
class UnsubscribeView(View):
    def _signup_id(self, token):
        return tokens.read_token(token, tokens.UNSUBSCRIBE_SALT, tokens.UNSUBSCRIBE_MAX_AGE)

    def get(self, request, token):
        if self._signup_id(token) is None:
            return render(request, "signups/link_invalid.html", status=400)
        return render(request, "signups/unsubscribe.html", {"action": reverse("signups:unsubscribe", args=[token])})

    def post(self, request, token):
        signup_id = self._signup_id(token)
        if signup_id is None:
            return render(request, "signups/link_invalid.html", status=400)
        services.signup_unsubscribe(signup_id=signup_id)
        return render(request, "signups/unsubscribed.html")

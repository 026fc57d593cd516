"""Supporter pages: parse the form, call a service, render.

Every page showing or acting on one supporter is marked personal (``Cache-Control:
no-store``, berniecrat.middleware). The forms' POSTs count against the per-address
and per-email rate limits (berniecrat.ratelimit): over them, the form comes back
with an error saying when to try again, with HTTP 429, and nothing is stored.

A valid form is stored as one submission (the request's only database write) and
answered with the same thank-you page whoever the email belongs to: it shows the
districts of the location just submitted, never anything stored about a person.
Links in our emails open a page with a button; only its POST changes anything.
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

from . import thanks, tokens
from .forms import RunForm, VolunteerForm
from .models import SignUp, Source
from .services.confirmation import pending_change_apply, pending_change_current, signup_confirm, signup_unsubscribe
from .services.intake import submission_create

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
    the per-email limits (``email_limits``: by default ``email_scope`` on the form's
    ``email_field``), at the sign-up forms' rates. Over a limit the form comes back with
    ``try_again_message`` and HTTP 429, and ``form_accepted`` (the view's own work) is not called."""

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

    def email_limits(self, form) -> list[tuple[str, str]]:
        """The ``(field, scope)`` pairs a valid form counts against, each on the field's value."""
        return [(self.email_field, self.email_scope)]

    def form_valid(self, form):
        for field, scope in self.email_limits(form):
            verdict = ratelimit.hit_email(scope, form.cleaned_data[field], settings.SIGNUP_EMAIL_RATE)
            if not verdict.allowed:
                form.add_error(field, self.try_again_message(verdict))
                return self._too_many(form, verdict)
        return self.form_accepted(form)

    def form_accepted(self, form):
        raise NotImplementedError


class SignUpView(RateLimitedFormMixin, FormView):
    template_name = "signups/signup_form.html"
    ip_scope = "signup_form"
    email_scope = "signup"

    def get_initial(self):
        """A link from a public page may choose the state and an office (``?state=VT&office=county``:
        "be the first to run for ..."): public facts about a place, never the visitor's own, so
        they may sit in a URL. Values the form does not offer are ignored."""
        initial = super().get_initial()
        form_fields = self.get_form_class().base_fields
        state = self.request.GET.get("state", "").upper()
        if state in dict(form_fields["state"].choices) and state:
            initial["state"] = state
        office = self.request.GET.get("office", "")
        if "offices" in form_fields and office in dict(form_fields["offices"].choices):
            initial["offices"] = [office]
        return initial

    def post(self, request, *args, **kwargs):
        if request.POST.get("prefill"):
            # Opened from another page with the address typed there: the form, filled in and not
            # sent (nothing stored, no rate limit counted). By POST, so the address is in no URL.
            mark_personal(request)
            initial = {name: request.POST[name][:200] for name in PREFILL_FIELDS if request.POST.get(name)}
            return self.render_to_response(self.get_context_data(form=self.get_form_class()(initial=initial)))
        return super().post(request, *args, **kwargs)

    def form_accepted(self, form):
        location = form.location()
        submission_create(
            kind=form.kind,
            email=form.cleaned_data["email"],
            data=form.signup_data(),
            location=location,
            language=get_language()[:2],
            source=Source.FORM,
        )
        response = redirect("public:thanks")
        thanks.submission_remember(response, kind=form.kind, point=location, zip_code=form.cleaned_data["zip"])
        return response


class RunView(SignUpView):
    form_class = RunForm
    extra_context = {"kind": "run"}


class VolunteerView(SignUpView):
    form_class = VolunteerForm
    extra_context = {"kind": "volunteer"}


@method_decorator(personal_data, name="dispatch")
class ButtonLinkView(View):
    """A link in one of our emails: its GET shows a page with a button, and only that button's
    POST acts (mail scanners open links; only people press). The link's token carries one
    primary key (``tokens``); a forged, damaged or expired one, or one naming nothing left to
    act on, gets ``signups/link_invalid.html`` with HTTP 400."""

    salt: str
    max_age: int
    template_name: str  # the page with the button
    done_template_name: str  # after the press

    def object_id(self, token) -> int | None:
        return tokens.read_token(token, self.salt, self.max_age)

    def page_context(self, object_id: int) -> dict | None:
        """What the page shows about the object (None: nothing to act on)."""
        return {}

    def act(self, object_id: int) -> bool:
        """Do what the button says; False when there was nothing to act on."""
        raise NotImplementedError

    def invalid(self, request):
        return render(request, "signups/link_invalid.html", status=400)

    def get(self, request, token):
        object_id = self.object_id(token)
        context = self.page_context(object_id) if object_id is not None else None
        if context is None:
            return self.invalid(request)
        return render(request, self.template_name, context | {"action": request.path})

    def post(self, request, token):
        object_id = self.object_id(token)
        if object_id is None or not self.act(object_id):
            return self.invalid(request)
        return render(request, self.done_template_name)


class ConfirmView(ButtonLinkView):
    """The double opt-in link."""

    salt, max_age = tokens.CONFIRM_SALT, tokens.CONFIRM_MAX_AGE
    template_name, done_template_name = "signups/confirm.html", "signups/confirmed.html"

    def act(self, object_id):
        if not SignUp.objects.filter(pk=object_id).exists():
            return False
        signup_confirm(signup_id=object_id)
        return True


@method_decorator(personal_data, name="dispatch")
class ChangeView(View):
    """The change-confirmation link: the held changes and a button that applies them."""

    def _pending_id(self, token):
        return tokens.read_token(token, tokens.CHANGE_SALT, tokens.CHANGE_MAX_AGE)

    def get(self, request, token):
        from .emails import change_rows

        pending_id = self._pending_id(token)
        pending = pending_change_current(pending_change_id=pending_id) if pending_id is not None else None
        if pending is None:
            return render(request, "signups/link_invalid.html", status=400)
        context = {
            "rows": change_rows(pending),
            "revision": pending.revision,
            "action": reverse("signups:change", args=[token]),
        }
        return render(request, "signups/change.html", context)

    def post(self, request, token):
        pending_id = self._pending_id(token)
        try:
            revision = int(request.POST.get("revision", ""))
        except ValueError:
            revision = None
        if pending_id is None or revision is None:
            return render(request, "signups/link_invalid.html", status=400)
        if pending_change_apply(pending_change_id=pending_id, revision=revision) is None:
            # Applied already, expired, or changed since the page was shown: show what is held now.
            if pending_change_current(pending_change_id=pending_id) is not None:
                return redirect("signups:change", token=token)
            return render(request, "signups/link_invalid.html", status=400)
        return render(request, "signups/changes_applied.html")


@method_decorator(csrf_exempt, name="dispatch")  # RFC 8058 one-click POSTs come from mail clients, not our pages.
class UnsubscribeView(ButtonLinkView):
    salt, max_age = tokens.UNSUBSCRIBE_SALT, tokens.UNSUBSCRIBE_MAX_AGE
    template_name, done_template_name = "signups/unsubscribe.html", "signups/unsubscribed.html"

    def act(self, object_id):
        signup_unsubscribe(signup_id=object_id)
        return True

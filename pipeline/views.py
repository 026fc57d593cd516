"""Supporter-facing pipeline pages: nominating someone to run.

Nominations obey the sign-up rules: the form's honeypot and time-trap
(``pipeline.forms``), and the per-address and per-email rate limits
(``berniecrat.ratelimit``, the sign-up forms' rates): over a limit the form comes
back with an error saying when to try again, with HTTP 429, and nothing is stored.
The page is marked personal (``Cache-Control: no-store``) once a form is sent back.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.views.generic import FormView

from berniecrat import ratelimit
from berniecrat.middleware import mark_personal

from . import services
from .forms import NominationForm


def try_again_message(verdict: ratelimit.Verdict) -> str:
    minutes = max(1, round(verdict.retry_after / 60))
    return ngettext(
        "Too many nominations in a short time. Please try again in %(minutes)d minute.",
        "Too many nominations in a short time. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class NominateView(FormView):
    template_name = "pipeline/nominate.html"
    form_class = NominationForm

    def post(self, request, *args, **kwargs):
        mark_personal(request)  # a form sent back with errors shows what was typed
        verdict = ratelimit.hit_ip("nomination_form", request, settings.SIGNUP_FORM_RATE)
        if not verdict.allowed:
            form = self.get_form()
            form.is_valid()
            form.add_error(None, try_again_message(verdict))
            return self._too_many(form, verdict)
        return super().post(request, *args, **kwargs)

    def _too_many(self, form, verdict):
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response

    def form_valid(self, form):
        verdict = ratelimit.hit_email("nomination", form.cleaned_data["nominator_email"], settings.SIGNUP_EMAIL_RATE)
        if not verdict.allowed:
            form.add_error("nominator_email", try_again_message(verdict))
            return self._too_many(form, verdict)
        services.nomination_create(data=form.nomination_data() | {"language": get_language()[:2]})
        return redirect("pipeline:nominated")


def nominated(request):
    return render(request, "pipeline/nominated.html")

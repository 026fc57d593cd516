"""Supporter-facing pipeline pages: nominating someone to run.

Nominations obey the sign-up rules: the form's honeypot and time-trap
(``pipeline.forms``), and the per-address and per-email rate limits
(``signups.views.RateLimitedFormMixin``, the sign-up forms' rates): over a limit the form comes
back with an error saying when to try again, with HTTP 429, and nothing is stored.
The page is marked personal (``Cache-Control: no-store``) once a form is sent back.
"""

from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.views.generic import FormView

from berniecrat import ratelimit
from signups.views import RateLimitedFormMixin

from . import services
from .forms import NominationForm


def try_again_message(verdict: ratelimit.Verdict) -> str:
    minutes = max(1, round(verdict.retry_after / 60))
    return ngettext(
        "Too many nominations in a short time. Please try again in %(minutes)d minute.",
        "Too many nominations in a short time. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class NominateView(RateLimitedFormMixin, FormView):
    template_name = "pipeline/nominate.html"
    form_class = NominationForm
    ip_scope = "nomination_form"
    email_scope = "nomination"
    email_field = "nominator_email"

    def try_again_message(self, verdict: ratelimit.Verdict) -> str:
        return try_again_message(verdict)

    def form_accepted(self, form):
        services.nomination_create(data=form.nomination_data() | {"language": get_language()[:2]})
        return redirect("pipeline:nominated")


def nominated(request):
    return render(request, "pipeline/nominated.html")

"""Supporter-facing pipeline pages: nominating someone to run, and confirming it.

Nominations obey the sign-up rules: the form's honeypot and time-trap
(``pipeline.forms``), and the per-address and per-email rate limits
(``signups.views.RateLimitedFormMixin``, the sign-up forms' rates), the email limits counted
on the nominee's address (the one an abuser would aim at) and the nominator's: over a limit
the form comes back with an error saying when to try again, with HTTP 429, and nothing is
stored. The page is marked personal (``Cache-Control: no-store``) once a form is sent back.

A nomination sends nothing to its nominee until the nominator opened the link we mailed them
and pressed the button (``NominationConfirmView``, the sign-up links' ``ButtonLinkView``).
"""

from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.views.generic import FormView

from berniecrat import ratelimit
from signups import tokens
from signups.views import ButtonLinkView, RateLimitedFormMixin

from . import services
from .forms import NominationForm
from .models import Nomination


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

    def try_again_message(self, verdict: ratelimit.Verdict) -> str:
        return try_again_message(verdict)

    def email_limits(self, form):
        # Per nominee (their email, else their phone) and per nominator: nobody is reached often
        # through this form, whoever types the address.
        nominee_field = "nominee_email" if form.cleaned_data["nominee_email"] else "nominee_phone"
        return [(nominee_field, "nominee"), ("nominator_email", "nomination")]

    def form_accepted(self, form):
        services.nomination_create(data=form.nomination_data() | {"language": get_language()[:2]})
        return redirect("pipeline:nominated")


def nominated(request):
    return render(request, "pipeline/nominated.html")


class NominationConfirmView(ButtonLinkView):
    """The nominator's link: who they nominated and where, and the button that sends the invitation."""

    salt, max_age = tokens.NOMINATION_SALT, tokens.NOMINATION_MAX_AGE
    template_name, done_template_name = "pipeline/confirm.html", "pipeline/confirmed.html"

    def page_context(self, object_id):
        nomination = services.nomination_pending(nomination_id=object_id)
        if nomination is None:
            return None
        return {"nominee_name": nomination.nominee_name, "district": nomination.district_name}

    def get(self, request, token):
        object_id = self.object_id(token)
        if object_id is not None and Nomination.objects.confirmed().filter(pk=object_id).exists():
            return render(request, self.done_template_name)  # pressed already: the link still says so
        return super().get(request, token)

    def act(self, object_id):
        return services.nomination_confirm(nomination_id=object_id) is not None

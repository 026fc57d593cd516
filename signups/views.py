"""Supporter pages: parse the form, call a service, render."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView

from . import services, tokens
from .forms import RunForm, VolunteerForm
from .models import SignUp

SESSION_KEY = "signup_id"


class SignUpView(FormView):
    template_name = "signups/signup_form.html"

    def form_valid(self, form):
        data = form.signup_data() | {"language": get_language()[:2]}
        result = services.signup_create(
            kind=form.kind, email=form.cleaned_data["email"], data=data, location=form.location()
        )
        # The thank-you page finds the sign-up through the session: no id or email in the URL.
        self.request.session[SESSION_KEY] = result.signup.pk
        return redirect("signups:thanks")


class RunView(SignUpView):
    form_class = RunForm
    extra_context = {"kind": "run"}


class VolunteerView(SignUpView):
    form_class = VolunteerForm
    extra_context = {"kind": "volunteer"}


def thanks(request):
    signup = SignUp.objects.select_related("cd", "sldu", "sldl").filter(pk=request.session.get(SESSION_KEY)).first()
    if signup is None:
        return redirect("signups:run")
    return render(request, "signups/thanks.html", {"signup": signup})


def confirm(request, token):
    signup_id = tokens.read_token(token, tokens.CONFIRM_SALT, tokens.CONFIRM_MAX_AGE)
    if signup_id is None or not SignUp.objects.filter(pk=signup_id).exists():
        return render(request, "signups/link_invalid.html", status=400)
    signup = services.signup_confirm(signup_id=signup_id)
    return render(request, "signups/confirmed.html", {"signup": signup})


@method_decorator(csrf_exempt, name="dispatch")  # RFC 8058 one-click POSTs come from mail clients, not our pages.
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

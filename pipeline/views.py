"""Supporter-facing pipeline pages: nominating someone to run."""

from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.generic import FormView

from . import services
from .forms import NominationForm


class NominateView(FormView):
    template_name = "pipeline/nominate.html"
    form_class = NominationForm

    def form_valid(self, form):
        services.nomination_create(data=form.cleaned_data | {"language": get_language()[:2]})
        return redirect("pipeline:nominated")


def nominated(request):
    return render(request, "pipeline/nominated.html")

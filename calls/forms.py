"""Forms of call teams: validation only; the views call the services."""

import datetime
import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from districts.models import LocalLayer
from districts.states import BY_USPS

from .models import CHAMBER_CHOICES, Outcome


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    states = forms.MultipleChoiceField(label=_("States"), choices=())
    chamber = forms.ChoiceField(
        label=_("Chamber or local layer"),
        required=False,
        choices=[
            ("", _("State house (default)")),
            (_("Chambers"), CHAMBER_CHOICES),
            (_("Local governments (ranked by state house)"), LocalLayer.choices),
        ],
    )
    districts = forms.CharField(
        label=_("Districts or local units (GEOIDs, comma-separated; blank: the whole states)"),
        required=False,
        max_length=4000,
        help_text=_("For a school district, town or county: its Census GEOID, as the lookup API gives it."),
    )
    script = forms.CharField(label=_("Script (Markdown)"), required=False, widget=forms.Textarea, max_length=20_000)
    questions = forms.CharField(
        label=_("Questions, one a line"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=1600
    )
    sms_template = forms.CharField(
        label=_("Text message ({first_name}, {caller} are filled in)"),
        required=False,
        max_length=480,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, states=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["states"].choices = [(code, BY_USPS[code].name) for code in sorted(states)]

    def clean_questions(self):
        lines = [line.strip() for line in self.cleaned_data["questions"].splitlines() if line.strip()]
        if len(lines) > 8:
            raise forms.ValidationError(_("At most eight questions."))
        if any(len(line) > 200 for line in lines):
            raise forms.ValidationError(_("Keep each question under 200 characters."))
        return lines

    def clean(self):
        data = super().clean()
        geoids = [g.strip() for g in (data.get("districts") or "").split(",") if g.strip()]
        data["district_geoids"] = geoids
        if geoids and not data.get("chamber"):
            self.add_error("chamber", _("Choose the chamber or local layer of the districts."))
        return data


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), required=False)
    volunteer = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("volunteer"):
            raise forms.ValidationError(_("Give an email address."))
        return data


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    callback_at = forms.DateTimeField(
        label=_("Call back at (their time)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, questions=(), time_zone="", **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        self.questions = list(questions)
        for i, question in enumerate(self.questions):
            self.fields[f"answer_{i}"] = forms.CharField(label=question, required=False, max_length=500)

    def clean_callback_at(self):
        value = self.cleaned_data.get("callback_at")
        if value is None:
            return None
        # The caller types the person's own time (what they said on the phone).
        naive = value.replace(tzinfo=None)
        return naive.replace(tzinfo=zoneinfo.ZoneInfo(self.time_zone or "America/New_York")).astimezone(datetime.UTC)

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Outcome.CALLBACK and not data.get("callback_at"):
            self.add_error("callback_at", _("When do they want to be called back?"))
        data["answers"] = {q: data.get(f"answer_{i}", "") for i, q in enumerate(self.questions)}
        return data

    def answer_fields(self):
        return [self[f"answer_{i}"] for i in range(len(self.questions))]

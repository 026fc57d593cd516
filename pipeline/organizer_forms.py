"""Forms of the organizer's pipeline pages: validation only (``pipeline.organizer_views`` calls the services)."""

from django import forms

from accounts.models import User
from signups.models import Skill

from .models import Stage


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices)
    note = forms.CharField(max_length=500, required=False)


class CandidacyForm(forms.Form):
    organizer = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Nobody yet")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000, required=False)
    tags = forms.CharField(max_length=500, required=False, help_text="Separated by commas.")
    next_step_on = forms.DateField(label="Next step on", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    skills_wanted = forms.MultipleChoiceField(
        label="Skills wanted", choices=Skill.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, state: str, **kwargs):
        super().__init__(*args, **kwargs)
        # Only organizers who may see the candidate's state can be assigned to them.
        self.fields["organizer"].queryset = User.objects.covering(state).order_by("name", "email")
        self.fields["organizer"].label_from_instance = lambda user: user.name or user.email

    def clean_tags(self):
        return [tag.strip()[:40] for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


class IntroduceForm(forms.Form):
    volunteer = forms.IntegerField(min_value=1)

"""The public nomination form: validation only (rules shared with the sign-up forms).

It keeps scripts out as the sign-up forms do: the same honeypot (``website``) and
time-trap (``started``), checked by the sign-up forms' own ``_check_traps``.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from signups import validation
from signups.forms import AddressFieldsMixin, SignUpForm, StateField, TimeTrapInput, TrapInput

# "example.com" (a dot, then two letters or more); initials such as "J.R." pass.
WEB_ADDRESS = re.compile(r"\.[^\W\d_]{2,}")


class NominationForm(AddressFieldsMixin, forms.Form):
    nominator_name = forms.CharField(label=_("Your name"), max_length=200)
    nominator_email = forms.EmailField(label=_("Your email"), max_length=254)
    nominee_name = forms.CharField(label=_("Who should run?"), max_length=200)
    nominee_email = forms.EmailField(label=_("Their email"), max_length=254, required=False)
    nominee_phone = forms.CharField(label=_("Their phone"), max_length=30, required=False)
    street = forms.CharField(
        label=_("Street address in the district (optional)"),
        max_length=200,
        required=False,
        help_text=_("Yours or theirs: we use it only to find the district."),
    )
    city = forms.CharField(label=_("City or town"), max_length=100, required=False)
    state = StateField(label=_("State"))
    zip = forms.CharField(label=_("ZIP code"), max_length=10)
    reason = forms.CharField(
        label=_("Why should they run? (optional)"), max_length=2000, required=False, widget=forms.Textarea
    )
    # The sign-up forms' two traps; checked in clean(), never stored.
    website = forms.CharField(
        label=_("If you are a person, leave this field empty"), required=False, max_length=200, widget=TrapInput()
    )
    started = forms.CharField(required=False, max_length=500, widget=TimeTrapInput)

    trap_fields = ("website", "started")
    _check_traps = SignUpForm._check_traps

    def visible_person_fields(self):
        """The fields a person fills in (the honeypot is rendered apart)."""
        return [field for field in self.visible_fields() if field.name not in self.trap_fields]

    def nomination_data(self) -> dict:
        """The cleaned data without the traps: what ``services.nomination_create`` stores."""
        return {name: value for name, value in self.cleaned_data.items() if name not in self.trap_fields}

    def _name(self, field):
        value = validation.clean_text(self.cleaned_data[field])
        for part in value.split():
            validation.validate_name(part.strip(","))
        # The nominator's name goes into our invitation: nothing a mail client would turn into a link.
        if WEB_ADDRESS.search(value):
            raise ValidationError(_("Write a name, not a web address."), code="web_address")
        return value

    def clean_nominator_name(self):
        return self._name("nominator_name")

    def clean_nominee_name(self):
        return self._name("nominee_name")

    def clean_nominee_phone(self):
        value = validation.clean_text(self.cleaned_data["nominee_phone"])
        return validation.normalize_phone(value) if value else ""

    def clean_reason(self):
        return validation.clean_text(self.cleaned_data["reason"])

    def clean(self):
        data = super().clean()
        self._check_traps()
        self.check_zip_state(data)
        if not data.get("nominee_email") and not data.get("nominee_phone") and not self.errors.get("nominee_phone"):
            raise ValidationError(_("Give their email or their phone, so we can reach them."))
        return data

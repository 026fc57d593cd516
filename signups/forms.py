"""HTML sign-up forms: validation only; ``views`` hands the cleaned data to ``submission_create``.

Two traps keep scripts out without bothering people (no CAPTCHA):

* a honeypot field (``website``), moved off-screen by CSS and labelled for
  screen-reader users to leave empty: a bot filling every input fills it too;
* a time-trap (``started``): a signed timestamp rendered afresh with every page.
  A submission without it, with a forged one, one sooner than
  ``SIGNUP_FORM_MIN_SECONDS`` after the page was shown, or later than
  ``SIGNUP_FORM_MAX_AGE``, is refused with a message saying what to do. A token
  works once (``berniecrat.ratelimit.first_use``): a script replaying one page's
  token is refused like one without it.
"""

import copy
import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from berniecrat import ratelimit
from berniecrat.memo import per_thread
from districts.states import STATES

from . import validation
from .models import BallotLine, HelpScope, Office, Skill, Timeframe

STATE_CHOICES = [("", _("Choose a state"))] + [(s.usps, s.name) for s in STATES]

TIME_TRAP_SALT = "signups.forms.started"


class StateField(forms.ChoiceField):
    """The state picker of every address form.

    Django deep-copies a field's choices for every form it makes; 57 states cost more than all
    the sign-up form's other fields together (about 0.4 ms per form, ``bench/findings.md``). They
    are constants, so each form's copy of the field shares the one list.
    """

    def __init__(self, **kwargs):
        super().__init__(choices=STATE_CHOICES, **kwargs)

    def __deepcopy__(self, memo):
        # forms.Field's copy (widget, messages, validators), without ChoiceField's copy of the choices.
        return forms.Field.__deepcopy__(self, memo)


class _Shared(dict):
    """A form's fields that its deep copy hands back as they are (``FieldsBuiltOnceMixin``)."""

    def __deepcopy__(self, memo):
        return self


class FieldsBuiltOnceMixin:
    """A form whose fields are deep-copied once per process and thread instead of for every form.

    Django deep-copies every declared field (widget, choices, validators) for each form it
    makes, so that one form may change its fields without touching the next: about a tenth
    of a sign-up's time in Python. These forms never change a field after it is built (the
    values, errors and initial data live on the form), so one copy serves every form of the
    thread; a subclass that changes ``self.fields`` must not use this.
    """

    def __init__(self, *args, **kwargs):
        # Read by ``BaseForm.__init__``, which deep-copies it (``_Shared``: into itself).
        self.base_fields = per_thread(type(self), lambda: _Shared(copy.deepcopy(type(self).base_fields)))
        super().__init__(*args, **kwargs)


def time_trap_token(at: float | None = None) -> str:
    """A signed "this form was shown at" timestamp (``at``: seconds since the epoch, default now).

    With a random nonce: two pages shown in the same millisecond (a livestream's crowd)
    get different tokens, so one person's use never spends another's.
    """
    shown = {"t": round(time.time() if at is None else at, 3), "n": secrets.token_hex(6)}
    return signing.dumps(shown, salt=TIME_TRAP_SALT, compress=False)


class TimeTrapInput(forms.HiddenInput):
    """A hidden input that always carries a fresh timestamp, whatever was submitted."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, time_trap_token(), attrs)


class TrapInput(forms.TextInput):
    """The honeypot: out of the tab order and of autofill (templates/signups/includes/_trap.html hides it)."""

    def __init__(self):
        super().__init__(attrs={"autocomplete": "off", "tabindex": "-1"})


class AddressFieldsMixin:
    """The rules of a form's address fields (``street``, ``city``, ``state``, ``zip``), shared by
    the sign-up and nomination forms: text cleaned, ZIP normalised, and the ZIP checked against the
    state (``clean`` calls ``check_zip_state``), its row kept in ``zip_row``."""

    zip_row = None  # the ZIP's row, once check_zip_state has read it (the thank-you page's districts)

    def clean_text(self, name: str) -> str:
        return validation.clean_text(self.cleaned_data.get(name) or "")

    def clean_street(self):
        return self.clean_text("street")

    def clean_city(self):
        return self.clean_text("city")

    def clean_zip(self):
        return validation.normalize_zip(self.cleaned_data["zip"])

    def check_zip_state(self, data: dict) -> None:
        if data.get("zip") and data.get("state"):
            try:
                self.zip_row = validation.zip_matches_state(data["zip"], data["state"])
            except ValidationError as exc:
                self.add_error("zip", exc)


class SignUpForm(FieldsBuiltOnceMixin, AddressFieldsMixin, forms.Form):
    """Fields every supporter gives: who they are and where they live."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    phone = forms.CharField(label=_("Phone (optional)"), max_length=30, required=False)
    street = forms.CharField(
        label=_("Street address"),
        max_length=200,
        required=False,
        help_text=_("We use your address only to find your districts. A ZIP code alone is fine."),
    )
    city = forms.CharField(label=_("City or town"), max_length=100, required=False)
    state = StateField(label=_("State"))
    zip = forms.CharField(label=_("ZIP code"), max_length=10)
    # Filled in by the map pin or the browser's location when JavaScript is on.
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    consent_email = forms.BooleanField(label=_("Email me about running and organizing"), required=False)
    consent_sms = forms.BooleanField(label=_("Text me (message and data rates may apply)"), required=False)
    # The two traps (see the module docstring); checked in clean(), never stored.
    website = forms.CharField(
        label=_("If you are a person, leave this field empty"), required=False, max_length=200, widget=TrapInput()
    )
    started = forms.CharField(required=False, max_length=500, widget=TimeTrapInput)

    kind = ""  # set by subclasses: "run" or "volunteer"
    trap_fields = ("website", "started")

    def visible_person_fields(self):
        """The fields a person fills in (the honeypot is rendered apart)."""
        return [field for field in self.visible_fields() if field.name not in self.trap_fields]

    def _check_traps(self) -> None:
        if self.cleaned_data.get("website"):
            raise ValidationError(
                _(
                    "This form could not be sent. If you typed in the field labelled "
                    "“If you are a person, leave this field empty”, please clear it and send the form again."
                ),
                code="honeypot",
            )
        try:
            shown_at = signing.loads(
                self.cleaned_data.get("started") or "", salt=TIME_TRAP_SALT, max_age=settings.SIGNUP_FORM_MAX_AGE
            )["t"]
            elapsed = time.time() - float(shown_at)
        except signing.SignatureExpired:
            raise ValidationError(
                _("This form was open for too long. Please check your details and send it again."), code="form_expired"
            ) from None
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise ValidationError(
                _("This form could not be checked. Please send it again from this page."), code="form_tampered"
            ) from None
        if elapsed > settings.SIGNUP_FORM_MAX_AGE:
            raise ValidationError(
                _("This form was open for too long. Please check your details and send it again."), code="form_expired"
            )
        if elapsed < settings.SIGNUP_FORM_MIN_SECONDS:
            raise ValidationError(
                _("That was quicker than a person can fill in this form. Please check your details and send it again."),
                code="too_fast",
            )
        if not ratelimit.first_use("time_trap", self.cleaned_data["started"], settings.SIGNUP_FORM_MAX_AGE):
            raise ValidationError(
                _("This form was sent already. Please check your details and send it again."), code="form_reused"
            )

    def clean_first_name(self):
        value = self.clean_text("first_name")
        validation.validate_name(value)
        return value

    def clean_last_name(self):
        value = self.clean_text("last_name")
        validation.validate_name(value)
        return value

    def clean_phone(self):
        value = self.clean_text("phone")
        return validation.normalize_phone(value) if value else ""

    def clean(self):
        data = super().clean()
        self._check_traps()
        self.check_zip_state(data)
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ValidationError(_("A map location needs both latitude and longitude."))
        return data

    def signup_data(self) -> dict:
        """The cleaned fields ``submission_create`` takes, without email and location."""
        skip = {"email", "lat", "lng", *self.trap_fields}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}

    def location(self) -> tuple[float, float] | None:
        lat, lng = self.cleaned_data.get("lat"), self.cleaned_data.get("lng")
        return (lat, lng) if lat is not None and lng is not None else None


class RunForm(SignUpForm):
    kind = "run"

    offices = forms.MultipleChoiceField(
        label=_("Which offices would you consider?"), choices=Office.choices, widget=forms.CheckboxSelectMultiple
    )
    timeframe = forms.ChoiceField(label=_("When?"), choices=Timeframe.choices, widget=forms.RadioSelect)
    ballot_line = forms.ChoiceField(
        label=_("Which ballot line do you lean to?"), choices=BallotLine.choices, initial=BallotLine.UNDECIDED
    )
    statement = forms.CharField(
        label=_("Why do you want to run? (optional)"), max_length=2000, required=False, widget=forms.Textarea
    )
    experience = forms.CharField(
        label=_("Any experience you would bring? (optional)"), max_length=2000, required=False, widget=forms.Textarea
    )

    def clean_statement(self):
        return self.clean_text("statement")

    def clean_experience(self):
        return self.clean_text("experience")


class VolunteerForm(SignUpForm):
    kind = "volunteer"

    phone = forms.CharField(label=_("Phone"), max_length=30)
    skills = forms.MultipleChoiceField(
        label=_("How can you help?"), choices=Skill.choices, widget=forms.CheckboxSelectMultiple
    )
    hours_per_week = forms.IntegerField(label=_("Hours a week"), min_value=1, max_value=80)
    help_scope = forms.ChoiceField(label=_("Where will you help?"), choices=HelpScope.choices, widget=forms.RadioSelect)

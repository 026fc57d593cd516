"""The "find your districts" form: validation only (``views.find`` looks the place up)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from districts.zipcodes import clean_zip
from signups import validation
from signups.forms import AddressFieldsMixin, StateField


class FindForm(AddressFieldsMixin, forms.Form):
    """A ZIP code, an address, or a point from the browser's location (hidden fields filled by
    static/js/locate.js). The address is only looked up, never stored."""

    street = forms.CharField(label=_("Street address (optional)"), max_length=200, required=False)
    city = forms.CharField(label=_("City or town (optional)"), max_length=100, required=False)
    state = StateField(label=_("State (optional)"), required=False)
    zip = forms.CharField(label=_("ZIP code"), max_length=10, required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def clean_zip(self):
        value = self.cleaned_data["zip"].strip()
        return validation.normalize_zip(value) if value else ""

    def clean(self):
        data = super().clean()
        has_point = data.get("lat") is not None and data.get("lng") is not None
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ValidationError(_("A map location needs both latitude and longitude."))
        if not has_point and not data.get("zip") and "zip" not in self.errors:
            self.add_error("zip", _("Enter a ZIP code, or use your current location."))
        self.check_zip_state(data)
        return data

    def point(self) -> tuple[float, float] | None:
        lat, lng = self.cleaned_data.get("lat"), self.cleaned_data.get("lng")
        return (lat, lng) if lat is not None and lng is not None else None

    def prefill(self) -> dict:
        """What the sign-up forms are opened with ("Be the first to run here"): the address as typed."""
        return {name: self.cleaned_data.get(name) for name in ("street", "city", "state", "zip", "lat", "lng")}


class PlaceQueryForm(forms.Form):
    """The finder API's query (``/api/v1/public/districts/``): a point (``lat`` and ``lng``) or a
    ``zip``, exactly one of the two. Messages in English, as the rest of the API's."""

    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180)
    zip = forms.CharField(required=False)

    def clean_zip(self):
        value = self.cleaned_data["zip"]
        if not value:
            return ""
        zip5 = clean_zip(value)
        if zip5 is None:
            raise ValidationError("Enter a five-digit ZIP code.")
        return zip5

    def clean(self):
        # What was sent, valid or not: "lat=abc&lng=0" is a point with a bad latitude, not "no
        # point"; a blank value ("zip=%20") is nothing sent, as the fields clean it.
        sent = [name for name in ("lat", "lng", "zip") if self.data.get(name, "").strip()]
        point = [name for name in sent if name != "zip"]
        if len(point) == 1:
            self.add_error("lat", "Give both lat and lng.")
        elif bool(point) == ("zip" in sent):
            raise ValidationError("Give lat and lng, or zip.")
        return self.cleaned_data

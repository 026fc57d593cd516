"""Field rules shared by the HTML forms and the JSON API, so both say the same thing."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from districts.models import ZipCode
from districts.states import BY_USPS
from districts.zipcodes import zip_lookup

# Letters (any script) joined by single spaces, apostrophes, hyphens or periods.
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’.\-]+[^\W\d_]+)*\.?$")
_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")


def clean_text(value: str) -> str:
    """Drop control characters (keeping newlines and tabs) and surrounding space."""
    value = unicodedata.normalize("NFC", value)
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()


def validate_name(value: str) -> None:
    if not _NAME.match(value):
        raise ValidationError(
            _("Use letters only, with spaces, hyphens or apostrophes between them."), code="invalid_name"
        )


def normalize_phone(value: str) -> str:
    """'(212) 555-0100' -> '+12125550100'; raises ValidationError for anything else."""
    if re.search(r"[^\d\s().+\-]", value):
        raise ValidationError(_("Enter a US phone number, for example 212-555-0100."), code="invalid_phone")
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        raise ValidationError(_("Enter a US phone number, for example 212-555-0100."), code="invalid_phone")
    return f"+1{digits}"


def normalize_zip(value: str) -> str:
    match = _ZIP.match(value.strip())
    if not match:
        raise ValidationError(_("Enter a five-digit ZIP code."), code="invalid_zip")
    return match[1]


def validate_state(value: str) -> str:
    code = value.strip().upper()
    if code not in BY_USPS:
        raise ValidationError(_("Choose a US state."), code="invalid_state")
    return code


def zip_matches_state(zip_code: str, state: str) -> ZipCode:
    """The ZIP must exist and lie in the state given; returns its row (the answer's districts use it)."""
    found = zip_lookup(zip_code)
    if found is None:
        raise ValidationError(_("We could not find this ZIP code."), code="unknown_zip")
    if found.state != state:
        raise ValidationError(
            _("ZIP code %(zip)s is in %(zip_state)s, not %(state)s."),
            code="zip_state_mismatch",
            params={"zip": zip_code, "zip_state": found.state, "state": state},
        )
    return found

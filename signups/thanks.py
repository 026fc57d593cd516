"""What the thank-you page may know of the sign-up just made: the location submitted, never a person.

The form's answer remembers the submitted kind and location in a signed cookie, not in the
database or a session row: storing the submission stays the request's only write, and nothing
of it reaches the URL. The page itself (``public_site.views.thanks``) shows the public statuses
of that location's districts, so it lives with the public pages, above this app.
"""

from django.conf import settings
from django.core import signing

from districts.models import ZipCode

from .selectors import location_districts

COOKIE = "signup_submitted"
SALT = "signups.views.thanks"
MAX_AGE = 3600


def submission_remember(response, *, kind: str, point: tuple[float, float] | None, zip_code: str) -> None:
    """Set on the form's redirect to the thank-you page."""
    response.set_signed_cookie(
        COOKIE,
        signing.dumps({"kind": kind, "point": point, "zip": zip_code}, compress=False),
        salt=SALT,
        max_age=MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def submission_recalled(request) -> dict | None:
    """``{"kind", "location_districts", "from_zip"}`` of the sign-up this browser just made, or None.

    ``location_districts``: ``{chamber: District | None}`` of the submitted map point, or of an
    unambiguous ZIP's centre (``from_zip``), or None: never anything stored about a person.
    """
    try:
        submitted = signing.loads(request.get_signed_cookie(COOKIE, salt=SALT, max_age=MAX_AGE))
    except (KeyError, signing.BadSignature):
        return None
    point = tuple(submitted["point"]) if submitted.get("point") else None
    zip_row = None if point else ZipCode.objects.filter(zip=submitted.get("zip", "")).first()
    return {
        "kind": submitted.get("kind"),
        "location_districts": location_districts(point=point, zip_row=zip_row),
        "from_zip": point is None,
    }

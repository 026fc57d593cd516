"""Response headers for personal data.

``PersonalDataMiddleware`` adds ``Cache-Control: no-store, private`` (nothing kept by the
browser, its back/forward cache or a proxy) to every response that carries personal data:

* any response to a request of a signed-in user (an organizer's page, export or API
  answer; DRF's token authentication counts too), found without loading the user
  when the view never looked at it;
* any response marked by its view: decorate the view with ``@personal_data``, or call
  ``mark_personal(request)`` inside it (supporters' thank-you, confirm and unsubscribe
  pages; the sign-up API's answers).

The one exception: a view decorated with ``@no_personal_data`` answers signed-in users
with figures only (the coverage map's tiles: counts per district, never a person), so
its own ``Cache-Control`` (``private, max-age=60``) is kept. It must still say
``private`` (who asks decides the answer), and a request marked personal wins.

Also, the Swagger UI page (``/api/v1/docs/``, drf-spectacular's template with an inline
script and style, no personal data) gets the one relaxation of the content security
policy it needs; every other page runs under the strict policy of ``settings.base``.
"""

from functools import wraps

from csp.constants import UNSAFE_INLINE
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject, empty

DOCS_CSP_UPDATE = {"script-src": [UNSAFE_INLINE], "style-src": [UNSAFE_INLINE]}


def mark_personal(request) -> None:
    """The response to this request carries personal data: never cache it."""
    request.personal_data = True


def personal_data(view):
    """View decorator: the responses of ``view`` carry personal data."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        mark_personal(request)
        return view(request, *args, **kwargs)

    return wrapped


def no_personal_data(view):
    """View decorator: the responses of ``view`` hold no personal data, even for a signed-in user,
    so they keep the view's own (private) caching headers."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.no_personal_data = True
        return response

    return wrapped


def _signed_in(request) -> bool:
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        # Never evaluated by the view: the answer cannot depend on who is signed in.
        user = None if user._wrapped is empty else user._wrapped
    return bool(user is not None and getattr(user, "is_authenticated", False))


class PersonalDataMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        marked = getattr(request, "personal_data", False) or getattr(response, "personal_data", False)
        # Honoured only with ``private``: a response that depends on who asks never goes to a shared cache.
        counts_only = getattr(response, "no_personal_data", False) and "private" in response.get("Cache-Control", "")
        if marked or (_signed_in(request) and not counts_only):
            patch_cache_control(response, no_store=True, private=True, max_age=0)
            response.headers.pop("Expires", None)
        # The URL's name, as resolved for this request: no reverse() on every answer.
        if getattr(request.resolver_match, "view_name", None) == "api-docs":
            response._csp_update = DOCS_CSP_UPDATE
        return response

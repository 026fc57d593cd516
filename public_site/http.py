"""Answers a shared cache may keep: ``Cache-Control: public, max-age, s-maxage``, an ETag, 304s.

Every public page, JSON answer, tile and share image is the same for everyone who
asks (it depends on the URL and the language in it, never on a cookie or a person),
so a CDN or proxy may keep it for ``MAX_AGE`` seconds and answer a livestream's
audience itself; a browser or cache holding an older copy asks again with
``If-None-Match`` and gets ``304 Not Modified`` while nothing changed.

Bodies are made once per process for each snapshot of the figures (``memoized``):
the ETag is a hash of the body, computed once with it.
"""

import hashlib

from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils.cache import get_conditional_response, patch_cache_control
from rest_framework.views import APIView

# Seconds a browser or shared cache may keep a public answer: the snapshot's own age limit
# (public_site.coverage.SNAPSHOT_SECONDS), so a cache never adds more than a minute's lag.
MAX_AGE = 60

# One snapshot version's bodies: {key: (body, etag)}; dropped whole when the version changes.
_memo: dict = {}
_memo_version: str | None = None
# A bound on what one process holds: every page in both languages and each map choice
# (about 330 pages of at most ~100 kB), with room to spare; tiles are not held here.
MEMO_LIMIT = 500


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def memoized(version: str, key: str, build) -> tuple[bytes, str]:
    """``build()``'s bytes and their ETag, made once per process for this snapshot ``version``."""
    global _memo, _memo_version
    if version != _memo_version:
        _memo, _memo_version = {}, version
    found = _memo.get(key)
    if found is None:
        body = build()
        found = (body, etag_of(body))
        if len(_memo) < MEMO_LIMIT:
            _memo[key] = found
    return found


def public_response(request, body: bytes, *, content_type: str, etag: str | None = None) -> HttpResponse:
    """``body`` with shared-cache headers, or a 304 when the client's ``If-None-Match`` matches."""
    etag = etag or etag_of(body)
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=MAX_AGE, s_maxage=MAX_AGE)
    return response


class PlainGetApi(APIView):
    """A public read, the same for everyone: described by DRF (the OpenAPI schema), served as a
    plain Django view.

    DRF's per-request work (wrapping the request, authentication, permissions, throttles,
    content negotiation) decides nothing for an answer that has no user and one content
    type, yet it cost about as much as the district finder's own lookup
    (``bench/findings.md``, issue 14). ``get`` receives Django's request and returns an
    ``HttpResponse``; it validates its query with a Django form (``berniecrat.api.form_errors_response``).
    """

    authentication_classes = []
    permission_classes = []

    def dispatch(self, request, *args, **kwargs):
        self.request, self.args, self.kwargs = request, args, kwargs
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return self.get(request, *args, **kwargs)

"""Public pages: the coverage headline, map and states, state pages, "find your districts".

Every page here is the same for everyone (its URL and language decide it), shows
statuses and figures from ``public_site.coverage`` and never a person, and is rendered
once per process per snapshot (``public_site.http.memoized``) and sent with shared-cache
headers (``public_site.http.public_response``). They set no cookie and carry no CSRF
token, so a CDN may keep them: the language switch is a pair of links, and the
finder's form posts to a view that only reads (``find``).

The finder's answer shows what the visitor typed, so it is personal (``no-store``)
and never cached; its "Be the first to run here" button posts the address to the
sign-up form, which opens filled in (``signups.views.SignUpView``): the address
travels in the body, never in a URL, and is stored only if the visitor signs up.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, translate_url
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_http_methods

from berniecrat import ratelimit
from berniecrat.middleware import mark_personal, personal_data
from coverage.layers import LENSES
from districts.models import LocalLayer
from districts.states import BY_USPS
from signups import thanks as thanks_cookie

from .coverage import CHAMBERS, Snapshot, public_map_bounds, public_snapshot
from .forms import FindForm
from .http import memoized, public_response
from .selectors import Place, local_units_of, place_at_address, place_at_point, place_at_zip, public_districts_of
from .share import SHARE_SECONDS, share_chamber, share_image

HTML = "text/html; charset=utf-8"
CHAMBER_LABELS = {"sldl": _("State house"), "sldu": _("State senate"), "cd": _("U.S. House")}
# The legend, in the order shown; colours in static/css/coverage-map.css.
STATUS_LABELS = {
    "none": _("Nobody yet"),
    "candidate": _("Someone wants to run here"),
    "filed": _("A candidate has filed"),
}
MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
# A local unit with nobody yet: the call to be the first, per lens (coverage.layers.LENSES).
FIRST_IN_UNIT = {
    "school_board": _("Be the first to run for the school board of %(unit)s"),
    "council": _("Be the first to run for the council of %(unit)s"),
    "county": _("Be the first to run for county office in %(unit)s"),
}


def chamber_label(chamber: str):
    return CHAMBER_LABELS[chamber]


def place_rows(place: Place) -> list[dict]:
    """A place's districts as templates/public/includes/_statuses.html lists them."""
    return [
        {"chamber": c, "label": CHAMBER_LABELS[c], "district": d, "status_label": STATUS_LABELS[d.status] if d else ""}
        for c, d in place.ordered()
    ]


def local_rows(units) -> list[dict]:
    """Local governments as templates/public/includes/_local.html lists them: their kind, their name."""
    return [{"label": LocalLayer(unit.chamber).label, "name": unit.name} for unit in units]


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _languages(path: str) -> list[dict]:
    """Links to this page in each language (the public pages' language switch: no form, no cookie)."""
    current = get_language()
    return [
        {"code": code, "name": name, "url": translate_url(path, code), "current": code == current}
        for code, name in settings.LANGUAGES
    ]


def _map(snapshot: Snapshot, *, chamber: str, state: str | None, path: str) -> dict:
    """What templates/public/includes/_map.html needs for one chamber's map."""
    tile_url = reverse("public-tiles:tile", kwargs={"chamber": chamber, "z": 0, "x": 0, "y": 0})
    bounds = public_map_bounds(state=state, chamber=chamber)
    return {
        "chamber": chamber,
        "chamber_label": CHAMBER_LABELS[chamber],
        "tile_url": tile_url.removesuffix("/0/0/0.pbf") + "/{z}/{x}/{y}.pbf",
        "bounds": "[" + ", ".join(f"{value:.5f}" for value in bounds) + "]",
        "legend": [{"status": status, "label": label} for status, label in STATUS_LABELS.items()],
        "choices": [
            {
                "chamber": value,
                "label": CHAMBER_LABELS[value],
                "url": f"{path}?chamber={value}",
                "current": value == chamber,
            }
            for value in CHAMBERS
        ],
    }


def _chambers(figures: dict) -> list[dict]:
    return [{"chamber": chamber, "label": CHAMBER_LABELS[chamber], **figures[chamber]} for chamber in CHAMBERS]


def _lenses(figures: dict) -> list[dict]:
    """The local offices' figures (school boards, councils, county offices) for
    templates/public/includes/_lens_figures.html."""
    return [
        {"key": lens.key, "label": lens.label, "units": lens.units_label, **figures[lens.key]}
        for lens in LENSES
        if lens.key in figures
    ]


def _local_units(local: dict, *, state: str) -> list[dict]:
    """A state's local units (``Snapshot.state_local``) for templates/public/includes/_local_gaps.html:
    per lens, how many units have each status, and those with nobody yet, each a link to the run
    form with what is known filled in (the state and the office; nothing about the visitor)."""
    run = reverse("signups:run")
    return [
        {
            "key": lens.key,
            "label": lens.label,
            "units": lens.units_label,
            "statuses": [
                {"status": status, "label": label, "units": local[lens.key]["statuses"][status]}
                for status, label in STATUS_LABELS.items()
            ],
            "run_url": f"{run}?{urlencode({'state': state, 'office': lens.office})}",
            "gaps": [FIRST_IN_UNIT[lens.key] % {"unit": name} for _layer, _geoid, name in local[lens.key]["gaps"]],
        }
        for lens in LENSES
        if lens.key in local
    ]


def _share(snapshot: Snapshot, *, path: str, state: str | None, title: str, description: str) -> dict:
    image = reverse("public-share:image", kwargs={"name": (state or "us").lower(), "language": get_language()})
    # The image changes at most every SHARE_SECONDS; its URL with it, so link previews fetch the new one.
    stamp = int(snapshot.built_at.timestamp()) // SHARE_SECONDS
    return {
        "url": _absolute(path),
        "title": title,
        "description": description,
        "image": _absolute(f"{image}?v={stamp}"),
        "image_alt": description,
    }


def _chosen_chamber(request, default: str) -> str:
    chamber = request.GET.get("chamber", "")
    return chamber if chamber in CHAMBERS else default


def _page(request, key: str, template: str, context) -> object:
    snapshot = public_snapshot()
    language = get_language()

    def build() -> bytes:
        return render_to_string(template, context(snapshot)).encode()

    body, etag = memoized(snapshot.version, f"page:{language}:{key}", build)
    return public_response(request, body, content_type=HTML, etag=etag)


@require_GET
def coverage(request):
    """The national page: the headline, the chambers' figures, the map, a row per state."""
    chamber = _chosen_chamber(request, "sldl")
    path = request.path

    def context(snapshot: Snapshot) -> dict:
        figures = snapshot.chambers
        headline = _(
            "Supporters who want to run cover %(sldl)s%% of state house districts, "
            "%(sldu)s%% of state senate districts and %(cd)s%% of congressional districts."
        ) % {chamber: f"{figures[chamber]['percent'] or 0:g}" for chamber in CHAMBERS}
        return {
            "snapshot": snapshot,
            "headline": headline,
            "chambers": _chambers(figures),
            "lenses": _lenses(snapshot.lenses),
            "supporters": snapshot.supporters,
            "states": [
                {**row, "url": reverse("public:state", kwargs={"state": row["state"].lower()}), "rows": _chambers(row)}
                for row in snapshot.states
            ],
            "map": _map(snapshot, chamber=chamber, state=None, path=path),
            "languages": _languages(path),
            "share": _share(
                snapshot, path=path, state=None, title=str(_("Who wants to run where")), description=headline
            ),
            "find_url": reverse("public:find"),
        }

    return _page(request, f"coverage:{chamber}", "public/coverage.html", context)


@require_GET
def state(request, state: str):
    """A state's page: its figures, its map, and each district's status (the map's text alternative)."""
    code = state.upper()
    if state != code.lower() or code not in BY_USPS:
        raise Http404("No such state.")
    snapshot = public_snapshot()
    if snapshot.state(code) is None:
        raise Http404("No districts loaded for this state.")
    default = share_chamber(code)
    chamber = _chosen_chamber(request, default)
    path = request.path

    def context(snapshot: Snapshot) -> dict:
        row = snapshot.state(code)
        name = BY_USPS[code].name
        figures = _chambers(row)
        description = " ".join(
            str(
                _("%(chamber)s: %(percent)s%% of districts have someone who wants to run.")
                % {"chamber": item["label"], "percent": f"{item['percent'] or 0:g}"}
            )
            for item in figures
            if item["total"]
        )
        districts = snapshot.state_districts(code)
        return {
            "snapshot": snapshot,
            "state": {"code": code, "name": name},
            "chambers": figures,
            "lenses": _lenses(row.get("lenses", {})),
            "local": _local_units(snapshot.state_local(code), state=code),
            "districts": [
                {"chamber": c, "label": CHAMBER_LABELS[c], "rows": districts[c]} for c in CHAMBERS if districts[c]
            ],
            "status_labels": STATUS_LABELS,
            "map": _map(snapshot, chamber=chamber, state=code, path=path),
            "languages": _languages(path),
            "share": _share(
                snapshot,
                path=path,
                state=code,
                title=str(_("Who wants to run in %(state)s") % {"state": name}),
                description=description,
            ),
            "coverage_url": reverse("public:coverage"),
            "find_url": reverse("public:find"),
        }

    return _page(request, f"state:{code}:{chamber}", "public/state.html", context)


@csrf_exempt  # the form is on a cached page without a token; looking a place up changes nothing
@require_http_methods(["GET", "POST"])
def find(request):
    """GET: the form (a public page). POST: the districts of what was typed, each with its status,
    and for a district with nobody the way to be the first (a personal page: it shows the address)."""
    if request.method == "GET":
        return _page(
            request,
            "find",
            "public/find.html",
            lambda snapshot: {"form": FindForm(), "languages": _languages(request.path)},
        )
    mark_personal(request)
    form = FindForm(request.POST)
    context = {"form": form, "languages": _languages(request.path)}
    verdict = ratelimit.hit_ip("public_find", request, settings.PUBLIC_FIND_RATE)
    if not verdict.allowed:
        form.is_valid()
        form.add_error(None, _("Too many searches in a short time. Please try again in a minute."))
        response = render(request, "public/find.html", context, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    if not form.is_valid():
        return render(request, "public/find.html", context, status=400)
    data = form.cleaned_data
    if point := form.point():
        place = place_at_point(lat=point[0], lng=point[1])
    elif data["street"]:
        place = place_at_address(
            street=data["street"], city=data["city"], state=data["state"], zip_code=data["zip"], zip_row=form.zip_row
        )
    else:
        place = place_at_zip(zip_row=form.zip_row, zip_code=data["zip"])
    context |= {
        "place": place,
        "rows": place_rows(place),
        "local_rows": local_rows(place.local),
        "prefill": _prefill(form, place),
        "state_url": next(
            (reverse("public:state", kwargs={"state": d.state.lower()}) for d in place.districts.values() if d), None
        ),
    }
    return render(request, "public/find.html", context)


def _prefill(form: FindForm, place) -> dict:
    """The sign-up form's fields as typed, with the state of the districts found when none was chosen."""
    prefill = form.prefill()
    if not prefill["state"]:
        prefill["state"] = next((d.state for d in place.districts.values() if d is not None), "")
    # As strings: a float rendered in Spanish would get a decimal comma.
    return {name: str(value) for name, value in prefill.items() if value not in (None, "")}


@require_GET
@gzip_page
def tile(request, chamber: str, z: int, x: int, y: int):
    """One Mapbox Vector Tile of ``chamber``'s districts with their public status."""
    from .tiles import public_tile, tile_is_valid

    if chamber not in CHAMBERS or not tile_is_valid(z, x, y):
        raise Http404("No such tile.")
    # Shared through Redis, not held per process: a country's tiles would not fit in a worker.
    body = public_tile(public_snapshot(), chamber=chamber, z=z, x=x, y=y)
    return public_response(request, body, content_type=MVT_CONTENT_TYPE)


@require_GET
def share(request, name: str, language: str):
    """The Open Graph image of the national page (``us``) or a state page, in ``language``."""
    code = None if name == "us" else name.upper()
    if language not in dict(settings.LANGUAGES) or (code is not None and (name != code.lower() or code not in BY_USPS)):
        raise Http404("No such image.")
    snapshot = public_snapshot()
    if code is not None and snapshot.state(code) is None:
        raise Http404("No districts loaded for this state.")
    png = share_image(snapshot, state=code, language=language)
    return public_response(request, png, content_type="image/png")


@personal_data
def thanks(request):
    """After a sign-up: what happens next, and the public statuses of the submitted location's
    districts. The same page whoever the email belongs to (signups.thanks says why it can be)."""
    submitted = thanks_cookie.submission_recalled(request)
    if submitted is None:
        return redirect("signups:run")
    found = submitted["location_districts"]
    rows = place_rows(Place(districts=public_districts_of(found), quality="point")) if found else []
    # Local units only for a map point (signups.selectors.location_districts leaves them out for a ZIP).
    local = local_rows(local_units_of(found)) if found else []
    return render(request, "public/thanks.html", {**submitted, "rows": rows, "local_rows": local})

"""The layers of districts coverage is counted in, as data.

A layer is one kind of district (``District.chamber``: congressional, state senate,
state house; counties, county subdivisions, incorporated places, school districts).
How its people are found, and which office a candidate must have chosen to count
there, is all the count engine needs to know about it:

* ``stored``: the sign-up's own foreign key to its district of that layer (the
  current maps, resolved when the sign-up was located) — counted in one pass over
  the sign-ups' covering indexes;
* otherwise by location: the sign-ups whose point is inside the district's area
  (GiST-indexed ``ST_Intersects``); also how any layer is counted against a
  vintage other than the current one;
* ``office``: a local unit is covered by a would-be candidate for its office (school
  board for a school district, city or town council for a municipality, county
  office for a county), not by someone who would run for Congress and lives there.
  Volunteers count everywhere they live.

The local layers are grouped into *lenses* (``LENSES``): school boards (unified,
elementary and secondary school districts), city and town councils (incorporated
places and governing towns), county offices. Only governing units are counted.

Adding a layer is adding a ``Layer`` here (and its districts in ``districts``),
never a new shape of SQL: the engine (``coverage.engine``) builds every count, list,
summary and tile from this table.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from signups.models import Office, SignUp


@dataclass(frozen=True)
class Layer:
    """One kind of district: ``key`` is its ``District.chamber``."""

    key: str
    label: str
    districts_label: str  # how the headline names its districts
    stored: bool = False  # SignUp has a foreign key named ``key`` to its district of this layer
    headline: bool = False  # counted in the dashboard's headline and summary
    # A would-be candidate counts in this layer's units only if they chose this office
    # (``signups.models.Office``); None: whatever they chose (the chambers).
    office: str | None = None
    lens: str | None = None  # the local lens (``LENSES``) the layer belongs to

    @property
    def runs_here(self) -> Q:
        """Which would-be candidates count in this layer's units (the one definition of the office rule)."""
        return Q(offices__contains=[self.office]) if self.office else Q()

    @property
    def signup_column(self) -> str:
        """The sign-ups' column holding the district id (only for a ``stored`` layer)."""
        return SignUp._meta.get_field(self.key).column


LAYERS = (
    Layer("sldl", _("State house"), _("state house districts"), stored=True, headline=True),
    Layer("sldu", _("State senate"), _("state senate districts"), stored=True, headline=True),
    Layer("cd", _("U.S. House"), _("congressional districts"), stored=True, headline=True),
    Layer("unsd", _("Unified school districts"), _("unified school districts"), stored=True,
          office=Office.SCHOOL_BOARD, lens="school_board"),
    Layer("elsd", _("Elementary school districts"), _("elementary school districts"), stored=True,
          office=Office.SCHOOL_BOARD, lens="school_board"),
    Layer("scsd", _("Secondary school districts"), _("secondary school districts"), stored=True,
          office=Office.SCHOOL_BOARD, lens="school_board"),
    Layer("place", _("Cities, towns and villages"), _("incorporated places"), stored=True,
          office=Office.CITY_COUNCIL, lens="council"),
    Layer("cousub", _("Towns and townships"), _("towns and townships"), stored=True,
          office=Office.CITY_COUNCIL, lens="council"),
    Layer("county", _("Counties"), _("counties"), stored=True, office=Office.COUNTY, lens="county"),
)  # fmt: skip
BY_KEY = {layer.key: layer for layer in LAYERS}
# The headline's layers, in its order.
HEADLINE = tuple(layer.key for layer in LAYERS if layer.headline)
STORED = tuple(layer.key for layer in LAYERS if layer.stored)


@dataclass(frozen=True)
class Lens:
    """Local offices counted together: the units of its layers (the layers whose ``lens`` is ``key``).

    A lens's covered / total is the sum of its layers' (their units are distinct areas;
    only governing units are counted, ``District.governing``).
    """

    key: str
    label: str
    units_label: str  # how a headline names its units ("school districts")

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(each.key for each in LAYERS if each.lens == self.key)

    @property
    def office(self) -> str:
        """The office (``signups.models.Office``) a would-be candidate chooses to count in this lens's units."""
        return BY_KEY[self.layers[0]].office


LENSES = (
    Lens("school_board", _("School boards"), _("school districts")),
    Lens("council", _("City and town councils"), _("cities and towns")),
    Lens("county", _("County offices"), _("counties")),
)
LENS_BY_KEY = {lens.key: lens for lens in LENSES}
# The local layers, in the lenses' order.
LOCAL = tuple(key for lens in LENSES for key in lens.layers)


def layer(key: str) -> Layer:
    """The layer ``key``; ``KeyError`` for a layer that does not exist (callers validate input first)."""
    return BY_KEY[key]


def layers_asked(params, errors: dict[str, list[str]], *, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The layers a district list or export asks for: ``chamber`` (one layer, any of ``LAYERS``) or
    ``lens`` (a local lens's layers: ``lens=school_board`` is every school district); ``default``
    when neither is given. A bad or doubled value is added to ``errors`` (``{"parameter": [...]}``)."""
    chamber, lens = params.get("chamber") or "", params.get("lens") or ""
    if chamber and lens:
        errors.setdefault("lens", []).append("Give chamber or lens, not both.")
    elif chamber and chamber not in BY_KEY:
        errors.setdefault("chamber", []).append(f"Choose one of {', '.join(BY_KEY)}.")
    elif lens and lens not in LENS_BY_KEY:
        errors.setdefault("lens", []).append(f"Choose one of {', '.join(LENS_BY_KEY)}.")
    elif chamber:
        return (chamber,)
    elif lens:
        return LENS_BY_KEY[lens].layers
    return default

"""The layers of districts coverage is counted in, as data.

A layer is one kind of district (``District.chamber``: congressional, state senate,
state house; counties, municipalities and school districts next). How its people
are found is the only thing the count engine needs to know about it:

* ``stored``: the sign-up's own foreign key to its district of that layer (the
  current maps, resolved when the sign-up was located) — counted in one pass over
  the sign-ups' covering indexes;
* otherwise by location: the sign-ups whose point is inside the district's area
  (GiST-indexed ``ST_Intersects``); also how any layer is counted against a
  vintage other than the current one.

Adding a layer is adding a ``Layer`` here (and its districts in ``districts``),
never a new shape of SQL: the engine (``coverage.engine``) builds every count, list,
summary and tile from this table.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from signups.models import SignUp


@dataclass(frozen=True)
class Layer:
    """One kind of district: ``key`` is its ``District.chamber``."""

    key: str
    label: str
    districts_label: str  # how the headline names its districts
    stored: bool = False  # SignUp has a foreign key named ``key`` to its district of this layer
    headline: bool = False  # counted in the dashboard's headline and summary

    @property
    def signup_column(self) -> str:
        """The sign-ups' column holding the district id (only for a ``stored`` layer)."""
        return SignUp._meta.get_field(self.key).column


LAYERS = (
    Layer("sldl", _("State house"), _("state house districts"), stored=True, headline=True),
    Layer("sldu", _("State senate"), _("state senate districts"), stored=True, headline=True),
    Layer("cd", _("U.S. House"), _("congressional districts"), stored=True, headline=True),
)
BY_KEY = {layer.key: layer for layer in LAYERS}
# The headline's layers, in its order.
HEADLINE = tuple(layer.key for layer in LAYERS if layer.headline)
STORED = tuple(layer.key for layer in LAYERS if layer.stored)


def layer(key: str) -> Layer:
    """The layer ``key``; ``KeyError`` for a layer that does not exist (callers validate input first)."""
    return BY_KEY[key]

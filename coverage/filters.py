"""The filters every coverage view, export, tile and API answer shares.

``CoverageFilters`` is parsed from GET parameters once per request and handed to
the coverage engine (``coverage``); it knows nothing about who is asking (the
engine intersects it with the asker's ``Scope``), so two organizers with the same
query string get equal filters and the same cache keys for the same scope.

GET parameters (all optional; a parameter given empty means "not set"):

``kind``
    ``run`` or ``volunteer``.
``state``
    USPS code; repeat it or separate codes with commas (``state=NY,VT``).
``since`` / ``until``
    ``YYYY-MM-DD``, both inclusive, in the site's time zone (``TIME_ZONE``).
``confirmed``
    ``true``/``1``/``yes``/``on`` for confirmed sign-ups only; ``false``/``0`` for all.
``ballot_line``
    One of ``signups.models.BallotLine`` (``democratic``, ``green`` ...).
``office``
    One of ``signups.models.Office`` (``state_house``, ``us_house`` ...).
``stage``
    One of ``pipeline.models.Stage`` (``new``, ``filed``, ``on_ballot`` ...): the
    would-be candidates at that stage of the pipeline (those without a candidacy
    are ``new``). Like ``office``, it describes running: volunteers stay.
``vintage``
    A loaded boundary vintage: ``CD120`` for Congress, ``2026`` for both state
    chambers (if loaded for both); repeat it for several chambers. The chamber
    is looked up in ``BoundarySet``. Asking for a chamber's current vintage is
    the same as not asking.
    A local layer's vintage is named with its layer, or its lens for all the lens's
    layers loaded in it: ``county:2026``, ``place:2024``, ``school_board:2026``
    (``unsd``, ``elsd`` and ``scsd`` of 2026). A bare year names the chambers' maps only:
    a TIGER year such as 2026 can also be a state legislature's vintage, and asking
    for those maps must not move the counties (nor loading a county file change what
    an old link means).
"""

import dataclasses
import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone

from districts.models import LAYER_CHOICES, BoundarySet, Chamber
from districts.states import BY_USPS
from pipeline.models import Stage
from signups.models import BallotLine, Office

from .layers import LENS_BY_KEY, LOCAL

KINDS = ("run", "volunteer")
TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}
PARAMETERS = ("kind", "state", "since", "until", "confirmed", "ballot_line", "office", "stage", "vintage")


def _getlist(params, name: str) -> list[str]:
    """Every non-empty value of ``name`` in a QueryDict or a plain dict (comma lists split)."""
    if hasattr(params, "getlist"):
        raw = params.getlist(name)
    else:
        value = params.get(name)
        raw = value if isinstance(value, list | tuple) else ([] if value is None else [value])
    values = []
    for item in raw:
        values.extend(part.strip() for part in str(item).split(",") if part.strip())
    return values


def _one(params, name: str, errors: dict) -> str | None:
    values = _getlist(params, name)
    if len(values) > 1:
        errors.setdefault(name, []).append("Give one value.")
        return None
    return values[0] if values else None


def _choice(params, name: str, choices, errors: dict, what: str) -> str | None:
    """One value of ``name`` among ``choices``, or None (with an error for another value)."""
    value = _one(params, name, errors)
    if value is not None and value not in choices:
        errors.setdefault(name, []).append(f"{value!r} is not {what}; choose one of {', '.join(choices)}.")
        return None
    return value


def _dates(params, errors: dict) -> dict:
    """``since`` and ``until`` as dates (None when not given or not a date)."""
    dates = {}
    for name in ("since", "until"):
        value = _one(params, name, errors)
        dates[name] = None
        if value is not None:
            try:
                dates[name] = datetime.date.fromisoformat(value)
            except ValueError:
                errors.setdefault(name, []).append(f"{value!r} is not a date (YYYY-MM-DD).")
    if dates["since"] and dates["until"] and dates["since"] > dates["until"]:
        errors.setdefault("until", []).append("The end date is before the start date.")
    return dates


def _confirmed(params, errors: dict) -> bool:
    confirmed = _one(params, "confirmed", errors)
    if confirmed is None or confirmed.lower() in FALSE_VALUES:
        return False
    if confirmed.lower() in TRUE_VALUES:
        return True
    errors.setdefault("confirmed", []).append(f"Use 'true' or 'false', not {confirmed!r}.")
    return False


@dataclass(frozen=True)
class CoverageFilters:
    """What to count and list. The default (no arguments) is "everyone, current maps".

    ``vintages`` maps a chamber to a non-current vintage to count against; a chamber
    not in it uses its current boundary sets. It is kept sorted by chamber so the
    ``repr`` (used in cache keys) is stable.
    """

    kind: str | None = None
    states: tuple[str, ...] = ()
    since: datetime.date | None = None
    until: datetime.date | None = None
    confirmed_only: bool = False
    ballot_line: str | None = None
    office: str | None = None
    stage: str | None = None
    vintages: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "states", tuple(sorted(set(self.states))))
        object.__setattr__(self, "vintages", dict(sorted(self.vintages.items())))

    def __hash__(self):
        return hash(self.cache_key())

    # --- Parsing and writing back --------------------------------------------

    @classmethod
    def from_query(cls, params) -> tuple["CoverageFilters", dict[str, list[str]]]:
        """Parse GET parameters into filters and errors (``{"parameter": ["message", ...]}``).

        A bad value is reported and left out of the filters (which are still usable,
        so a page can show the error above an unfiltered view); the API answers 400
        when ``errors`` is not empty. Looks up ``BoundarySet`` (one query) only when a
        ``vintage`` is given.
        """
        errors: dict[str, list[str]] = {}

        kind = _one(params, "kind", errors)
        if kind is not None and kind not in KINDS:
            errors.setdefault("kind", []).append(f"Choose 'run' or 'volunteer', not {kind!r}.")
            kind = None

        states = []
        for code in _getlist(params, "state"):
            if code.upper() in BY_USPS:
                states.append(code.upper())
            else:
                errors.setdefault("state", []).append(f"{code!r} is not a USPS state code.")

        dates = _dates(params, errors)
        filters = cls(
            kind=kind,
            states=tuple(states),
            since=dates["since"],
            until=dates["until"],
            confirmed_only=_confirmed(params, errors),
            ballot_line=_choice(params, "ballot_line", BallotLine.values, errors, "a ballot line"),
            office=_choice(params, "office", Office.values, errors, "an office"),
            stage=_choice(params, "stage", Stage.values, errors, "a stage"),
            vintages=cls._parse_vintages(_getlist(params, "vintage"), errors),
        )
        return filters, errors

    @staticmethod
    def _asked_layers(value: str, errors: dict) -> tuple[tuple[str, ...], str] | None:
        """The layers and vintage one ``vintage`` value names: a bare vintage the chambers,
        ``layer:vintage`` or ``lens:vintage`` local layers; None (with an error) for a bad prefix."""
        key, colon, vintage = value.rpartition(":")
        if not colon:
            return tuple(Chamber.values), value
        if key in LOCAL:
            return (key,), vintage
        if key in LENS_BY_KEY:
            return LENS_BY_KEY[key].layers, vintage
        errors.setdefault("vintage", []).append(
            f"{value!r}: name a local layer or lens before the colon ({', '.join((*LOCAL, *LENS_BY_KEY))})."
        )
        return None

    @classmethod
    def _parse_vintages(cls, values: list[str], errors: dict) -> dict[str, str]:
        asked = {value: found for value in values if (found := cls._asked_layers(value, errors))}
        if not asked:
            return {}
        wanted = Q()
        for layers, vintage in asked.values():
            wanted |= Q(vintage=vintage, chamber__in=layers)
        loaded = {}  # (layer, vintage) -> is_current
        for chamber, vintage, is_current in (
            BoundarySet.objects.filter(wanted).values_list("chamber", "vintage", "is_current").distinct()
        ):
            loaded[chamber, vintage] = loaded.get((chamber, vintage), False) or is_current
        labels = dict(LAYER_CHOICES)
        vintages: dict[str, str] = {}
        for value, (layers, vintage) in asked.items():
            found = [(key, loaded[key, vintage]) for key in layers if (key, vintage) in loaded]
            if not found:
                errors.setdefault("vintage", []).append(f"No boundary set of vintage {value!r} is loaded.")
                continue
            for key, is_current in found:
                if key in vintages and vintages[key] != vintage:
                    errors.setdefault("vintage", []).append(
                        f"Two vintages for {labels[key]}: {vintages[key]!r} and {vintage!r}."
                    )
                    continue
                # The current vintage is the default: leaving it out keeps one
                # spelling (and one cache key) per meaning.
                if not is_current:
                    vintages[key] = vintage
        return vintages

    def to_params(self) -> list[tuple[str, str]]:
        """The GET parameters that give these filters back (defaults left out)."""
        params = []
        if self.kind:
            params.append(("kind", self.kind))
        params.extend(("state", code) for code in self.states)
        if self.since:
            params.append(("since", self.since.isoformat()))
        if self.until:
            params.append(("until", self.until.isoformat()))
        if self.confirmed_only:
            params.append(("confirmed", "true"))
        if self.ballot_line:
            params.append(("ballot_line", self.ballot_line))
        if self.office:
            params.append(("office", self.office))
        if self.stage:
            params.append(("stage", self.stage))
        params.extend(("vintage", value) for value in self.vintage_values())
        return params

    def vintage_values(self) -> list[str]:
        """The ``vintage`` parameter's values for these filters: bare for the chambers, each local
        layer's with its layer (``county:2026``)."""
        chambers = [vintage for key, vintage in self.vintages.items() if key not in LOCAL]
        local = [f"{key}:{vintage}" for key, vintage in self.vintages.items() if key in LOCAL]
        return [*dict.fromkeys(chambers), *local]

    def to_query(self) -> str:
        """URL-encoded query string (no leading '?'); ``from_query`` of it gives equal filters."""
        return urlencode(self.to_params())

    def cache_key(self) -> str:
        """A stable string naming these filters, for cache keys."""
        return self.to_query() or "-"

    # --- Helpers for the selectors --------------------------------------------

    def vintage_for(self, chamber: str) -> str | None:
        """The non-current vintage asked for ``chamber``, or None for its current maps."""
        return self.vintages.get(chamber)

    def narrowed_to(self, state: str | None) -> "CoverageFilters":
        """These filters for counting ``state``'s districts: only its people can be in them (a
        sign-up is seen by its state), so narrowing them first keeps the count's scan small."""
        if state is None or (self.states and state not in self.states):
            return self
        return dataclasses.replace(self, states=(state,))

    def created_range(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        """``since``/``until`` as aware datetimes: start of ``since``, start of the day after ``until``."""
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.since, datetime.time.min, tzinfo=tz) if self.since else None
        end = (
            datetime.datetime.combine(self.until + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
            if self.until
            else None
        )
        return start, end

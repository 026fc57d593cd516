"""Who may see what: an organizer's ``Scope``, and the one QuerySet method that applies it.

An organizer sees the supporters, districts, candidacies and nominations of the
states they were given (``User.states``), or of every state (``User.all_states``).
That rule lives here and nowhere else: every page, export, tile, API answer and
admin list asks ``Model.objects.visible_to(scope)`` (``ScopedQuerySet``), and
caches key on ``scope.key()``.

A scope is a plain value, not a user, so the coverage engine can be asked for the
whole country on behalf of nobody (``Scope.everywhere()``: the public coverage
page counts, never lists) and two organizers with the same states share cached
figures. Teams and districts will narrow it further; a new kind of limit is a new
field here and a new line in ``ScopedQuerySet.visible_to``, not a new rule in each
app.
"""

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Scope:
    """The states someone may see: ``all_states``, or exactly ``states`` (USPS codes; empty: none)."""

    states: frozenset[str] = frozenset()
    all_states: bool = False

    @classmethod
    def nothing(cls) -> "Scope":
        """Nobody signed in, an inactive account, an organizer without states: sees nothing."""
        return cls()

    @classmethod
    def everywhere(cls) -> "Scope":
        """Every state (an organizer with all states; counts shown to the public)."""
        return cls(all_states=True)

    @classmethod
    def of(cls, user) -> "Scope":
        """The scope of ``user`` (an organizer, ``AnonymousUser`` or None)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return cls.nothing()
        if user.all_states:
            return cls.everywhere()
        return cls(states=frozenset(user.states or ()))

    def covers(self, state: str) -> bool:
        """Whether the scope includes ``state``."""
        return self.all_states or state in self.states

    def within(self, states) -> list[str]:
        """The codes of ``states`` this scope includes, sorted."""
        return sorted(code for code in states if self.covers(code))

    def q(self, field: str = "state") -> models.Q:
        """A filter on the model's USPS-code ``field`` (``"signup__state"`` through a relation)."""
        if self.all_states:
            return models.Q()
        return models.Q(**{f"{field}__in": sorted(self.states)})

    def key(self) -> str:
        """A string naming the scope, for cache keys: ``all``, ``NY,VT``, or ``-`` for nothing."""
        if self.all_states:
            return "all"
        return ",".join(sorted(self.states)) or "-"


class ScopedQuerySet(models.QuerySet):
    """A QuerySet whose rows belong to a state (``scope_field``), filterable by ``visible_to``."""

    scope_field = "state"

    def visible_to(self, scope: Scope):
        """The rows ``scope`` may see (none for an empty scope, without a query)."""
        if not scope.all_states and not scope.states:
            return self.none()
        return self.filter(scope.q(self.scope_field))

"""The one place where call teams ask "which states may this organizer see?".

Everything in ``calls`` that decides what an organizer may manage goes through
``organizer_states``; today it asks ``organizing.selectors.visible_states``, so
moving the scope to another app (issue 13's ``accounts``) changes this file only.
"""

from organizing.filters import CoverageFilters
from organizing.selectors import visible_states


def organizer_states(user) -> frozenset[str]:
    """USPS codes of the states ``user`` organizes (empty for callers and anonymous users)."""
    return frozenset(visible_states(user=user, filters=CoverageFilters()))


def may_manage(user, states) -> bool:
    """Whether ``user`` organizes every one of ``states`` (so may run a team over them)."""
    mine = organizer_states(user)
    return bool(mine) and set(states) <= mine

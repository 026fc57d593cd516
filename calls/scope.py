"""The one place where call teams ask "which states may this organizer see?".

Everything in ``calls`` that decides what an organizer may manage goes through
``organizer_states``, which asks the organizer's ``Scope`` (``accounts.scope``).
"""

from accounts.scope import Scope
from districts.states import BY_USPS


def organizer_states(user) -> frozenset[str]:
    """USPS codes of the states ``user`` organizes (empty for callers and anonymous users)."""
    return frozenset(Scope.of(user).within(BY_USPS))


def may_manage(user, states) -> bool:
    """Whether ``user`` organizes every one of ``states`` (so may run a team over them)."""
    mine = organizer_states(user)
    return bool(mine) and set(states) <= mine

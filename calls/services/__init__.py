"""Writes of call teams, by what they change:

* ``teams``: teams and their callers (invitations, joining, removal);
* ``queue``: the queue of people to call (its refresh) and the claims handing them out;
* ``outcomes``: what a call achieved, and organizers putting parked people back.

Every service raises ``CallError`` for what a caller or organizer asked that cannot be
done. Import from the module that owns a service (``from calls.services.queue import call_next``).
"""


class CallError(ValueError):
    """Something a caller or organizer asked that cannot be done; the message says why."""

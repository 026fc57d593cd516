"""Writes and side effects of the sign-up flow, by audience:

* ``intake``: the public door (one INSERT per request) and the intake workers' batches;
* ``locating``: placing people and assigning their districts (geocoding);
* ``redistricting``: everyone's districts again after new maps (``reassign_districts``);
* ``confirmation``: what the owner of an email does from our links (confirm, apply held
  changes, unsubscribe);
* ``deletion``: data requests and the intake's retention.

Import from the module that owns a service (``from signups.services.intake import ...``).
"""

"""The session engine (``SESSION_ENGINE``): Django's database sessions, read by SQL written once per process.

Sessions stay in PostgreSQL, written and deleted exactly as Django's ``db`` engine does; only
the read every signed-in request makes is ``accounts.rows.session_row`` instead of an ORM
query compiled each time (about 0.2 ms of Python). Not Redis (``cached_db``): a session
whose delete (a sign-out) reached the database but not an unreachable cache would come back
with the cache, and the database read costs no more than Redis's once it is not compiled.
"""

from django.contrib.sessions.backends import db
from django.utils import timezone

from .rows import session_row


class SessionStore(db.SessionStore):
    """Django's database session, read without the ORM's per-request compiling."""

    def _get_session_from_db(self):
        session = session_row(session_key=self.session_key, now=timezone.now())
        if session is None:
            self._session_key = None  # as Django's engine: a key it does not know is not kept
        return session

"""Authentication backends: Django's and allauth's, each reading the signed-in user's row together
with whether they have a TOTP authenticator (``accounts.access.has_totp``).

Every organizer page asks both (``organizer_required``): the user on the request and their
authenticator. Read in one query (``accounts.rows.user_row``: an ``EXISTS`` beside the row),
the answer is as fresh as the row itself, read again at every request; nothing is remembered
between requests, so an authenticator removed or reset (allauth's pages,
``organizer_totp_reset``) counts from the next request on, as it did with a query of its own.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from .rows import user_row


class TotpReadWithUser:
    """``get_user`` (the request's user, from the session) with its TOTP answer in the same query."""

    def get_user(self, user_id):
        user = user_row(user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)


class ModelBackend(TotpReadWithUser, DjangoModelBackend):
    """Django's ``ModelBackend`` (sessions signed in by ``login()`` without allauth, tests)."""


class AuthenticationBackend(TotpReadWithUser, AllauthBackend):
    """allauth's backend (organizers' logins by email)."""

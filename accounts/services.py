"""Writes about organizers: their accounts, their authenticator, and the audit log of what they were shown.

``organizer_save`` creates or updates an account with its scope (``organizer_email_vouch``
records its address as verified: its login email changes only through allauth's verified
change, ``ACCOUNT_CHANGE_EMAIL``); ``organizer_totp_reset``
gives it a new TOTP authenticator and recovery codes, through allauth's public
parts only (its ``Authenticator`` model and MFA adapter, which encrypts the
secrets as the activation page does), so an allauth upgrade that moves its internal
modules does not break it. ``api_token_create`` and ``api_token_revoke`` make and delete
an organizer's API tokens. ``audit_record`` writes who was shown which supporters' data.
"""

import base64
import datetime
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from .access import has_totp
from .models import ApiToken, AuditEvent, User

# The size of allauth's own TOTP secrets (160 bits, RFC 4226's recommendation).
TOTP_SECRET_BYTES = 20


@transaction.atomic
def organizer_save(
    *, email: str, states: list[str], all_states: bool, password: str | None = None
) -> tuple[User, bool]:
    """Create or update the organizer ``email`` (lower-cased) with this scope; returns (user, created).

    ``states`` are USPS codes already checked by the caller (ignored with ``all_states``).
    Without ``password`` a new account has none (the organizer sets one through
    "Forgot password?"), and an existing one keeps theirs.
    """
    user, created = User.objects.get_or_create(email=User.objects.normalize_email(email).lower())
    user.states = [] if all_states else sorted(set(states))
    user.all_states = all_states
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    if created:
        organizer_email_vouch(user=user)
    return user, created


def organizer_email_vouch(*, user: User) -> None:
    """Record the address an account was created with as its verified, primary email.

    An admin gave it (the organizer proves it theirs with the password-reset link it gets).
    allauth lets an unverified address become primary only while no verified one exists, so
    this is what makes every later change of login email wait for the new address's verification.
    """
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
    )


@dataclass(frozen=True)
class TotpSetup:
    """What a new authenticator app and its recovery codes need: shown once, stored encrypted."""

    secret: str
    url: str
    recovery_codes: list[str]
    replaced: bool


@transaction.atomic
def organizer_totp_reset(*, user: User) -> TotpSetup:
    """Give ``user`` a new TOTP authenticator and new recovery codes, replacing any they had."""
    replaced = Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ).delete()[0]
    adapter = get_adapter()
    secret = base64.b32encode(secrets.token_bytes(TOTP_SECRET_BYTES)).decode("ascii")
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": adapter.encrypt(secret)})
    recovery = Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": adapter.encrypt(secrets.token_hex(40)), "used_mask": 0},
    )
    return TotpSetup(
        secret=secret,
        url=adapter.build_totp_url(user, secret),
        recovery_codes=recovery.wrap().get_unused_codes(),
        replaced=bool(replaced),
    )


def audit_record(
    *,
    user,
    action: str,
    resource: str,
    filters: dict | None = None,
    count: int | None = None,
    fields: list[str] | None = None,
) -> AuditEvent | None:
    """Note that ``user`` was shown supporters' data: ``action`` (an ``AuditEvent.Action``) on
    ``resource`` (a label of keys, never a name), with the parsed ``filters`` and ``count`` people;
    or, for an admin edit, the names of the ``fields`` it changed.

    Nobody signed in, nothing recorded: only a disclosure to an organizer is an event,
    and the callers record after the organizer's access was checked and granted.
    """
    if user is None or not user.is_authenticated:
        return None
    return AuditEvent.objects.create(
        user=user, action=action, resource=resource[:200], filters=filters or {}, count=count, fields=fields or []
    )


class ApiTokenRefused(Exception):
    """A token that may not be made; the message says why, for the organizer."""


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new API token of ``user`` called ``name``, working ``days`` days (at most and by default
    ``API_TOKEN_DAYS``); returns the row and the key, which is shown once and stored only hashed.

    Refused to an inactive organizer and to one without a TOTP authenticator: a token reads
    the same people as the organizer's pages, which need TOTP, so a password alone must not
    be able to make one.
    """
    if not user.is_active:
        raise ApiTokenRefused(_("This account is not active."))
    if not has_totp(user):
        raise ApiTokenRefused(_("Set up an authenticator app (TOTP) before making an API token."))
    days = min(days or settings.API_TOKEN_DAYS, settings.API_TOKEN_DAYS)
    return ApiToken.objects.create(user=user, name=name.strip()[:100], expiry=datetime.timedelta(days=days))


def api_token_revoke(*, user: User, digest: str) -> bool:
    """Delete ``user``'s token ``digest`` (it stops working at once); False when they have no such token,
    whoever else's it may be."""
    return ApiToken.objects.filter(user=user, digest=digest).delete()[0] > 0

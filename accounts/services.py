"""Writes about organizers: their accounts, their authenticator, and the audit log of what they were shown.

``organizer_save`` creates or updates an account with its scope (``organizer_email_vouch``
records its address as verified: its login email changes only through allauth's verified
change, ``ACCOUNT_CHANGE_EMAIL``); ``organizer_totp_reset``
gives it a new TOTP authenticator and recovery codes, through allauth's public
parts only (its ``Authenticator`` model and MFA adapter, which encrypts the
secrets as the activation page does), so an allauth upgrade that moves its internal
modules does not break it. ``audit_record`` writes who was shown which supporters' data.
"""

import base64
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.db import transaction

from .models import AuditEvent, User

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
    *, user, action: str, resource: str, filters: dict | None = None, count: int | None = None
) -> AuditEvent | None:
    """Note that ``user`` was shown supporters' data: ``action`` (an ``AuditEvent.Action``) on
    ``resource`` (a label of keys, never a name), with the parsed ``filters`` and ``count`` people.

    Nobody signed in, nothing recorded: only a disclosure to an organizer is an event,
    and the callers record after the organizer's access was checked and granted.
    """
    if user is None or not user.is_authenticated:
        return None
    return AuditEvent.objects.create(
        user=user, action=action, resource=resource[:200], filters=filters or {}, count=count
    )

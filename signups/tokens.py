"""Signed, expiring tokens for email links. They carry a primary key only (a sign-up's, or a held
change's): no personal data."""

from django.core import signing

CONFIRM_SALT = "signups.confirm"
UNSUBSCRIBE_SALT = "signups.unsubscribe"
CHANGE_SALT = "signups.change"
NOMINATION_SALT = "pipeline.nomination"  # a nominator confirming their email (pipeline's links use these tokens too)
CONFIRM_MAX_AGE = 60 * 60 * 24 * 30  # a month to click the confirmation link
UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 365 * 2  # unsubscribe links in old emails keep working
CHANGE_MAX_AGE = 60 * 60 * 24 * 7  # as long as a held change lives (SIGNUP_PENDING_CHANGE_DAYS)
NOMINATION_MAX_AGE = 60 * 60 * 24 * 7  # a week to confirm a nomination; after that it never sends anything


def make_token(pk: int, salt: str) -> str:
    return signing.dumps(pk, salt=salt, compress=False)


def read_token(token: str, salt: str, max_age: int) -> int | None:
    """The primary key in a valid token, or None for a forged, damaged or expired one."""
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None

"""Signed, expiring tokens for email links. They carry a sign-up's primary key only: no personal data."""

from django.core import signing

CONFIRM_SALT = "signups.confirm"
UNSUBSCRIBE_SALT = "signups.unsubscribe"
CONFIRM_MAX_AGE = 60 * 60 * 24 * 30  # a month to click the confirmation link
UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 365 * 2  # unsubscribe links in old emails keep working


def make_token(signup_id: int, salt: str) -> str:
    return signing.dumps(signup_id, salt=salt, compress=False)


def read_token(token: str, salt: str, max_age: int) -> int | None:
    """The sign-up id in a valid token, or None for a forged, damaged or expired one."""
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None

"""The caller invitation email, in the language the caller was invited in.

Sent like the pipeline's emails (a Celery task after commit, once, guarded by a
claim on ``TeamMember.invitation_sent_at``); when the project's single email outbox
lands (issue 11), this is the one place to move onto it.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import TeamMember

INVITATION_SALT = "calls.invitation"
INVITATION_MAX_AGE = 14 * 24 * 3600


def invitation_token(member: TeamMember) -> str:
    """A signed token naming the membership (its key only, no email), for the invitation link."""
    return signing.dumps(member.pk, salt=INVITATION_SALT)


def invitation_member_id(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def invitation_message(member: TeamMember) -> EmailMultiAlternatives:
    with translation.override(member.language):
        url = settings.SITE_URL.rstrip("/") + reverse("calls:join", args=[invitation_token(member)])
        context = {"team": member.team, "join_url": url}
        subject = render_to_string("emails/caller_invitation_subject.txt", context).strip()
        body = render_to_string("emails/caller_invitation.txt", context)
    return EmailMultiAlternatives(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[member.user.email]
    )

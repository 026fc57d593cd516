"""The caller invitation email, in the language the caller was invited in.

Sent through the project's one outbox (``signups.outbox``, kind ``caller_invitation``):
a row written with the membership, sent once, retried and swept like every email.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

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


def render_invitation(member_id: int) -> EmailMultiAlternatives | None:
    """The invitation, unless the caller was taken off the team before it left."""
    member = TeamMember.objects.select_related("team", "user").filter(pk=member_id, removed_at__isnull=True).first()
    return invitation_message(member) if member else None


def invitation_sent(member_id: int) -> None:
    TeamMember.objects.filter(pk=member_id).update(invitation_sent_at=timezone.now())

"""Emails of the pipeline, each in its recipient's language, rendered for the outbox
(``signups.outbox``) from the row they are about; None when there is nothing left to send."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from signups.models import SignUp
from signups.tokens import NOMINATION_SALT, make_token

from .models import Introduction, Nomination


def _message(template: str, context: dict, to: str, language: str) -> EmailMultiAlternatives:
    with translation.override(language):
        context = context | {"site_url": settings.SITE_URL.rstrip("/")}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"emails/{template}.txt", context)
    return EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])


def introduction_messages(introduction: Introduction) -> list[EmailMultiAlternatives]:
    """One email to the candidate about the volunteer, one to the volunteer about the candidate."""
    candidate, volunteer = introduction.candidate, introduction.volunteer
    return [
        _message(
            "introduction",
            {"you": candidate, "other": volunteer, "role": "volunteer"},
            candidate.email,
            candidate.language,
        ),
        _message(
            "introduction",
            {"you": volunteer, "other": candidate, "role": "candidate"},
            volunteer.email,
            volunteer.language,
        ),
    ]


def invitation_message(nomination: Nomination) -> EmailMultiAlternatives:
    """The nominee's invitation: our own words, the nominator's name (letters only, its email
    confirmed) and the district. Never the reason: what a stranger typed is for organizers only."""
    with translation.override(nomination.language):
        run_url = settings.SITE_URL.rstrip("/") + reverse("signups:run")
    context = {"nomination": nomination, "district": nomination.district_name, "run_url": run_url}
    return _message("nomination_invitation", context, nomination.nominee_email, nomination.language)


def render_nomination_confirmation(nomination_id: int) -> EmailMultiAlternatives | None:
    """The nominator's link to confirm their nomination (no text they typed); None once confirmed or deleted."""
    nomination = Nomination.objects.filter(pk=nomination_id, confirmed_at__isnull=True).first()
    if nomination is None:
        return None
    with translation.override(nomination.language):
        confirm_url = settings.SITE_URL.rstrip("/") + reverse(
            "pipeline:confirm", args=[make_token(nomination.pk, NOMINATION_SALT)]
        )
    return _message(
        "nomination_confirmation", {"confirm_url": confirm_url}, nomination.nominator_email, nomination.language
    )


def _introduction(introduction_id: int) -> Introduction | None:
    """The introduction, if both people may still be introduced (not unsubscribed since)."""
    introduction = Introduction.objects.select_related("candidate", "volunteer").filter(pk=introduction_id).first()
    if introduction is None or not (
        introduction.candidate.may_be_introduced and introduction.volunteer.may_be_introduced
    ):
        return None
    return introduction


def render_introduction_to_candidate(introduction_id: int) -> EmailMultiAlternatives | None:
    introduction = _introduction(introduction_id)
    return introduction_messages(introduction)[0] if introduction else None


def render_introduction_to_volunteer(introduction_id: int) -> EmailMultiAlternatives | None:
    introduction = _introduction(introduction_id)
    return introduction_messages(introduction)[1] if introduction else None


def introduction_emailed(introduction_id: int) -> None:
    """Stamp ``emailed_at`` once the second of its two emails has left."""
    from signups.models import OutboxEmail

    keys = [f"introduction_to_candidate:{introduction_id}", f"introduction_to_volunteer:{introduction_id}"]
    if not OutboxEmail.objects.filter(key__in=keys, sent_at__isnull=True).exists():
        Introduction.objects.filter(pk=introduction_id, emailed_at__isnull=True).update(emailed_at=timezone.now())


def render_nomination_invitation(nomination_id: int) -> EmailMultiAlternatives | None:
    """The nominee's invitation, unless the nomination was deleted (or never confirmed) or the
    nominee has signed up since."""
    nomination = (
        Nomination.objects.confirmed()
        .select_related("cd", "sldu", "sldl")
        .filter(pk=nomination_id)
        .exclude(nominee_email="")
        .first()
    )
    if nomination is None or SignUp.objects.with_email(nomination.nominee_email).exists():
        return None
    return invitation_message(nomination)


def nomination_invited(nomination_id: int) -> None:
    Nomination.objects.filter(pk=nomination_id).update(invitation_sent_at=timezone.now())

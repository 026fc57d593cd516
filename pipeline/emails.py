"""Emails of the pipeline, each in its recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

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
    with translation.override(nomination.language):
        run_url = settings.SITE_URL.rstrip("/") + reverse("signups:run")
    context = {"nomination": nomination, "run_url": run_url}
    return _message("nomination_invitation", context, nomination.nominee_email, nomination.language)

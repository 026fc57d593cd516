"""The emails a supporter receives, rendered in their language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import SignUp
from .tokens import CONFIRM_SALT, UNSUBSCRIBE_SALT, make_token


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def confirmation_message(signup: SignUp) -> EmailMultiAlternatives:
    """Double opt-in email with a confirmation link and one-click unsubscribe headers."""
    with translation.override(signup.language):
        confirm_url = _absolute(reverse("signups:confirm", args=[make_token(signup.pk, CONFIRM_SALT)]))
        unsubscribe_url = _absolute(reverse("signups:unsubscribe", args=[make_token(signup.pk, UNSUBSCRIBE_SALT)]))
        context = {"signup": signup, "confirm_url": confirm_url, "unsubscribe_url": unsubscribe_url}
        subject = render_to_string("emails/signup_confirmation_subject.txt", context).strip()
        text = render_to_string("emails/signup_confirmation.txt", context)
        html = render_to_string("emails/signup_confirmation.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[signup.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            # RFC 8058: mail clients may unsubscribe with a single POST.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message

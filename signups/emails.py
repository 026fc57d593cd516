"""The emails a supporter receives, rendered in their language, and how they leave.

Every email goes through the outbox (``signups.outbox``); this module renders the
sign-up flow's own kinds from a row's ``object_id`` (``render_confirmation``,
``render_change_confirmation``, registered in ``SignupsConfig.ready``) and holds the
one way any message is sent (``send``: a kept SMTP connection per worker process).
"""

import contextlib
import logging
import threading

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import PendingChange, SignUp
from .tokens import CHANGE_SALT, CONFIRM_SALT, UNSUBSCRIBE_SALT, make_token

logger = logging.getLogger(__name__)

# This thread's open connection to the mail server (a worker process sends from one thread).
_local = threading.local()


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


def render_confirmation(signup_id: int) -> EmailMultiAlternatives | None:
    """The double opt-in email, unless the person confirmed, unsubscribed or was deleted meanwhile."""
    signup = SignUp.objects.filter(pk=signup_id, confirmed_at__isnull=True, unsubscribed_at__isnull=True).first()
    return confirmation_message(signup) if signup is not None else None


def confirmation_sent(signup_id: int) -> None:
    SignUp.objects.filter(pk=signup_id).update(confirmation_sent_at=timezone.now())


# How each field a change may hold is named in the email (the form's own labels).
def change_rows(pending: PendingChange) -> list[tuple[str, str]]:
    from .forms import RunForm, VolunteerForm

    labels = {name: f.label for form in (RunForm, VolunteerForm) for name, f in form.base_fields.items()}
    labels |= {"wants_to_run": _("Run for office"), "wants_to_volunteer": _("Volunteer"), "lat": _("Map location")}
    choices = {
        name: dict(f.choices)
        for form in (RunForm, VolunteerForm)
        for name, f in form.base_fields.items()
        if hasattr(f, "choices")
    }
    rows = []
    for name, value in pending.changes.items():
        if name == "lng":
            continue
        if name == "lat":
            value = f"{pending.changes['lat']:.5f}, {pending.changes['lng']:.5f}"
        elif isinstance(value, bool):
            value = _("Yes") if value else _("No")
        elif isinstance(value, list):
            value = ", ".join(str(choices.get(name, {}).get(v, v)) for v in value)
        else:
            value = str(choices.get(name, {}).get(value, value))
        rows.append((str(labels.get(name, name)), value))
    return rows


def render_change_confirmation(pending_change_id: int) -> EmailMultiAlternatives | None:
    """The email asking the owner to confirm held changes (fields and new values), in their
    language; None once the change was applied, expired or its person deleted."""
    pending = (
        PendingChange.objects.select_related("signup")
        .filter(pk=pending_change_id, expires_at__gt=timezone.now())
        .first()
    )
    if pending is None:
        return None
    signup = pending.signup
    with translation.override(signup.language):
        review_url = _absolute(reverse("signups:change", args=[make_token(pending.pk, CHANGE_SALT)]))
        unsubscribe_url = _absolute(reverse("signups:unsubscribe", args=[make_token(signup.pk, UNSUBSCRIBE_SALT)]))
        context = {"rows": change_rows(pending), "review_url": review_url, "unsubscribe_url": unsubscribe_url}
        subject = render_to_string("emails/change_confirmation_subject.txt", context).strip()
        text = render_to_string("emails/change_confirmation.txt", context)
    return EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[signup.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def send(message: EmailMessage) -> None:
    """Send ``message`` over this worker process's connection to the mail server, opened on first use.

    A connection per message (connect, EHLO, QUIT) costs about as much as the message
    itself (bench/RESULTS.md, email drain), so it stays open between messages. A kept
    connection can have died meanwhile (the server closed it while idle, or
    restarted): on an error over a kept connection it is dropped and the message
    goes once more over a new one. An error over a new connection is raised: the
    caller gives its claim back and the task retries, so a broken connection delays
    an email but never loses or doubles it (as before, a message is only counted
    sent once the server has answered 250).
    """
    kept = getattr(_local, "connection", None) is not None
    try:
        _send(message)
    except OSError as exc:  # smtplib's errors are OSErrors
        _forget_connection()
        if not kept:
            raise
        logger.info("mail connection lost (%s); sending again over a new one", exc.__class__.__name__)
        try:
            _send(message)
        except OSError:
            _forget_connection()
            raise


def _send(message: EmailMessage) -> None:
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = get_connection()
        connection.open()  # raises when the server cannot be reached
        _local.connection = connection
    message.connection = connection
    message.send()


def _forget_connection() -> None:
    connection = getattr(_local, "connection", None)
    _local.connection = None
    if connection is not None:
        with contextlib.suppress(OSError):  # QUIT on a dead connection: it is gone either way
            connection.close()


def _email_setting_changed(*, setting: str, **kwargs) -> None:
    # Tests point the mail settings at another server: the kept connection is to the old one.
    if setting.startswith("EMAIL_"):
        _forget_connection()


setting_changed.connect(_email_setting_changed)

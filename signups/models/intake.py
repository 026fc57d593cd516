"""The intake in front of people, and the one outbox of email.

A public sign-up is stored as one ``Submission`` row and nothing else; intake workers
turn submissions into people later, in batches (pruned rows leave ``SubmissionTally``
counts). What a submission would change about a person already known is held in a
``PendingChange`` until the owner confirms it. Every email leaves through ``OutboxEmail``.
"""

from django.contrib.gis.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .people import EmailQuerySet, Language, SignUp


class Kind(models.TextChoices):
    RUN = "run", _("Run for office")
    VOLUNTEER = "volunteer", _("Volunteer")


class Source(models.TextChoices):
    FORM = "form", "HTML form"
    API = "api", "JSON API"
    PARTNER = "partner", "Partner site (JSON API with a key)"


class Outcome(models.TextChoices):
    CREATED = "created", "New person created"
    CHANGE_HELD = "change_held", "Changes held for the owner to confirm"
    UNCHANGED = "unchanged", "Nothing new"
    FAILED = "failed", "Could not be applied (logged; kept for a developer to look at)"


# What a submission's ``data`` may carry, by group (the intake and the change confirmation read them).
PERSON_FIELDS = ("first_name", "last_name", "phone", "street", "city", "state", "zip")
ADDRESS_FIELDS = ("street", "city", "state", "zip")
RUN_FIELDS = ("offices", "timeframe", "ballot_line", "statement", "experience")
VOLUNTEER_FIELDS = ("skills", "hours_per_week", "help_scope")
KIND_FIELDS = {"run": ("wants_to_run", RUN_FIELDS), "volunteer": ("wants_to_volunteer", VOLUNTEER_FIELDS)}
CONSENT_FIELDS = ("consent_email", "consent_sms")
# What a submission may carry besides email, kind, language and location.
SUBMITTED_FIELDS = (*PERSON_FIELDS, *CONSENT_FIELDS, *RUN_FIELDS, *VOLUNTEER_FIELDS)


class SubmissionQuerySet(EmailQuerySet):
    def pending(self):
        return self.filter(processed_at__isnull=True)


class Submission(models.Model):
    """One public sign-up as it arrived (the intake table, and the intake's outbox).

    Storing it is the request's only database write. ``processed_at`` null means an
    intake worker has still to apply it; processing it again after a crash changes
    nothing twice (it runs in one transaction with the row's ``processed_at``).
    Processed rows are pruned after ``SIGNUP_INTAKE_RETENTION_DAYS``, leaving counts
    in ``SubmissionTally``.
    """

    kind = models.CharField(max_length=10, choices=Kind.choices, help_text="What the person signed up for.")
    email = models.EmailField(max_length=254, help_text="Address as submitted, lower-cased.")
    data = models.JSONField(
        help_text="The validated fields of the person and of the kind (names, phone, address, answers), "
        "without email and location."
    )
    lat = models.FloatField(null=True, blank=True, help_text="Latitude of the submitted map point, if any.")
    lng = models.FloatField(null=True, blank=True, help_text="Longitude of the submitted map point, if any.")
    language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.EN, help_text="Language the form was filled in."
    )
    source = models.CharField(max_length=10, choices=Source.choices, help_text="Where the submission came from.")
    partner = models.CharField(max_length=50, blank=True, help_text="Partner site's name (partner submissions).")
    received_at = models.DateTimeField(default=timezone.now, help_text="When the request came in.")
    processed_at = models.DateTimeField(
        null=True, blank=True, help_text="When an intake worker applied it; null while still to do."
    )
    outcome = models.CharField(
        max_length=12, choices=Outcome.choices, blank=True, help_text="What processing did; blank until processed."
    )
    signup = models.ForeignKey(
        SignUp,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
        help_text="The person it was applied to (set when processed).",
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        indexes = [
            # What the intake workers claim: only the rows still to do, in arrival order.
            models.Index(fields=["id"], name="submission_pending", condition=models.Q(processed_at__isnull=True)),
            # Data requests find a person's submissions by address.
            models.Index(Lower("email"), name="submission_email"),
            models.Index(fields=["processed_at"], name="submission_processed"),
        ]

    def __str__(self):
        return f"Submission {self.pk}"

    @property
    def location(self) -> tuple[float, float] | None:
        return (self.lat, self.lng) if self.lat is not None and self.lng is not None else None


class SubmissionTally(models.Model):
    """How many submissions a day came in, by source, kind and outcome: what pruning keeps."""

    day = models.DateField(help_text="Day the submissions were received (UTC).")
    source = models.CharField(max_length=10, choices=Source.choices, help_text="Where they came from.")
    kind = models.CharField(max_length=10, choices=Kind.choices, help_text="What they signed up for.")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, help_text="What processing did.")
    count = models.PositiveIntegerField(default=0, help_text="Number of submissions pruned into this row.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "source", "kind", "outcome"], name="submission_tally_once"),
        ]

    def __str__(self):
        return f"{self.day} {self.source} {self.kind} {self.outcome}: {self.count}"


class PendingChange(models.Model):
    """Changes to a person that someone submitted with their email, held until the owner confirms.

    One per person: later submissions coalesce into it (the newest value of each field
    wins). It is applied only when the owner presses the button on the page the
    change-confirmation email links to, and it expires ``PENDING_CHANGE_DAYS`` after
    the latest submission.
    """

    signup = models.OneToOneField(
        SignUp, on_delete=models.CASCADE, related_name="pending_change", help_text="The person the changes are for."
    )
    changes = models.JSONField(
        help_text="Field name -> new value, e.g. {'phone': '+12125550100', 'wants_to_volunteer': true}; "
        "'lat'/'lng' for a new map point."
    )
    revision = models.PositiveIntegerField(
        default=1, help_text="Bumped by every submission that changes the held values; the page posts it back."
    )
    emailed_revision = models.PositiveIntegerField(
        default=0, help_text="The revision the latest change-confirmation email was queued for (0: none yet)."
    )
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the latest change-confirmation email was queued (one an hour at most)."
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="First submission held.")
    updated_at = models.DateTimeField(auto_now=True, help_text="Latest submission held.")
    expires_at = models.DateTimeField(help_text="After this the held changes are dropped unconfirmed.")

    def __str__(self):
        return f"Pending change {self.pk}"


class OutboxEmail(models.Model):
    """One email to send: every kind (confirmation, change confirmation, introductions,
    nomination invitations) goes through this table (``signups.outbox``).

    Written in the transaction that decides the email; a worker claims it (a claim older
    than ``EMAIL_CLAIM_TIMEOUT`` belongs to a dead worker), sends it outside any row lock,
    and stamps ``sent_at`` once the mail server has answered 250. The row names what the
    email is about by kind and primary key only; its text is rendered when it is sent.
    """

    kind = models.CharField(max_length=40, help_text="Registered kind (signups.outbox.register), e.g. 'confirmation'.")
    object_id = models.BigIntegerField(help_text="Primary key of the row the email is about (its kind says which).")
    key = models.CharField(
        max_length=100,
        unique=True,
        help_text="What makes the email unique, e.g. 'confirmation:42': the same email is never queued twice.",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the email was decided.")
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was last handed to Celery; null while still to hand over."
    )
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker took it; a claim older than the timeout is taken over."
    )
    attempts = models.PositiveIntegerField(default=0, help_text="How many times a worker has tried to send it.")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the mail server accepted it (250).")
    dropped_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it was found to have nothing left to send (person deleted or unsubscribed, nominee signed up).",
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_unsent",
                condition=models.Q(sent_at__isnull=True, dropped_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.kind} email {self.pk}"

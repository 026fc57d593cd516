"""From sign-up to ballot: candidacies and their stages, introductions, nominations.

Depends on ``signups`` and ``districts``; the organizer side (``organizing``)
reads it for its second coverage lens (filed / on the ballot).
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.scope import ScopedQuerySet
from districts.models import District
from districts.states import STATE_CHOICES
from signups.models import SignUp, Skill


class Stage(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    INTERESTED = "interested", _("Interested")
    TRAINING = "training", _("In training")
    FILED = "filed", _("Filed")
    ON_BALLOT = "on_ballot", _("On the ballot")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Stages in which a candidate is formally in the race: the second coverage lens.
FILED_STAGES = (Stage.FILED, Stage.ON_BALLOT, Stage.WON, Stage.LOST)


class CandidacyQuerySet(ScopedQuerySet):
    scope_field = "signup__state"  # a candidacy is in its candidate's state

    def active(self):
        return self.exclude(stage=Stage.WITHDRAWN)

    def filed(self):
        return self.filter(stage__in=FILED_STAGES)


class Candidacy(models.Model):
    """Where a would-be candidate stands on the way to the ballot, and who looks after them."""

    signup = models.OneToOneField(
        SignUp, on_delete=models.CASCADE, related_name="candidacy", help_text="The sign-up of the person running."
    )
    stage = models.CharField(
        max_length=12, choices=Stage.choices, default=Stage.NEW, help_text="Current stage on the way to the ballot."
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidacies",
        help_text="Organizer responsible for this candidate.",
    )
    notes = models.TextField(blank=True, max_length=10_000, help_text="Organizers' notes.")
    tags = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, help_text="Free labels, e.g. 'needs-treasurer'."
    )
    skills_wanted = ArrayField(
        models.CharField(max_length=20, choices=Skill.choices),
        default=list,
        blank=True,
        help_text="Volunteer skills the candidate asks for; used to rank matches.",
    )
    next_step_on = models.DateField(null=True, blank=True, help_text="When the next step is due.")
    updated_at = models.DateTimeField(auto_now=True, help_text="Last change.")

    objects = CandidacyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "candidacies"
        indexes = [models.Index(fields=["stage"])]

    def __str__(self):
        return f"Candidacy of sign-up {self.signup_id}"


class StageChange(models.Model):
    """One move of a candidacy from a stage to another: who made it and when."""

    candidacy = models.ForeignKey(
        Candidacy, on_delete=models.CASCADE, related_name="history", help_text="The candidacy that moved."
    )
    from_stage = models.CharField(
        max_length=12, choices=Stage.choices, blank=True, help_text="Stage before; blank for the first."
    )
    to_stage = models.CharField(max_length=12, choices=Stage.choices, help_text="Stage after.")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Organizer who made the change.",
    )
    changed_at = models.DateTimeField(auto_now_add=True, help_text="When.")
    note = models.CharField(max_length=500, blank=True, help_text="Why, in a few words.")

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.from_stage or '-'} -> {self.to_stage}"


class IntroductionQuerySet(ScopedQuerySet):
    scope_field = "candidate__state"

    def visible_to(self, scope):
        """An introduction shows both people: visible when the scope includes both their states."""
        return super().visible_to(scope).filter(scope.q("volunteer__state"))


class Introduction(models.Model):
    """An organizer put a volunteer in touch with a candidate; both were emailed once."""

    candidate = models.ForeignKey(
        SignUp, on_delete=models.CASCADE, related_name="introductions_as_candidate", help_text="The candidate."
    )
    volunteer = models.ForeignKey(
        SignUp, on_delete=models.CASCADE, related_name="introductions_as_volunteer", help_text="The volunteer."
    )
    introduced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text="Organizer who made the introduction.",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When it was made.")
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When both emails left; null while still to send."
    )

    objects = IntroductionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "volunteer"], name="introduction_once_per_pair"),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"Introduction {self.pk}"


class NominationQuerySet(ScopedQuerySet):
    def confirmed(self):
        """Nominations whose nominator confirmed their own email: the only ones that count."""
        return self.filter(confirmed_at__isnull=False)

    def naming(self, email: str):
        """Nominations made by, or naming as nominee, the person with this email (any case)."""
        return self.filter(models.Q(nominator_email__iexact=email) | models.Q(nominee_email__iexact=email))


# At most one invitation per nominee in this time (``Nomination.invitation_window``).
INVITATION_INTERVAL_DAYS = 30


class Nomination(models.Model):
    """A supporter suggested someone to run in their district.

    Nothing is sent to the nominee until the nominator confirmed their own email (a
    button on the page our confirmation email links to); the nominee then gets one
    invitation from our own template, and no other within ``INVITATION_INTERVAL_DAYS``.
    """

    nominator_name = models.CharField(max_length=200, help_text="Who nominated.")
    nominator_email = models.EmailField(help_text="How to reach the nominator.")
    nominee_name = models.CharField(max_length=200, help_text="Who should run.")
    nominee_email = models.EmailField(blank=True, help_text="The nominee's email, if known.")
    nominee_phone = models.CharField(max_length=20, blank=True, help_text="The nominee's phone, if known.")
    street = models.CharField(max_length=200, blank=True, help_text="Address in the district (street).")
    city = models.CharField(max_length=100, blank=True, help_text="City.")
    state = models.CharField(max_length=2, choices=STATE_CHOICES, help_text="USPS code of the state.")
    zip = models.CharField(max_length=5, help_text="ZIP code in the district.")
    reason = models.TextField(
        max_length=2000, blank=True, help_text="Why this person should run; for organizers only, never mailed."
    )
    location = models.PointField(srid=4326, null=True, blank=True, help_text="Where the district was found.")
    cd = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Congressional district.",
    )
    sldu = models.ForeignKey(
        District, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="State senate district."
    )
    sldl = models.ForeignKey(
        District, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="State house district."
    )
    language = models.CharField(max_length=2, default="en", help_text="Language of the invitation.")
    confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the nominator confirmed their email (pressed the button); null: nothing is sent.",
    )
    invitation_window = DateTimeRangeField(
        null=True,
        blank=True,
        help_text="From when the invitation was queued, the days no other invitation goes to this nominee; "
        "null: none queued for this nomination.",
    )
    invitation_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the invitation left; null while still to send."
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the nomination came in.")

    objects = NominationQuerySet.as_manager()

    class Meta:
        constraints = [
            # The same person nominating the same nominee twice is one nomination, once confirmed:
            # an unconfirmed one (perhaps typed by someone else with that address) blocks nothing.
            models.UniqueConstraint(
                Lower("nominator_email"),
                Lower("nominee_email"),
                name="nomination_once_per_pair",
                condition=~models.Q(nominee_email="") & models.Q(confirmed_at__isnull=False),
            ),
            # One invitation per nominee per INVITATION_INTERVAL_DAYS, however many nominate them
            # and however the requests race: no two windows of one address overlap.
            ExclusionConstraint(
                name="nomination_invitation_interval",
                expressions=[
                    (Lower("nominee_email"), RangeOperators.EQUAL),
                    ("invitation_window", RangeOperators.OVERLAPS),
                ],
                condition=models.Q(invitation_window__isnull=False),
            ),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"Nomination {self.pk}"

    @property
    def district_name(self) -> str:
        """The narrowest district found for it (state house, else senate, else congressional), or ""."""
        district = self.sldl or self.sldu or self.cd
        return district.name if district else ""

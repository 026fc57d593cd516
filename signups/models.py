"""Supporters who offered to run for office, to volunteer, or both, and the intake in front of them.

A public sign-up (form or JSON API) is stored as one ``Submission`` row and nothing
else; intake workers (``manage.py run_intake``) turn submissions into people later, in
batches. One ``SignUp`` row per person (keyed by email). A submission for an email we
already know never changes that person: what would change is held in a
``PendingChange`` until the owner confirms it from their mailbox. Every email leaves
through one outbox (``OutboxEmail``): a row written in the transaction that decides
the email, sent by a worker, re-queued by one sweeper.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import ScopedQuerySet
from districts.models import LAYERS, District
from districts.states import STATE_CHOICES


class Office(models.TextChoices):
    SCHOOL_BOARD = "school_board", _("School board")
    CITY_COUNCIL = "city_council", _("City or town council")
    COUNTY = "county", _("County office")
    STATE_HOUSE = "state_house", _("State house")
    STATE_SENATE = "state_senate", _("State senate")
    US_HOUSE = "us_house", _("U.S. House")
    OTHER = "other", _("Other")


class Timeframe(models.TextChoices):
    NEXT = "next", _("The next election")
    AFTER = "after", _("The one after")
    LATER = "later", _("Later")


class BallotLine(models.TextChoices):
    DEMOCRATIC = "democratic", _("Democratic primary")
    INDEPENDENT = "independent", _("Independent")
    GREEN = "green", _("Green")
    WORKING_FAMILIES = "working_families", _("Working Families")
    OTHER = "other", _("Other")
    UNDECIDED = "undecided", _("Undecided")


class Skill(models.TextChoices):
    CANVASSING = "canvassing", _("Canvassing")
    PHONE_TEXT = "phone_text", _("Phone and text banking")
    FUNDRAISING = "fundraising", _("Fundraising")
    DATA = "data", _("Data")
    DIGITAL = "digital", _("Digital and social media")
    DESIGN = "design", _("Graphic design")
    LEGAL = "legal", _("Legal and ballot access")
    EVENTS = "events", _("Hosting events")


class HelpScope(models.TextChoices):
    OWN_DISTRICT = "own_district", _("Only in my own district")
    ANYWHERE = "anywhere", _("Anywhere")


class LocationQuality(models.TextChoices):
    EXACT = "exact", _("Exact point given")
    STREET = "street", _("Street address matched")
    ZIP = "zip", _("ZIP code centre")
    AMBIGUOUS = "ambiguous", _("ZIP code spans several districts")
    NONE = "none", _("Not located")


class Language(models.TextChoices):
    EN = "en", "English"
    ES = "es", "Español"


# The layers a sign-up is assigned to, one foreign key each (``SignUp.cd`` ... ``SignUp.scsd``).
DISTRICT_LAYERS = tuple(LAYERS)


def _district_key(layer: str, help_text: str) -> models.ForeignKey:
    return models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=f"{layer}_signups",
        help_text=help_text,
    )


class SignUpQuerySet(ScopedQuerySet):
    def with_email(self, email: str):
        """The sign-up of an email, any case, through the LOWER(email) unique index.

        (``email__iexact`` compiles to UPPER(...) and would scan the whole table.)
        """
        return self.alias(email_lower=Lower("email")).filter(email_lower=(email or "").strip().lower())

    def runners(self):
        return self.filter(wants_to_run=True)

    def with_districts(self):
        """With the unit of every layer (``DISTRICT_LAYERS``) in the same query, without their areas
        and source attributes: what a list or a card shows of them, not megabytes of polygons."""
        return self.select_related(*DISTRICT_LAYERS).defer(
            *(f"{layer}__{field}" for layer in DISTRICT_LAYERS for field in ("geometry", "attributes"))
        )

    def volunteers(self):
        return self.filter(wants_to_volunteer=True)

    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def awaiting_location(self):
        return self.filter(located_at__isnull=True)


class SignUp(models.Model):
    """A person who offered to run for office, to help candidates, or both."""

    # --- Person -----------------------------------------------------------
    email = models.EmailField(max_length=254, help_text="Contact address; one sign-up per address (case-insensitive).")
    first_name = models.CharField(max_length=100, help_text="Given name as typed by the supporter.")
    last_name = models.CharField(max_length=100, help_text="Family name as typed by the supporter.")
    phone = models.CharField(max_length=20, blank=True, help_text="US phone number, digits only with country code.")
    street = models.CharField(max_length=200, blank=True, help_text="Street address; blank when only a ZIP was given.")
    city = models.CharField(max_length=100, blank=True, help_text="City or town.")
    state = models.CharField(max_length=2, choices=STATE_CHOICES, help_text="USPS code of the home state.")
    zip = models.CharField(max_length=5, help_text="Five-digit ZIP code of the home address.")
    language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.EN, help_text="Language for emails and pages."
    )
    consent_email = models.BooleanField(default=False, help_text="Agreed to receive campaign email.")
    consent_sms = models.BooleanField(default=False, help_text="Agreed, separately, to receive text messages.")

    # --- Running for office ----------------------------------------------
    wants_to_run = models.BooleanField(default=False, help_text="Signed up to run for office.")
    offices = ArrayField(
        models.CharField(max_length=20, choices=Office.choices),
        default=list,
        blank=True,
        help_text="Offices the supporter would consider.",
    )
    timeframe = models.CharField(max_length=10, choices=Timeframe.choices, blank=True, help_text="When they would run.")
    ballot_line = models.CharField(
        max_length=20, choices=BallotLine.choices, blank=True, help_text="The ballot line they lean to."
    )
    statement = models.TextField(max_length=2000, blank=True, help_text="In their words: why they would run.")
    experience = models.TextField(max_length=2000, blank=True, help_text="In their words: relevant experience.")

    # --- Volunteering ------------------------------------------------------
    wants_to_volunteer = models.BooleanField(default=False, help_text="Signed up to help candidates.")
    skills = ArrayField(
        models.CharField(max_length=20, choices=Skill.choices),
        default=list,
        blank=True,
        help_text="What the volunteer can do.",
    )
    hours_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Hours a week the volunteer can give."
    )
    help_scope = models.CharField(
        max_length=20, choices=HelpScope.choices, blank=True, help_text="Help only in their own district, or anywhere."
    )

    # --- Location and districts ---------------------------------------------
    # No spatial index: nothing searches by the submitted point (lookups use ``location``), and
    # an index here would be written on every sign-up and every redistricting update.
    submitted_location = models.PointField(
        srid=4326,
        null=True,
        blank=True,
        spatial_index=False,
        help_text="Point the supporter gave (map pin or browser location).",
    )
    location = models.PointField(srid=4326, null=True, blank=True, help_text="Best known home point.")
    location_quality = models.CharField(
        max_length=10,
        choices=LocationQuality.choices,
        default=LocationQuality.NONE,
        help_text="How the location was found.",
    )
    located_at = models.DateTimeField(
        null=True, blank=True, help_text="When geocoding finished; null while it is still to do."
    )
    # One foreign key per layer of ``districts.models.LAYERS`` (``DISTRICT_LAYERS``), each the
    # governing unit of that layer whose area holds the location (as ``district_lookup`` answers):
    # a column per layer, not a table of (sign-up, district) rows, because a point lies in at
    # most one unit of a layer and the coverage engine counts every layer the same way, from
    # the covering indexes below. A village inside a town has both ``place`` and ``cousub``.
    cd = _district_key("cd", "Congressional district of the location (current map).")
    sldu = _district_key("sldu", "State senate district of the location (current map).")
    sldl = _district_key("sldl", "State house district of the location (current map).")
    county = _district_key("county", "Governing county (or equivalent) of the location (current Census layer).")
    cousub = _district_key(
        "cousub", "Governing town or township (county subdivision) of the location (current Census layer)."
    )
    place = _district_key(
        "place", "Governing city, town or village (incorporated place) of the location (current Census layer)."
    )
    unsd = _district_key("unsd", "Unified school district of the location (current Census layer).")
    elsd = _district_key("elsd", "Elementary school district of the location (current Census layer).")
    scsd = _district_key("scsd", "Secondary school district of the location (current Census layer).")
    districts_assigned_at = models.DateTimeField(
        null=True, blank=True, help_text="When the districts last changed (or were first set) from the location."
    )

    # --- Double opt-in ------------------------------------------------------
    confirmation_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the confirmation email left (stamped by the outbox); null while still to send.",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="When the supporter clicked the link.")
    follow_up_queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=(
            "When the geocoding of a street address was last handed to Celery; "
            "null while it is still to hand over (the broker was down): the sweeper sends it."
        ),
    )
    unsubscribed_at = models.DateTimeField(null=True, blank=True, help_text="When the supporter unsubscribed.")

    created_at = models.DateTimeField(auto_now_add=True, help_text="First sign-up.")
    updated_at = models.DateTimeField(auto_now=True, help_text="Last change.")

    objects = SignUpQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="signup_unique_email"),
            models.CheckConstraint(
                condition=models.Q(wants_to_run=True) | models.Q(wants_to_volunteer=True),
                name="signup_runs_or_volunteers",
            ),
        ]
        indexes = [
            models.Index(fields=["state"]),
            models.Index(fields=["created_at"]),
            # The coverage counts (coverage.engine) read the runners and the volunteers
            # with their districts (and the runners' offices: a local unit counts a candidate
            # only for the matching office), narrowed by state, sign-up day and confirmation: these
            # hold all of that (a tenth of the table's size), so the counts are index-only
            # scans instead of reading every wide row.
            models.Index(
                fields=["state", "created_at"],
                include=["id", *DISTRICT_LAYERS, "confirmed_at", "ballot_line", "offices"],
                condition=models.Q(wants_to_run=True),
                name="signup_runners_coverage",
            ),
            models.Index(
                fields=["state", "created_at"],
                include=[*DISTRICT_LAYERS, "confirmed_at"],
                condition=models.Q(wants_to_volunteer=True),
                name="signup_volunteers_coverage",
            ),
            # The sweeper's scan: only rows still to geocode.
            models.Index(
                fields=["updated_at"], name="signup_awaiting_location", condition=models.Q(located_at__isnull=True)
            ),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"Sign-up {self.pk}"

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, flag in (("run", self.wants_to_run), ("volunteer", self.wants_to_volunteer)) if flag]


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


class SubmissionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(processed_at__isnull=True)

    def with_email(self, email: str):
        return self.alias(email_lower=Lower("email")).filter(email_lower=(email or "").strip().lower())


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

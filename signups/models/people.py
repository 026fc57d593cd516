"""Supporters who offered to run for office, to volunteer, or both: one ``SignUp`` row per person
(keyed by email), its choices, and the districts it is assigned to."""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models.functions import Lower
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


class EmailQuerySet(models.QuerySet):
    """Rows of an email address, for models indexed on ``Lower("email")``."""

    def with_email(self, email: str):
        """The rows of an email, any case, through the LOWER(email) index.

        (``email__iexact`` compiles to UPPER(...) and would scan the whole table.)
        """
        return self.alias(email_lower=Lower("email")).filter(email_lower=(email or "").strip().lower())


class SignUpQuerySet(ScopedQuerySet, EmailQuerySet):
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
    def may_be_introduced(self) -> bool:
        """Whether their contact details may go to someone else: they confirmed this email is theirs
        (double opt-in), agreed to campaign email, and have not unsubscribed since."""
        return self.confirmed_at is not None and self.consent_email and self.unsubscribed_at is None

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, flag in (("run", self.wants_to_run), ("volunteer", self.wants_to_volunteer)) if flag]

"""Call teams: volunteers who phone would-be candidates, one person at a time, gaps first.

Organizer side, above ``pipeline`` and ``signups``: a ``CallTeam`` has a scope
(states, optionally the districts of one chamber or the units of one local layer), a script and a few questions; its
callers are ``TeamMember`` rows (user accounts with no states of their own, so no
organizer page shows them anybody). ``Prospect`` is the queue's view of each
would-be candidate (ranks refreshed from the sign-ups and the pipeline, claims and
parking written by the services); ``Call`` is one attempt by one caller.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from districts.models import District, LocalLayer
from districts.states import STATE_CHOICES
from signups.models import SignUp

CHAMBER_CHOICES = [("cd", _("U.S. House")), ("sldu", _("State senate")), ("sldl", _("State house"))]
CHAMBERS = [value for value, _label in CHAMBER_CHOICES]
# What a team's ``districts`` may be: a chamber's districts, or a local layer's units (school
# districts, towns, counties: ``districts.models.LocalLayer``), each a column of the sign-up.
TEAM_LAYER_CHOICES = [*CHAMBER_CHOICES, *LocalLayer.choices]
# Rank of everyone who is not a new sign-up in a district where nobody has filed: after every gap.
REST_RANK = 1_000_000


class CallTeam(models.Model):
    """A team of volunteers calling the would-be candidates of a scope with one script."""

    name = models.CharField(max_length=120, help_text="What organizers and callers call the team.")
    states = ArrayField(
        models.CharField(max_length=2, choices=STATE_CHOICES),
        help_text="USPS codes of the states whose would-be candidates the team calls.",
    )
    # One field for chambers and local layers, not a second ``layer`` and ``local_units`` beside
    # them: the queue, the volunteers to invite and the statistics all narrow by "the sign-up's
    # column of that name IN the team's districts", so a local layer is one more value here, and a
    # team can never hold a chamber's districts and a layer's units at once.
    chamber = models.CharField(
        max_length=6,
        choices=TEAM_LAYER_CHOICES,
        blank=True,
        help_text="Chamber or local layer (county, town, city, school district) whose districts or units, "
        "if any, narrow the queue; a chamber also ranks it (gaps first), a local layer and blank rank by "
        "state house.",
    )
    districts = models.ManyToManyField(
        District,
        blank=True,
        related_name="+",
        help_text="Districts of the chamber, or units of the local layer, the team calls; none: the whole of "
        "its states.",
    )
    script = models.TextField(
        max_length=20_000, blank=True, help_text="What callers say, in Markdown (shown with a safe subset)."
    )
    questions = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        size=8,
        help_text="Questions callers ask and note the answers to (which office, when, what help).",
    )
    sms_template = models.CharField(
        max_length=480,
        blank=True,
        help_text="Text a caller may send from their own phone; {first_name} and {caller} are filled in.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Organizer who started the team.",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the team was started.")
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="When the team stopped calling; its history stays."
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    @property
    def rank_chamber(self) -> str:
        # Gaps are counted per chamber district only (``Prospect.rank_*``): a team of school
        # districts or towns calls its units' people in state house order, gaps first.
        return self.chamber if self.chamber in CHAMBERS else "sldl"

    @property
    def is_local(self) -> bool:
        """Whether the team's units are of a local layer (counties, towns, cities, school districts)."""
        return self.chamber in LocalLayer.values


class TeamMember(models.Model):
    """A volunteer invited to call for a team (their account is a user with no states)."""

    team = models.ForeignKey(CallTeam, on_delete=models.CASCADE, related_name="members", help_text="The team.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="call_memberships",
        help_text="The caller's account.",
    )
    volunteer = models.ForeignKey(
        SignUp,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The volunteer sign-up the caller was invited from, if any.",
    )
    language = models.CharField(max_length=2, default="en", help_text="Language of the invitation.")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text="Organizer who invited the caller.",
    )
    invited_at = models.DateTimeField(auto_now_add=True, help_text="When the caller was invited.")
    invitation_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the invitation email left; null while still to send."
    )
    joined_at = models.DateTimeField(null=True, blank=True, help_text="When the caller first opened the invitation.")
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text="When an organizer took the caller off the team; null while calling."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_once")]
        ordering = ["invited_at", "pk"]

    def __str__(self):
        return f"Member {self.pk} of team {self.team_id}"


class ProspectStatus(models.TextChoices):
    OPEN = "open", _("In the queue")
    PARKED = "parked", _("Parked for an organizer")
    DONE = "done", _("Reached, nothing more to call about")
    DO_NOT_CALL = "do_not_call", _("Do not call")


class ParkedReason(models.TextChoices):
    NO_ANSWER = "no_answer", _("Three calls without an answer in a week")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


def _district_copy(help_text: str) -> models.ForeignKey:
    """A copy of one of the sign-up's districts (no reverse accessor: districts know no call queue)."""
    return models.ForeignKey(District, on_delete=models.SET_NULL, null=True, related_name="+", help_text=help_text)


class Prospect(models.Model):
    """The call queue's row for one would-be candidate, shared by every team (one claim at a time).

    The rank columns, district and time zone are copied from the sign-up and the
    pipeline by ``prospects_refresh`` (Celery beat, every minute) so that "next person"
    is one indexed query; the claim re-reads the chosen person live before handing
    them out, so a copy that lags (an unsubscribe a second ago) is never acted on.
    """

    signup = models.OneToOneField(
        SignUp, on_delete=models.CASCADE, primary_key=True, related_name="prospect", help_text="The person."
    )
    state = models.CharField(max_length=2, help_text="Copy of the sign-up's state (queue scope).")
    zip = models.CharField(max_length=5, help_text="Copy of the sign-up's ZIP, from which the time zone comes.")
    time_zone = models.CharField(
        max_length=40, blank=True, help_text="IANA time zone of the ZIP; blank until the refresh fills it in."
    )
    cd = _district_copy("Congressional district.")
    sldu = _district_copy("State senate district.")
    sldl = _district_copy("State house district.")
    # The local layers' units, for teams narrowed to some of them (never ranked by: see CallTeam.rank_chamber).
    county = _district_copy("Governing county.")
    cousub = _district_copy("Governing town or township.")
    place = _district_copy("Governing city, town or village.")
    unsd = _district_copy("Unified school district.")
    elsd = _district_copy("Elementary school district.")
    scsd = _district_copy("Secondary school district.")
    signed_up_at = models.DateTimeField(help_text="When the person signed up (oldest first within a rank).")
    stage = models.CharField(max_length=12, default="new", help_text="Copy of the pipeline stage.")
    callable = models.BooleanField(
        default=True,
        help_text="Has a phone, has not unsubscribed, and is new or contacted (or asked for a callback).",
    )
    rank_cd = models.PositiveIntegerField(
        default=REST_RANK,
        help_text="Queue rank by congressional district: would-be candidates in the district when it is a gap "
        "(nobody filed) and the person is new, else REST_RANK.",
    )
    rank_sldu = models.PositiveIntegerField(default=REST_RANK, help_text="Queue rank by state senate district.")
    rank_sldl = models.PositiveIntegerField(
        default=REST_RANK, help_text="Queue rank by state house district (Nebraska: its one chamber)."
    )
    status = models.CharField(
        max_length=12, choices=ProspectStatus.choices, default=ProspectStatus.OPEN, help_text="Place in the queue."
    )
    parked_reason = models.CharField(
        max_length=12, choices=ParkedReason.choices, blank=True, help_text="Why the person was parked."
    )
    callback_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person asked to be called back; first in line once due."
    )
    not_before = models.DateTimeField(
        null=True, blank=True, help_text="Not offered before this time (a callback, a retry after no answer)."
    )
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A caller has the person until then; nobody else is given them."
    )
    # No index on ``claim``: "next person" stamps it on every claim, and an indexed column changed
    # makes PostgreSQL write a new entry in each of this table's 18 other indexes (no HOT update):
    # under 50 callers asking at once those writes and their WAL were most of an ask's wait
    # (bench/findings.md, section 8). Nothing looks a queue row up by its claim; deleting a call
    # (a person's erasure) checks this column by a scan of the table, for a person's few calls.
    claim = models.ForeignKey(
        "Call",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text="The claiming call.",
    )
    queue_reset_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When an organizer last put the person back in the queue; unanswered calls before no longer count.",
    )
    refreshed_at = models.DateTimeField(auto_now=True, help_text="Last refresh or change.")

    class Meta:
        indexes = [
            # "Next person": the open, callable people in rank order, read from the front until the
            # first one of the team's states who may be called now and is not locked by another
            # caller (ORDER BY ... LIMIT 1 FOR UPDATE SKIP LOCKED stops there). Ordered by rank
            # alone, not state first: a team of several states would otherwise sort all of their
            # people on every ask (48 ms at 100,000 sign-ups against 1 ms; bench/findings.md).
            *(
                models.Index(
                    fields=[f"rank_{chamber}", "signed_up_at", "signup"],
                    name=f"prospect_queue_{chamber}",
                    condition=models.Q(status="open", callable=True, callback_at__isnull=True),
                )
                for chamber in ("sldl", "sldu", "cd")
            ),
            # The same rows per state, for a team of a few states (``queue.FEW_STATES``): its people
            # are read from the front of each of its states' runs and the best of those taken,
            # rather than read past every other state's lower ranks in the index above (8.7 ms per
            # ask after 550 calls for three big states, against 0.6 ms fresh; bench/findings.md).
            *(
                models.Index(
                    fields=["state", f"rank_{chamber}", "signed_up_at", "signup"],
                    name=f"prospect_state_queue_{chamber}",
                    condition=models.Q(status="open", callable=True, callback_at__isnull=True),
                )
                for chamber in ("sldl", "sldu", "cd")
            ),
            # Due callbacks come first: their own small index.
            models.Index(
                fields=["callback_at", "signup"],
                name="prospect_callbacks",
                condition=models.Q(status="open", callable=True, callback_at__isnull=False),
            ),
            models.Index(fields=["state", "status"], name="prospect_state_status"),
        ]

    def __str__(self):
        return f"Prospect {self.signup_id}"


class Outcome(models.TextChoices):
    NOT_REACHED = "not_reached", _("Not reached")
    LEFT_MESSAGE = "left_message", _("Left a message")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    DO_NOT_CALL = "do_not_call", _("Do not call")
    NOT_INTERESTED = "not_interested", _("Not interested")
    INTERESTED = "interested", _("Interested")
    CALLBACK = "callback", _("Wants a callback")


# Outcomes in which nobody answered: three of these in a week park the person.
UNANSWERED = (Outcome.NOT_REACHED, Outcome.LEFT_MESSAGE)
# Outcomes in which the person was spoken to (the first one makes them "contacted").
REACHED = (Outcome.DO_NOT_CALL, Outcome.NOT_INTERESTED, Outcome.INTERESTED, Outcome.CALLBACK)


class Call(models.Model):
    """One caller's claim on one person and, once recorded, its outcome."""

    # ``team`` and ``signup`` have no index of their own: ``call_team_stats`` and ``call_person_history``
    # start with them and serve their lookups; one index fewer each to write on every claim.
    team = models.ForeignKey(
        CallTeam, on_delete=models.CASCADE, related_name="calls", db_index=False, help_text="The team."
    )
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="calls",
        help_text="Who called (kept, like the audit log, when the account is deactivated).",
    )
    signup = models.ForeignKey(
        SignUp, on_delete=models.CASCADE, related_name="calls", db_index=False, help_text="Who was called."
    )
    claimed_at = models.DateTimeField(help_text="When the caller was given the person.")
    expires_at = models.DateTimeField(help_text="When the claim lapses and the person goes back to the queue.")
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, blank=True, help_text="What happened; blank while the call is open."
    )
    callback_at = models.DateTimeField(null=True, blank=True, help_text="The callback time the person asked for.")
    answers = models.JSONField(
        default=dict, blank=True, help_text="The team's questions and the answers noted, question -> answer."
    )
    note = models.TextField(max_length=2000, blank=True, help_text="The caller's note on the call.")
    moved_to = models.CharField(
        max_length=12, blank=True, help_text="Pipeline stage the outcome moved the person to; blank if none."
    )
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When the outcome was recorded; null while open."
    )

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        indexes = [
            models.Index(fields=["signup", "finished_at"], name="call_person_history"),
            models.Index(fields=["team", "finished_at"], name="call_team_stats"),
            models.Index(
                fields=["caller", "team"], name="call_open_claim", condition=models.Q(finished_at__isnull=True)
            ),
        ]

    def __str__(self):
        return f"Call {self.pk}"

    @property
    def reached(self) -> bool:
        return self.outcome in REACHED

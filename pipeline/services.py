"""Writes of the recruitment pipeline: stages, assignments, introductions, nominations.

Emails leave through the one outbox (``signups.outbox``): a row written in the
transaction that decides the email, sent once by the email workers (the kinds and how
they render are in ``pipeline.emails``, registered in ``PipelineConfig.ready``).
"""

import logging
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from districts.selectors import district_lookup
from signups import outbox, tokens
from signups.models import SignUp

from .models import INVITATION_INTERVAL_DAYS, Candidacy, Introduction, Nomination, Stage, StageChange

logger = logging.getLogger(__name__)
UNSET = object()


class PipelineError(ValueError):
    """An action that cannot be done; the message says why, for the organizer."""


def _candidacy_locked(signup_id: int) -> Candidacy:
    signup = SignUp.objects.filter(pk=signup_id, wants_to_run=True).first()
    if signup is None:
        raise PipelineError("Only people who signed up to run have a candidacy.")
    candidacy, _created = Candidacy.objects.get_or_create(signup=signup)
    return Candidacy.objects.select_for_update().get(pk=candidacy.pk)


def _stage_move(candidacy: Candidacy, *, stage: str, by, note: str) -> None:
    """Record and make the move to ``stage`` (nothing when already there); the caller holds the lock."""
    if stage not in Stage.values:
        raise PipelineError(f"Unknown stage {stage!r}.")
    if candidacy.stage != stage:
        StageChange.objects.create(
            candidacy=candidacy, from_stage=candidacy.stage, to_stage=stage, changed_by=by, note=note[:500]
        )
        candidacy.stage = stage
        candidacy.save(update_fields=["stage", "updated_at"])


@transaction.atomic
def candidacy_set_stage(*, signup_id: int, stage: str, by, note: str = "") -> Candidacy:
    """Move a candidate to ``stage``, keeping who did it and when; the same stage again is a no-op."""
    candidacy = _candidacy_locked(signup_id)
    _stage_move(candidacy, stage=stage, by=by, note=note)
    return candidacy


@transaction.atomic
def candidacy_update(
    *,
    signup_id: int,
    by,
    stage=UNSET,
    note: str = "",
    organizer=UNSET,
    notes=UNSET,
    tags=UNSET,
    next_step_on=UNSET,
    skills_wanted=UNSET,
) -> Candidacy:
    """Change the stage (with ``note`` saying why), assignment, notes, tags, next step or wanted
    skills of a candidacy: all of them or, when one is refused (``PipelineError``), none."""
    candidacy = _candidacy_locked(signup_id)
    if organizer not in (UNSET, None) and not organizer.scope.covers(candidacy.signup.state):
        raise PipelineError("That organizer does not work in this candidate's state.")
    if stage is not UNSET:
        _stage_move(candidacy, stage=stage, by=by, note=note)
    changes = {
        "organizer": organizer,
        "notes": notes,
        "tags": tags,
        "next_step_on": next_step_on,
        "skills_wanted": skills_wanted,
    }
    fields = [name for name, value in changes.items() if value is not UNSET]
    for name in fields:
        setattr(candidacy, name, changes[name])
    if "tags" in fields:
        candidacy.tags = sorted({t.strip().lower() for t in candidacy.tags if t.strip()})
    candidacy.save(update_fields=[*fields, "updated_at"])
    return candidacy


@transaction.atomic
def introduction_create(*, candidate_id: int, volunteer_id: int, by) -> tuple[Introduction, bool]:
    """Introduce a volunteer to a candidate; both are emailed once. Returns (introduction, created).

    Contact details are shared only between people who confirmed their email (double opt-in),
    agreed to be emailed, and have not unsubscribed since (``SignUp.may_be_introduced``):
    anyone can sign up with someone else's address, so an unconfirmed one is nobody's yet.
    """
    candidate = SignUp.objects.filter(pk=candidate_id, wants_to_run=True).first()
    volunteer = SignUp.objects.filter(pk=volunteer_id, wants_to_volunteer=True).first()
    if candidate is None or volunteer is None or candidate.pk == volunteer.pk:
        raise PipelineError("An introduction needs a candidate and a different volunteer.")
    for person in (candidate, volunteer):
        if not person.may_be_introduced:
            raise PipelineError(
                "Both people must have confirmed their email and agreed to be contacted by email"
                " (and not unsubscribed)."
            )
    try:
        with transaction.atomic():
            introduction, created = Introduction.objects.get_or_create(
                candidate=candidate, volunteer=volunteer, defaults={"introduced_by": by}
            )
    except IntegrityError:  # the same pair introduced at the same moment by someone else
        introduction, created = Introduction.objects.get(candidate=candidate, volunteer=volunteer), False
    if created:
        outbox.emails_enqueue(
            [
                ("introduction_to_candidate", introduction.pk, f"introduction_to_candidate:{introduction.pk}"),
                ("introduction_to_volunteer", introduction.pk, f"introduction_to_volunteer:{introduction.pk}"),
            ]
        )
    return introduction, created


def nomination_create(*, data: dict, location: tuple[float, float] | None = None) -> tuple[Nomination, bool]:
    """Record a nomination with the districts of its address, and email its nominator a link to
    confirm it; nothing goes to the nominee before that (``nomination_confirm``).

    Returns (nomination, created). Only a *confirmed* nomination of the same nominee by the same
    nominator makes this one a repeat (nothing stored or sent): an unconfirmed one may have been
    typed by anyone, so it never stands in the way of the nominator's own.
    """
    from districts.geocoding.locate import locate_address

    email = data.get("nominee_email", "").strip().lower()
    if email and (
        found := Nomination.objects.confirmed()
        .filter(nominator_email__iexact=data["nominator_email"], nominee_email__iexact=email)
        .first()
    ):
        return found, False
    nomination = Nomination(**(data | {"nominee_email": email}))
    if location is not None:
        point = Point(location[1], location[0], srid=4326)
    else:
        # ZIP centre only: a request never waits on the Census Geocoder.
        point = locate_address(street="", city=nomination.city, state=nomination.state, zip=nomination.zip).point
    nomination.location = point
    if point is not None:
        found = district_lookup(lat=point.y, lng=point.x)
        nomination.cd, nomination.sldu, nomination.sldl = found["cd"], found["sldu"], found["sldl"]
    with transaction.atomic():
        nomination.save()
        outbox.email_enqueue(kind="nomination_confirmation", object_id=nomination.pk)
    return nomination, True


def nomination_pending(*, nomination_id: int) -> Nomination | None:
    """The unconfirmed nomination a confirmation link names, or None (confirmed already, or deleted)."""
    return (
        Nomination.objects.select_related("cd", "sldu", "sldl")
        .filter(pk=nomination_id, confirmed_at__isnull=True)
        .first()
    )


@transaction.atomic
def nomination_confirm(*, nomination_id: int) -> Nomination | None:
    """The nominator pressed the button on our confirmation page: the nomination counts, and its
    nominee is invited (``nomination_invitation_queue``). None when there is no such nomination;
    a second press changes nothing."""
    nomination = Nomination.objects.select_for_update().filter(pk=nomination_id).first()
    if nomination is None or nomination.confirmed_at is not None:
        return nomination
    now = timezone.now()
    try:
        with transaction.atomic():
            Nomination.objects.filter(pk=nomination.pk).update(confirmed_at=now)
    except IntegrityError:
        # This nominator's confirmed nomination of this nominee exists already: it stands, this one is a repeat.
        logger.info("nomination %s: a repeat of a confirmed one; left unconfirmed", nomination.pk)
        return nomination
    nomination.confirmed_at = now
    if nomination.nominee_email:
        nomination_invitation_queue(nomination=nomination, now=now)
    return nomination


def nomination_invitation_queue(*, nomination: Nomination, now) -> bool:
    """Queue the nominee's invitation (in the caller's transaction) unless they were invited in the
    last ``INVITATION_INTERVAL_DAYS``; True if queued.

    The rule is the database's (``nomination_invitation_interval``: no two invitation windows of
    one address overlap), so two nominators confirming at the same instant send one invitation.
    """
    window = DateTimeTZRange(now, now + timedelta(days=INVITATION_INTERVAL_DAYS))
    try:
        with transaction.atomic():
            Nomination.objects.filter(pk=nomination.pk).update(invitation_window=window)
    except IntegrityError:
        logger.info(
            "nomination %s: nominee invited within %d days; no invitation", nomination.pk, INVITATION_INTERVAL_DAYS
        )
        return False
    nomination.invitation_window = window
    outbox.email_enqueue(kind="nomination_invitation", object_id=nomination.pk)
    return True


def nominations_unconfirmed_prune() -> int:
    """Delete nominations whose confirmation link has expired unpressed (Celery beat, hourly):
    nobody can confirm them any longer, and they hold names and addresses anyone may have typed.
    Returns how many were deleted."""
    expired = timezone.now() - timedelta(seconds=tokens.NOMINATION_MAX_AGE)
    deleted, _ = Nomination.objects.filter(confirmed_at__isnull=True, created_at__lt=expired).delete()
    if deleted:
        logger.info("%d unconfirmed nomination(s) deleted: their links expired", deleted)
    return deleted

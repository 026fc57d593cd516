"""Writes of the recruitment pipeline: stages, assignments, introductions, nominations.

Emails leave through the one outbox (``signups.outbox``): a row written in the
transaction that decides the email, sent once by the email workers (the kinds and how
they render are in ``pipeline.emails``, registered in ``PipelineConfig.ready``).
"""

import logging

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac

from districts.selectors import district_lookup
from signups import outbox
from signups.models import SignUp

from .models import Candidacy, Introduction, Nomination, Stage, StageChange

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

    Contact details are shared only because both agreed to be emailed when they
    signed up (and have not unsubscribed since).
    """
    candidate = SignUp.objects.filter(pk=candidate_id, wants_to_run=True).first()
    volunteer = SignUp.objects.filter(pk=volunteer_id, wants_to_volunteer=True).first()
    if candidate is None or volunteer is None or candidate.pk == volunteer.pk:
        raise PipelineError("An introduction needs a candidate and a different volunteer.")
    for person in (candidate, volunteer):
        if not person.consent_email or person.unsubscribed_at:
            raise PipelineError("Both people must have agreed to be contacted by email.")
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
    """Record a nomination with the districts of its address; the same pair twice is one nomination."""
    from districts.geocoding import locate_address

    email = data.get("nominee_email", "").strip().lower()
    existing = Nomination.objects.annotate(nominator=Lower("nominator_email"), nominee=Lower("nominee_email")).filter(
        nominator=data["nominator_email"].lower(), nominee=email
    )
    if email and (found := existing.first()):
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
        if nomination.nominee_email:
            nomination_invitation_enqueue(nomination=nomination)
    return nomination, True


def nomination_invitation_enqueue(*, nomination: Nomination) -> None:
    """Queue the nominee's invitation (in the caller's transaction): one per nominee however
    many nominate them, since the outbox key is the nominee's address (as a keyed hash)."""
    nominee = salted_hmac("pipeline.nomination_invitation", nomination.nominee_email.strip().lower()).hexdigest()
    outbox.email_enqueue(kind="nomination_invitation", object_id=nomination.pk, key=f"nomination_invitation:{nominee}")

"""Writes of the recruitment pipeline: stages, assignments, introductions, nominations.

Emails leave through Celery after commit; each has a state field claimed with a
conditional UPDATE, so a task that runs twice sends nothing twice.
"""

import logging

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from districts.selectors import district_lookup
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
        from . import tasks

        pk = introduction.pk
        transaction.on_commit(lambda: tasks.send_introduction.delay(pk), robust=True)
    return introduction, created


def introduction_send(*, introduction_id: int) -> bool:
    """Email both people of an introduction, once; False when there was nothing to send."""
    from .emails import introduction_messages

    now = timezone.now()
    if not Introduction.objects.filter(pk=introduction_id, emailed_at__isnull=True).update(emailed_at=now):
        return False
    introduction = Introduction.objects.select_related("candidate", "volunteer").get(pk=introduction_id)
    try:
        for message in introduction_messages(introduction):
            message.send()
    except Exception:
        # Give the claim back so the retry sends (both) again.
        Introduction.objects.filter(pk=introduction_id, emailed_at=now).update(emailed_at=None)
        raise
    logger.info("introduction %s emailed", introduction_id)
    return True


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
            from . import tasks

            pk = nomination.pk
            transaction.on_commit(lambda: tasks.send_nomination_invitation.delay(pk), robust=True)
    return nomination, True


def nomination_send_invitation(*, nomination_id: int) -> bool:
    """Invite the nominee to sign up: one invitation per nominee, however many nominate them."""
    from .emails import invitation_message

    nomination = Nomination.objects.filter(pk=nomination_id).exclude(nominee_email="").first()
    if nomination is None:
        return False
    email = nomination.nominee_email
    if SignUp.objects.filter(email__iexact=email).exists():
        return False  # already signed up
    with transaction.atomic():
        # Lock every nomination of this nominee so two tasks cannot both decide to send.
        same_nominee = list(Nomination.objects.select_for_update().filter(nominee_email__iexact=email))
        if any(n.invitation_sent_at for n in same_nominee):
            return False
        invitation_message(nomination).send()
        Nomination.objects.filter(pk=nomination.pk).update(invitation_sent_at=timezone.now())
    logger.info("nomination %s invitation sent", nomination_id)
    return True

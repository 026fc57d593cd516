"""factory_boy factories for people, organizers and the pipeline (districts come from the real Census data)."""

import datetime

import factory
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import User
from signups.models import LocationQuality, SignUp


class SignUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignUp

    email = factory.Sequence(lambda n: f"supporter{n}@example.org")
    first_name = "Ana"
    last_name = "Ruiz"
    state = "NY"
    zip = "10001"
    wants_to_run = True
    offices = factory.LazyFunction(lambda: ["state_house"])
    timeframe = "next"
    ballot_line = "undecided"
    location = factory.LazyFunction(lambda: Point(-73.9857, 40.7484, srid=4326))
    location_quality = LocationQuality.EXACT
    located_at = factory.LazyFunction(timezone.now)


class OrganizerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"organizer{n}@example.org")
    states = factory.LazyFunction(lambda: ["NY"])
    # Hashed before the single save, so a logged-in session's password check holds.
    password = factory.django.Password("correct horse battery staple")


class CandidacyFactory(factory.django.DjangoModelFactory):
    """A would-be candidate's place in the pipeline (new, nobody assigned)."""

    class Meta:
        model = "pipeline.Candidacy"

    signup = factory.SubFactory(SignUpFactory)


class NominationFactory(factory.django.DjangoModelFactory):
    """A supporter's nomination of someone to run, confirmed by its nominator, with no district found yet."""

    class Meta:
        model = "pipeline.Nomination"

    nominator_name = "Rosa Diaz"
    nominator_email = factory.Sequence(lambda n: f"nominator{n}@example.org")
    nominee_name = "Carl Lee"
    nominee_email = factory.Sequence(lambda n: f"nominee{n}@example.org")
    state = "NY"
    zip = "10001"
    confirmed_at = factory.LazyFunction(timezone.now)


class IntroductionFactory(factory.django.DjangoModelFactory):
    """A volunteer introduced to a candidate (not emailed yet)."""

    class Meta:
        model = "pipeline.Introduction"

    candidate = factory.SubFactory(SignUpFactory)
    volunteer = factory.SubFactory(
        SignUpFactory, wants_to_run=False, wants_to_volunteer=True, offices=[], timeframe="", ballot_line=""
    )


def add_totp(user) -> str:
    """Give an organizer a TOTP authenticator (``accounts.services.organizer_totp_reset``); returns its secret."""
    from accounts.services import organizer_totp_reset

    return organizer_totp_reset(user=user).secret


def totp_code(secret: str, *, offset: int = 0) -> str:
    """The code an authenticator app shows now (``offset`` periods later or earlier)."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD + offset))


class TotpOrganizerFactory(OrganizerFactory):
    """An organizer who has set up TOTP (what every organizer page requires)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        if create:
            obj.totp_secret = add_totp(obj)


def signup_in(district, **fields) -> SignUp:
    """A sign-up living in ``district`` (at its Census internal point, or a point inside it), with the current
    districts of every chamber and local layer stored, as geocoding would leave it."""
    from districts.selectors import districts_for_points
    from signups.models import DISTRICT_LAYERS

    point = fields.pop("location", None) or district.internal_point or district.geometry.point_on_surface
    found = districts_for_points([(point.y, point.x)])[0]
    placed = {f"{layer}_id": (found[layer] or {}).get("id") for layer in DISTRICT_LAYERS}
    defaults = {"state": district.state, "location": point, **placed, "districts_assigned_at": timezone.now()}
    return SignUpFactory(**{**defaults, **fields})


def api_key(user, *, days: int = 90) -> str:
    """A working API key of ``user``, made directly (the rule on who may make one is tested through
    ``accounts.services.api_token_create``)."""
    from accounts.models import ApiToken

    return ApiToken.objects.create(user=user, name="test", expiry=datetime.timedelta(days=days))[1]

"""factory_boy factories for the people side (districts come from the real Census data)."""

import factory
from django.contrib.gis.geos import Point
from django.utils import timezone

from organizing.models import User
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
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"organizer{n}@example.org")
    states = factory.LazyFunction(lambda: ["NY"])
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

"""Demo data for development databases: invented sign-ups, written the way this app writes its own.

``demo_signups_create`` fills a development database with plausible sign-ups so the
dashboard has something to show (``manage.py seed_demo``, ``make demo``, the
benchmarks). It never runs on its own: ``make run`` invents nobody. It lives in
``signups`` because only this app writes sign-ups: the rows are placed with
its own set-based ``signups_reassign_districts``, as a redistricting would.
"""

import datetime
import random

from django.db import connection, transaction
from django.utils import timezone

from districts.models import ZipCode
from districts.states import BY_USPS, FIFTY_STATES

from .models import BallotLine, HelpScope, Language, LocationQuality, Office, SignUp, Skill, Timeframe
from .services.redistricting import signups_reassign_districts

FIRST_NAMES = (  # noqa: SIM905 - a list literal is formatted one name per line
    "Ana Maria Jose Luis Carmen Sofia Diego Lucia Mateo Elena James Mary John Patricia Robert Jennifer "
    "Michael Linda David Elizabeth William Barbara Aisha Omar Fatima Yusuf Mei Wei Hiroshi Yuki Priya "
    "Arjun Deepa Kwame Amara Chidi Ngozi Tyrone Keisha DeShawn Latoya Siobhan Liam Noah Emma Olivia Ava "
    "Isabella Ethan Mason Harper Evelyn Jackson Aiden Zoe Nora Leah Samuel Ruth Esther Daniel Miriam"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Ruiz Garcia Martinez Rodriguez Hernandez Lopez Gonzalez Perez Smith Johnson Williams Brown Jones "
    "Miller Davis Wilson Anderson Taylor Thomas Moore Jackson Martin Lee Thompson White Harris Clark "
    "Lewis Robinson Walker Young Allen King Wright Scott Nguyen Tran Kim Park Chen Wang Patel Shah Singh "
    "Khan Ali Okafor Mensah Diallo Cohen Levy Murphy O'Brien Kowalski Novak Yazzie Begay Kealoha Silva"
).split()
# Weights of what people offer: most sign-ups in a campaign like this volunteer.
KINDS = (("run", 35), ("volunteer", 45), ("both", 20))
OFFICE_WEIGHTS = (
    (Office.STATE_HOUSE, 30),
    (Office.CITY_COUNCIL, 25),
    (Office.SCHOOL_BOARD, 20),
    (Office.STATE_SENATE, 10),
    (Office.COUNTY, 8),
    (Office.US_HOUSE, 5),
    (Office.OTHER, 2),
)
BALLOT_WEIGHTS = (
    (BallotLine.DEMOCRATIC, 55),
    (BallotLine.UNDECIDED, 20),
    (BallotLine.INDEPENDENT, 10),
    (BallotLine.WORKING_FAMILIES, 8),
    (BallotLine.GREEN, 5),
    (BallotLine.OTHER, 2),
)
CONFIRMED_SHARE = 0.7
SPANISH_SHARE = 0.12
# A livestream: this share of everyone signs up within a few hours, two days ago,
# so "Sign-ups over time" shows a spike.
SPIKE_SHARE = 0.15
SPIKE_HOURS = 3
INSERT_BATCH = 5000


def _weighted(rng: random.Random, weights) -> str:
    values, counts = zip(*weights, strict=True)
    return rng.choices(values, weights=counts)[0]


def _states(states: list[str] | None) -> list[str]:
    # Only places with district boundaries: the 50 states and DC (not the territories).
    return sorted(states) if states else sorted([s.usps for s in FIFTY_STATES] + ["DC"])


@transaction.atomic
def demo_signups_create(*, count: int, seed: int = 1, states: list[str] | None = None, days: int = 60) -> int:
    """Insert ``count`` plausible sign-ups at real ZIP centroids, then resolve every sign-up's districts.

    Deterministic for a given ``seed`` (who, where, what; the times are relative to
    now): the emails are ``...+<seed>-<n>@example.org``, and a sign-up whose email
    already exists is skipped, so running it twice with one seed adds nobody.
    Rows are written with ``bulk_create`` and placed with the set-based
    ``signups_reassign_districts``; each is already located, and its confirmation
    marked sent, so no worker geocodes or emails these invented people. Returns
    how many were inserted.
    """
    codes = _states(states)
    unknown = [code for code in codes if code not in BY_USPS]
    if unknown:
        raise ValueError(f"unknown state code(s): {', '.join(unknown)}")
    zips = list(
        ZipCode.objects.filter(state__in=codes, active=True)
        .order_by("zip")
        .values_list("zip", "state", "city", "point", "cd_geoids")
    )
    if not zips:
        raise ValueError("no ZIP codes loaded for these states: run `manage.py load_zipcodes` first")

    rng = random.Random(seed)
    now = timezone.now()
    spike_start = now - datetime.timedelta(days=2, hours=SPIKE_HOURS)
    invented = [
        _invent(rng, n, seed=seed, zips=zips, now=now, spike_start=spike_start, days=days) for n in range(count)
    ]
    people, times = [person for person, _created in invented], [created for _person, created in invented]

    existing = set(
        SignUp.objects.filter(email__in=[p.email for p in people]).values_list("email", flat=True).iterator()
    )
    fresh = [(person, created) for person, created in zip(people, times, strict=True) if person.email not in existing]
    inserted = 0
    for start in range(0, len(fresh), INSERT_BATCH):
        batch = fresh[start : start + INSERT_BATCH]
        rows = SignUp.objects.bulk_create([person for person, _created in batch])
        _backdate(rows, [created for _person, created in batch])
        inserted += len(rows)
    if inserted:
        signups_reassign_districts()
    return inserted


def _invent(rng: random.Random, n: int, *, seed: int, zips: list, now, spike_start, days: int):
    """The ``n``th invented person and when they signed up (the draws in a fixed order, for ``seed``)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    zip_code, state, city, point, cd_geoids = rng.choice(zips)
    kind = _weighted(rng, KINDS)
    runs, volunteers = kind in ("run", "both"), kind in ("volunteer", "both")
    if rng.random() < SPIKE_SHARE:
        created = spike_start + datetime.timedelta(seconds=rng.uniform(0, SPIKE_HOURS * 3600))
    else:
        # More people lately than at the start: the square root leans toward now.
        created = now - datetime.timedelta(seconds=days * 86400 * (1 - rng.random() ** 0.5))
    confirmed = created + datetime.timedelta(minutes=rng.randint(2, 600)) if rng.random() < CONFIRMED_SHARE else None
    offices = sorted({_weighted(rng, OFFICE_WEIGHTS) for _ in range(rng.randint(1, 2))}) if runs else []
    person = SignUp(
        email=f"{first}.{last}+{seed}-{n}@example.org".lower().replace("'", ""),
        first_name=first,
        last_name=last,
        phone=f"1{rng.choice(['212', '312', '415', '512', '614', '702', '802'])}555{rng.randint(100, 199):04d}",
        city=city.title(),
        state=state,
        zip=zip_code,
        language=Language.ES if rng.random() < SPANISH_SHARE else Language.EN,
        consent_email=True,
        consent_sms=rng.random() < 0.4,
        wants_to_run=runs,
        offices=offices,
        timeframe=_weighted(rng, ((Timeframe.NEXT, 5), (Timeframe.AFTER, 3), (Timeframe.LATER, 2))) if runs else "",
        ballot_line=_weighted(rng, BALLOT_WEIGHTS) if runs else "",
        wants_to_volunteer=volunteers,
        skills=sorted(rng.sample(Skill.values, rng.randint(1, 3))) if volunteers else [],
        hours_per_week=rng.choice([2, 4, 5, 8, 10, 20]) if volunteers else None,
        help_scope=rng.choice(HelpScope.values) if volunteers else "",
        location=point,
        location_quality=LocationQuality.AMBIGUOUS if len(cd_geoids) > 1 else LocationQuality.ZIP,
        located_at=created,
        confirmation_sent_at=created,
        confirmed_at=confirmed,
    )
    return person, created


def _backdate(rows: list[SignUp], times: list[datetime.datetime]) -> None:
    """Give the inserted rows their invented sign-up times (``created_at`` is ``auto_now_add``,
    which ``bulk_create`` sets to now). One UPDATE per batch."""
    columns = {field.name for field in SignUp._meta.concrete_fields}
    # The outbox marker (signups' follow_up_queued_at), where the model has it: these
    # people are never handed to Celery, so they must not look "still to hand over".
    queued = ", follow_up_queued_at = v.created_at" if "follow_up_queued_at" in columns else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {SignUp._meta.db_table} AS s
               SET created_at = v.created_at, updated_at = v.created_at{queued}
              FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, created_at)
             WHERE s.id = v.id
            """,  # noqa: S608 (table and column names are ours; values are parameters)
            [[row.pk for row in rows], times],
        )

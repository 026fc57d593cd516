"""Call queue benchmark (issue 16): "next person" with many callers asking at once.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/berniecrat_bench_calls bash scripts/setup.sh   # once
    DATABASE_URL=postgis://postgres@127.0.0.1:5432/berniecrat_bench_calls \
        .venv/bin/python -m bench.calls --signups 100000 --callers 50 --rounds 10

Seeds ``--signups`` invented sign-ups (``demo_signups_create``, same seed, same people;
run twice, added once), refreshes the queue (timed), starts one team over the states
with the most would-be candidates and one over every state, and gives each ``--callers``
callers. Then, per team, ``--rounds`` times: every caller, each in its own thread with its
own database connection, waits at a barrier and asks ``call_next`` at the same moment
(timed), then records an outcome (not timed). Reports p50/p95/max of "next person" and
checks that no person was handed to two callers. "Now" is fixed at 18:00 UTC, when every
mainland US zone is within calling hours. Prints one JSON line.
"""

import argparse
import datetime
import json
import statistics
import threading
import time

import django

django.setup()

from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from calls.models import Call, CallTeam, Prospect, TeamMember  # noqa: E402
from calls.services import outcomes, queue, teams  # noqa: E402
from signups.demo import demo_signups_create  # noqa: E402
from signups.models import SignUp  # noqa: E402

NOW = datetime.datetime(2026, 12, 1, 18, 0, tzinfo=datetime.UTC)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def seed(count: int) -> float:
    have = SignUp.objects.count()
    if have < count:
        demo_signups_create(count=count - have, seed=7)
    started = time.perf_counter()
    queue.prospects_refresh()
    return time.perf_counter() - started


def team_with_callers(name: str, states: list[str], callers: int) -> tuple[CallTeam, list[User]]:
    organizer, _ = User.objects.get_or_create(email="bench-calls@example.org", defaults={"all_states": True})
    team = CallTeam.objects.filter(name=name).first() or teams.team_create(by=organizer, name=name, states=states)
    users = []
    for i in range(callers):
        member, _ = teams.caller_invite(team=team, email=f"bench-caller-{name}-{i}@example.org", by=organizer)
        users.append(member.user)
    return team, users


def measure(team: CallTeam, users: list[User], rounds: int) -> dict:
    """Each caller is a thread with its own connection, kept across rounds as a web worker keeps
    its own (CONN_MAX_AGE): a new PostgreSQL backend per ask would time its cold caches, not the
    queue. Per round every caller waits at a barrier, then all ask at once (timed) and record an
    outcome (not timed). The first round warms up and is not counted."""
    barrier = threading.Barrier(len(users))
    timings: list[float] = []
    given: list[int] = []
    lock = threading.Lock()

    def caller(user):
        try:
            for i in range(rounds + 1):
                now = NOW + datetime.timedelta(minutes=i)
                barrier.wait()
                started = time.perf_counter()
                call = queue.call_next(team=team, caller=user, now=now)
                elapsed = time.perf_counter() - started
                if call is not None:
                    outcomes.call_record_outcome(call_id=call.pk, caller=user, outcome="not_reached", now=now)
                if i == 0:
                    continue
                with lock:
                    timings.append(elapsed)
                    if call is not None:
                        given.append(call.signup_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=caller, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    doubles = len(given) - len(set(given))
    return {
        "asks": len(timings),
        "given": len(given),
        "handed_to_two": doubles,
        "p50_ms": round(1000 * statistics.median(timings), 1),
        "p95_ms": round(1000 * percentile(timings, 0.95), 1),
        "max_ms": round(1000 * max(timings), 1),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--signups", type=int, default=100_000)
    parser.add_argument("--callers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    refresh_seconds = seed(args.signups)
    refresh_again = seed(args.signups)  # nothing changed: only reads
    top = list(
        Prospect.objects.filter(callable=True)
        .values_list("state", flat=True)
        .order_by()
        .annotate(n=django.db.models.Count("pk"))
        .order_by("-n")[:3]
    )
    results = {
        "signups": SignUp.objects.count(),
        "prospects": Prospect.objects.count(),
        "callable": Prospect.objects.filter(callable=True).count(),
        "refresh_s": round(refresh_seconds, 2),
        "refresh_unchanged_s": round(refresh_again, 2),
        "callers": args.callers,
        "rounds": args.rounds,
    }
    for name, states in (
        ("bench-top-states", top),
        ("bench-every-state", sorted({*top, *SignUp.objects.values_list("state", flat=True).distinct()})),
    ):
        team, users = team_with_callers(name, states, args.callers)
        results[name] = {"states": len(states)} | measure(team, users, args.rounds)
    # Everything the bench's callers were handed, over all runs: still nobody twice at once.
    results["open_calls_sharing_a_person"] = (
        Call.objects.filter(finished_at__isnull=True)
        .values("signup")
        .annotate(n=django.db.models.Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    results["members"] = TeamMember.objects.count()
    print(json.dumps(results))


if __name__ == "__main__":
    main()

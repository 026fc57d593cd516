"""Call queue benchmark (issue 16): "next person" with many callers asking at once.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/berniecrat_bench_calls bash scripts/setup.sh   # once
    DATABASE_URL=postgis://postgres@127.0.0.1:5432/berniecrat_bench_calls \
        .venv/bin/python -m bench.calls --signups 100000 --callers 50 --rounds 10
    ... --processes 5   # the callers spread over 5 processes, as gunicorn's 2 x cores + 1 workers
    ... --beside        # each caller records an outcome as soon as given someone, beside the slower asks

Seeds ``--signups`` invented sign-ups (``demo_signups_create``, same seed, same people;
run twice, added once), refreshes the queue (timed), starts one team over the states
with the most would-be candidates and one over every state, and gives each ``--callers``
callers. Every run starts from the same queue: the bench teams' earlier calls are deleted and
the people they called put back, then the queue's tables are analysed (the bench server runs
without autovacuum; a planner that believes the queue empty reads it the wrong way). Then, per
team, ``--rounds`` times: every caller, each in its own thread with its own database connection,
waits at a barrier and asks ``call_next`` at the same moment (timed), then records an outcome
(not timed). With ``--processes N`` the threads are shared out over N processes (one barrier
across all of them), so that Python's interpreter lock serialises only the callers of one
process, as it does the requests of one gunicorn worker. Reports p50/p95/max of "next person"
and checks that no person was handed to two callers. By default the outcomes of a round are
recorded once every caller of the round has been given someone: a caller is on the phone for
minutes before recording one, so the 50 asks of one instant do not share the cores with the
quicker callers' outcomes (each several statements, and what made the p95 of ``--beside`` twice
its p50: bench/findings.md, section 8). "Now" is fixed at 18:00 UTC, when every
mainland US zone is within calling hours. Prints one JSON line.
"""

import argparse
import datetime
import json
import multiprocessing
import statistics
import threading
import time

import django

django.setup()

from django.db import connection, connections  # noqa: E402

from accounts.models import User  # noqa: E402
from calls.models import Call, CallTeam, Prospect, ProspectStatus, TeamMember  # noqa: E402
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


def reset_queue() -> None:
    """Put back everyone the bench's callers called before, so that every run starts from the same queue
    (a person tried earlier waits hours for a retry, and the next ask would read past them), then
    analyse the queue's tables as autovacuum would on a live server."""
    bench_calls = Call.objects.filter(team__name__startswith="bench-")
    Prospect.objects.filter(signup_id__in=bench_calls.values("signup_id")).update(
        status=ProspectStatus.OPEN,
        parked_reason="",
        callback_at=None,
        not_before=None,
        claimed_until=None,
        claim=None,
        queue_reset_at=None,
    )
    bench_calls.delete()
    with connection.cursor() as cursor:
        for model in (Prospect, Call, SignUp):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def ask(
    team: CallTeam, users: list[User], rounds: int, barrier, apart: bool = False
) -> tuple[list[float], list[int], list[str]]:
    """The callers ``users``, each a thread with its own connection, kept across rounds as a web worker
    keeps its own (CONN_MAX_AGE): a new PostgreSQL backend per ask would time its cold caches, not the
    queue. Per round every caller waits at ``barrier`` (shared with the other processes' callers), then
    all ask at once (timed) and record an outcome (not timed); with ``apart`` they all wait again
    before recording it, so that the asks are timed without the outcomes of the quicker callers
    running beside them. The first round warms up and is not counted. Returns the timings, the
    people given and the errors."""
    timings: list[float] = []
    given: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def caller(user):
        try:
            for i in range(rounds + 1):
                now = NOW + datetime.timedelta(minutes=i)
                barrier.wait()
                started = time.perf_counter()
                call = queue.call_next(team=team, caller=user, now=now)
                elapsed = time.perf_counter() - started
                if apart:
                    barrier.wait()
                if call is not None:
                    outcomes.call_record_outcome(call_id=call.pk, caller=user, outcome="not_reached", now=now)
                if i == 0:
                    continue
                with lock:
                    timings.append(elapsed)
                    if call is not None:
                        given.append(call.signup_id)
        except Exception as exc:  # noqa: BLE001 - reported in the results; the others must not wait forever
            barrier.abort()
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=caller, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, given, errors


def _process_main(team: CallTeam, users: list[User], rounds: int, barrier, apart: bool, results) -> None:
    results.put(ask(team, users, rounds, barrier, apart))


def measure(team: CallTeam, users: list[User], rounds: int, processes: int = 1, apart: bool = False) -> dict:
    """Every caller asks at once, ``rounds`` times: all as threads of this process (``processes`` 1),
    or shared out round-robin over ``processes`` forked processes with one barrier across them."""
    if processes <= 1:
        timings, given, errors = ask(team, users, rounds, threading.Barrier(len(users)), apart)
    else:
        context = multiprocessing.get_context("fork")
        barrier, results = context.Barrier(len(users)), context.SimpleQueue()
        connections.close_all()  # a forked child must open its own connections, never share the parent's
        children = [
            context.Process(target=_process_main, args=(team, users[i::processes], rounds, barrier, apart, results))
            for i in range(processes)
        ]
        for child in children:
            child.start()
        timings, given, errors = [], [], []
        for _child in children:
            child_timings, child_given, child_errors = results.get()
            timings += child_timings
            given += child_given
            errors += child_errors
        for child in children:
            child.join()
    doubles = len(given) - len(set(given))
    return {
        "asks": len(timings),
        "given": len(given),
        "handed_to_two": doubles,
        "errors": errors[:5],
        "p50_ms": round(1000 * statistics.median(timings), 1) if timings else None,
        "p95_ms": round(1000 * percentile(timings, 0.95), 1) if timings else None,
        "max_ms": round(1000 * max(timings), 1) if timings else None,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--signups", type=int, default=100_000)
    parser.add_argument("--callers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--processes", type=int, default=1, help="Processes the callers are shared out over; 1: threads of this one."
    )
    parser.add_argument(
        "--beside",
        dest="apart",
        action="store_false",
        help="Each caller records an outcome as soon as given someone, beside the other callers' asks "
        "(by default, once every caller of the round has been given someone).",
    )
    parser.add_argument("--apart", action="store_true", help="The default; kept for the commands in bench/findings.md.")
    parser.set_defaults(apart=True)
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
        "processes": args.processes,
        "outcomes_apart": args.apart,
        "rounds": args.rounds,
    }
    for name, states in (
        ("bench-top-states", top),
        ("bench-every-state", sorted({*top, *SignUp.objects.values_list("state", flat=True).distinct()})),
    ):
        team, users = team_with_callers(name, states, args.callers)
        reset_queue()
        results[name] = {"states": len(states)} | measure(team, users, args.rounds, args.processes, args.apart)
    # Everything the callers of this run were handed (both teams): still nobody twice at once.
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

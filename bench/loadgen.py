"""Open-loop HTTP load generator for the livestream and for exact-count batches (asyncio, loopback only).

wrk measures the closed-loop runs; this drives what wrk cannot: a schedule of
request start times (a steady trickle with a burst), every request accounted for
by its own email address, and an exact number of sign-ups. Latency is measured
from the *scheduled* start, so time spent waiting for a free connection slot
counts too (no coordinated omission).

Each request opens its own connection (gunicorn's sync workers close it after
the response, as they would behind a proxy), sends one ``POST /api/v1/signups/``
and reads the response to the end. In-flight requests are capped (``max_inflight``),
as a load balancer's connection limit would; nothing is retried.
"""

import asyncio
import json
import random
import time
from dataclasses import dataclass

import uvloop

FIRST = ["Ana", "Luis", "Maya", "Omar", "Grace", "Tomás", "Aisha", "John", "Mei", "Ravi"]
LAST = ["Ruiz", "Smith", "Nguyen", "O'Neil", "Okafor", "Kowalski", "García", "Lee", "Brown", "Patel"]
OFFICES = ["school_board", "city_council", "county", "state_house", "state_senate", "us_house"]


def run(coroutine):
    """Run the load generator's ``coroutine`` on uvloop: about half the CPU per connection of
    asyncio's own loop, left to the server it measures on a shared machine."""
    return uvloop.run(coroutine)


@dataclass
class Result:
    index: int
    email: str
    scheduled: float  # seconds from the start of the run
    started: float  # when the connection was opened
    finished: float
    status: int  # 0: no HTTP answer
    error: str = ""

    @property
    def latency(self) -> float:
        """From the scheduled start to the end of the response."""
        return self.finished - self.scheduled


def read_zips(path: str) -> list[tuple[str, str, float, float]]:
    rows = []
    with open(path) as f:
        for line in f:
            zip_code, state, lat, lng = line.rstrip("\n").split("\t")[:4]
            rows.append((zip_code, state, float(lat), float(lng)))
    return rows


def signup_payload(email: str, row: tuple, rng: random.Random, *, point: bool) -> dict:
    """A fresh person at the ZIP ``row`` (zip, state, lat, lng), with an exact point near its centre if ``point``."""
    zip_code, state, lat, lng = row
    body = {
        "kind": "run",
        "first_name": rng.choice(FIRST),
        "last_name": rng.choice(LAST),
        "email": email,
        "address": {"state": state, "zip": zip_code},
        "offices": [rng.choice(OFFICES)],
        "timeframe": "next",
        "consent_email": True,
    }
    if point:
        body["location"] = {
            "lat": round(lat + rng.uniform(-0.01, 0.01), 5),
            "lng": round(lng + rng.uniform(-0.01, 0.01), 5),
        }
    return body


def signup_body(email: str, zips, rng: random.Random) -> bytes:
    """A fresh person at a real ZIP: half with an exact point near its centre, half ZIP only (no geocoder)."""
    return json.dumps(signup_payload(email, rng.choice(zips), rng, point=rng.random() < 0.5)).encode()


class _Exchange(asyncio.Protocol):
    """One request on its own connection, closed as soon as the whole answer is in.

    A protocol rather than asyncio's streams: the load generator shares the machine's two
    cores with the server it measures, and streams cost it 0.45 ms of CPU a request, a tenth
    of the machine at 500 requests a second (0.25-0.3 ms now, with uvloop). It closes once
    the answer's ``Content-Length`` is read, as a proxy in front of gunicorn does: gunicorn's
    sync worker, having answered, waits for the client to close before taking the next
    connection (``gunicorn.util.close_graceful``), so a slow close would count as the server's.
    """

    def __init__(self, request: bytes, done: asyncio.Future):
        self.request = request
        self.done = done
        self.received = bytearray()
        self.expected: int | None = None  # the answer's full length, once its head is read
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        self.received += data
        if self.expected is None:
            end = self.received.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.received[:end]).lower()
            at = head.find(b"\r\ncontent-length:")
            if at < 0:
                return  # no length given: read until the server closes
            length = int(head[at + 17 :].split(b"\r\n", 1)[0])
            self.expected = end + 4 + length
        if len(self.received) >= self.expected:
            self.transport.close()

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_result(bytes(self.received))


async def _one(host, port, index, email, body, scheduled, t0, timeout) -> Result:
    started = time.monotonic() - t0
    head = (
        f"POST /api/v1/signups/ HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"X-Forwarded-Proto: https\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    transport = None
    try:
        async with asyncio.timeout(timeout):
            transport, _ = await loop.create_connection(lambda: _Exchange(head + body, done), host, port)
            data = await done
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
        return Result(index, email, scheduled, started, time.monotonic() - t0, status, "" if status else "bad answer")
    except (OSError, TimeoutError, ValueError, IndexError) as exc:
        return Result(index, email, scheduled, started, time.monotonic() - t0, 0, type(exc).__name__)
    finally:
        if transport is not None:
            transport.close()


async def run_schedule(
    *,
    host: str,
    port: int,
    offsets: list[float],
    tag: str,
    zips,
    max_inflight: int = 512,
    timeout: float = 120.0,
    seed: int = 1,
) -> list[Result]:
    """Start request ``i`` at ``offsets[i]`` seconds (or as soon as one of ``max_inflight`` slots frees)."""
    rng = random.Random(seed)
    slots = asyncio.Semaphore(max_inflight)
    t0 = time.monotonic()

    async def task(i: int, at: float) -> Result:
        email = f"{tag}-{i}@bench.example.org"
        body = signup_body(email, zips, rng)
        delay = at - (time.monotonic() - t0)
        if delay > 0:
            await asyncio.sleep(delay)
        async with slots:
            return await _one(host, port, i, email, body, at, t0, timeout)

    return await asyncio.gather(*(task(i, at) for i, at in enumerate(offsets)))


async def run_count(*, host: str, port: int, count: int, concurrency: int, tag: str, zips, timeout: float = 60.0):
    """Exactly ``count`` sign-ups, ``concurrency`` at a time (closed loop)."""
    rng = random.Random(2)
    queue = list(range(count))
    results: list[Result] = []
    t0 = time.monotonic()

    async def client():
        while queue:
            i = queue.pop()
            email = f"{tag}-{i}@bench.example.org"
            now = time.monotonic() - t0
            results.append(await _one(host, port, i, email, signup_body(email, zips, rng), now, t0, timeout))

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return results


def livestream_offsets(*, total: int, seconds: float, burst_rate: float, burst_seconds: float, burst_at: float):
    """Start times: ``burst_rate``/s for ``burst_seconds`` from ``burst_at``, the rest spread evenly over the window."""
    burst = int(burst_rate * burst_seconds)
    rest = total - burst
    quiet = seconds - burst_seconds
    offsets = [burst_at + i / burst_rate for i in range(burst)]
    step = quiet / rest
    t = 0.0
    for _ in range(rest):
        offsets.append(t if t < burst_at else t + burst_seconds)
        t += step
    return sorted(offsets)

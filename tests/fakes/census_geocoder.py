"""A fake US Census Geocoder on loopback that answers with real recorded responses.

The recorded bodies live in ``settings.DISTRICTS_DATA_DIR / "census_geocoder"`` (see its
README); they are read from there at request time, never copied. The answer to a request
is chosen by the address in it (upper-cased, whitespace collapsed): the first key of
``scenarios`` (longest first) found in the address text decides; anything else gets the
recorded no-match body. Built-in scenarios:

=====================  ==========================================================
address contains       answer
=====================  ==========================================================
``421 8TH AVE``        NY-12 (421 8th Ave, New York, NY 10001), HTTP 200
``1100 CONGRESS``      Texas Capitol (1100 Congress Ave, Austin, TX 78701)
``200 W 24TH``         Wyoming, at large (200 W 24th St, Cheyenne, WY 82001)
``120 4TH ST``         Alaska Capitol (120 4th St, Juneau, AK 99801)
``1600 PENNSYLVANIA``  White House (1600 Pennsylvania Ave NW, Washington, DC 20500)
``4600 SILVER HILL``   Census Bureau HQ (``locations`` answer, benchmark 2020)
``ZZZZ``               no match (``addressMatches: []``)
``SERVER ERROR``       HTTP 500
``SLOW TIMEOUT``       waits ``FakeCensusGeocoder.delay`` seconds (default 10) first
``GARBAGE``            HTTP 200 with an HTML body (unparseable)
``BAD REQUEST``        HTTP 400 ``{"errors": ["Invalid benchmark in request"]}``
=====================  ==========================================================

Endpoints: ``GET /locations|geographies/address`` (``street``, ``city``, ``state``, ``zip``),
``GET /locations|geographies/onelineaddress`` (``address``) and
``POST /locations|geographies/addressbatch`` (multipart, ``addressFile``). A batch answer
has the recorded batch CSV shape (no header, every field quoted, rows in reverse order):
a ``Match`` row with ``"lng,lat"`` from the scenario's recorded JSON, a row taken from the
recorded batch files for their addresses (``3 Gramercy Park West``), ``No_Match`` otherwise;
an error scenario on any row turns the whole batch into that error.

Every request is recorded in ``requests`` (method, endpoint path, query/form fields), so
tests can count calls (``request_count``) to check caching.
"""

import csv
import email.parser
import email.policy
import io
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
from django.conf import settings as django_settings

RECORDED_DIR_NAME = "census_geocoder"
NO_MATCH_FILE = "forthepeople_geographies_onelineaddress_current_no_match.json"
BATCH_FILES = ("fitnr_locations_addressbatch_2017.csv",)


@dataclass(frozen=True)
class Reply:
    """How the fake answers: a recorded file, or a status and body; optionally after a delay."""

    file: str | None = None
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json;charset=utf-8"
    delay: bool = False  # wait FakeCensusGeocoder.delay seconds before answering


HTTP_500 = Reply(status=500, body=b"<html><body>Internal Server Error</body></html>", content_type="text/html")
TIMEOUT = Reply(file=NO_MATCH_FILE, delay=True)
GARBAGE = Reply(body=b"<html><body>Service temporarily unavailable</body></html>", content_type="text/html")
BAD_REQUEST = Reply(status=400, body=b'{"errors":["Invalid benchmark in request"],"status":"400"}')
NO_MATCH = Reply(file=NO_MATCH_FILE)

DEFAULT_SCENARIOS: dict[str, Reply] = {
    "421 8TH AVE": Reply(file="oravan_geographies_onelineaddress_current_ny12_layer_cd119_only.json"),
    "1100 CONGRESS": Reply(file="forthepeople_geographies_onelineaddress_acs2024_texas_capitol_cd119_sld2024.json"),
    "200 W 24TH": Reply(file="oravan_geographies_onelineaddress_current_wy_at_large_layer_cd119_only.json"),
    "120 4TH ST": Reply(
        file="forthepeople_geographies_onelineaddress_current_alaska_capitol_cd120_at_large_sld2026.json"
    ),
    "1600 PENNSYLVANIA": Reply(
        file="forthepeople_geographies_onelineaddress_current_white_house_dc_delegate_cd120_ward.json"
    ),
    "4600 SILVER HILL": Reply(file="pablotron_locations_onelineaddress_census_hq_bm2020.json"),
    "ZZZZ": NO_MATCH,
    "SERVER ERROR": HTTP_500,
    "SLOW TIMEOUT": TIMEOUT,
    "GARBAGE": GARBAGE,
    "BAD REQUEST": BAD_REQUEST,
}


def _upper(text: str) -> str:
    return " ".join(text.upper().split())


@dataclass
class RecordedRequest:
    method: str
    path: str  # endpoint, e.g. "/locations/address"
    params: dict[str, str] = field(default_factory=dict)  # query string or form fields
    rows: list[list[str]] = field(default_factory=list)  # batch: the uploaded CSV rows


class FakeCensusGeocoder:
    """The fake service. ``start()`` it (or use it as a context manager); ``url`` is its base URL."""

    def __init__(self, recorded_dir: Path, *, delay: float = 10.0):
        self.recorded_dir = Path(recorded_dir)
        if not self.recorded_dir.is_dir():
            raise FileNotFoundError(f"{self.recorded_dir}: recorded Census Geocoder answers not found")
        self.scenarios: dict[str, Reply] = dict(DEFAULT_SCENARIOS)
        self.delay = delay
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---
    def start(self) -> "FakeCensusGeocoder":
        fake = self

        class Handler(_Handler):
            geocoder = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-census-geocoder", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a timeout scenario
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- inspection ---
    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    # --- answers ---
    def scenario_for(self, address_text: str) -> Reply | None:
        text = _upper(address_text)
        for key in sorted(self.scenarios, key=len, reverse=True):
            if _upper(key) in text:
                return self.scenarios[key]
        return None

    def recorded(self, name: str) -> bytes:
        return (self.recorded_dir / name).read_bytes()

    def single_reply(self, address_text: str) -> Reply:
        return self.scenario_for(address_text) or NO_MATCH

    def batch_reply(self, rows: list[list[str]]) -> tuple[Reply, bytes]:
        """The reply for a whole batch: the first error scenario, or a CSV body."""
        recorded_lines = self._recorded_batch_lines()
        out_rows = []
        slow = False
        for row in rows:
            row_id, street, city, state, zip_code = (row + [""] * 5)[:5]
            input_address = f"{street}, {city}, {state}, {zip_code}"
            reply = self.scenario_for(input_address)
            if reply is not None and (reply.status != 200 or reply is GARBAGE):
                return reply, reply.body
            slow = slow or bool(reply and reply.delay)
            out_rows.append(self._batch_row(row_id, input_address, street, reply, recorded_lines))
        body = io.StringIO()
        writer = csv.writer(body, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerows(reversed(out_rows))  # the real service does not keep the input order
        return Reply(content_type="text/plain;charset=utf-8", delay=slow), body.getvalue().encode()

    def _recorded_batch_lines(self) -> list[list[str]]:
        lines = []
        for name in BATCH_FILES:
            lines.extend(r for r in csv.reader(io.StringIO(self.recorded(name).decode())) if r)
        return lines

    def _batch_row(self, row_id, input_address, street, reply, recorded_lines) -> list[str]:
        street_u = _upper(street)
        if street_u:
            for line in recorded_lines:
                if _upper(line[1]).startswith(street_u):
                    return [row_id, input_address, *line[2:]]
        if reply is not None and reply.file and reply.file.endswith(".json"):
            matches = json.loads(self.recorded(reply.file))["result"].get("addressMatches") or []
            if matches:
                m = matches[0]
                tiger = m.get("tigerLine") or {}
                coords = f"{m['coordinates']['x']},{m['coordinates']['y']}"
                return [
                    row_id,
                    input_address,
                    "Match",
                    "Exact",
                    m.get("matchedAddress", ""),
                    coords,
                    str(tiger.get("tigerLineId", "")),
                    tiger.get("side", ""),
                ]
        return [row_id, input_address, "No_Match"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        # A client that gave up (timeout scenario) makes the late write fail: expected.
        pass


class _Handler(BaseHTTPRequestHandler):
    geocoder: FakeCensusGeocoder
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's signature)
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path.rstrip("/")
        self.geocoder.record(RecordedRequest("GET", path, params))
        if path.endswith(("/locations/address", "/geographies/address")):
            text = " ".join(params.get(k, "") for k in ("street", "city", "state", "zip"))
        elif path.endswith(("/locations/onelineaddress", "/geographies/onelineaddress")):
            text = params.get("address", "")
        else:
            return self._send(Reply(status=404, body=b"Not Found", content_type="text/plain"), b"Not Found")
        if not text.strip():
            body = b'{"errors":["Address cannot be empty and cannot exceed 100 characters"],"status":"400"}'
            return self._send(Reply(status=400), body)
        reply = self.geocoder.single_reply(text)
        self._send(reply, self.geocoder.recorded(reply.file) if reply.file else reply.body)

    def do_POST(self):
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        fields, files = _parse_multipart(self.headers.get("Content-Type", ""), raw)
        rows = [r for r in csv.reader(io.StringIO(files.get("addressFile", b"").decode("utf-8", "replace"))) if r]
        self.geocoder.record(RecordedRequest("POST", path, fields, rows))
        if not path.endswith(("/locations/addressbatch", "/geographies/addressbatch")):
            return self._send(Reply(status=404, body=b"Not Found", content_type="text/plain"), b"Not Found")
        if "addressFile" not in files:
            return self._send(Reply(status=400, content_type="text/plain"), b"addressFile is required")
        reply, body = self.geocoder.batch_reply(rows)
        self._send(reply, body)

    def _send(self, reply: Reply, body: bytes) -> None:
        if reply.delay and self.geocoder._stopping.wait(self.geocoder.delay):
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client timed out and went away


def _parse_multipart(content_type: str, raw: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    if not content_type.startswith("multipart/form-data"):
        return fields, files
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            files[name] = payload
        else:
            fields[name] = payload.decode("utf-8", "replace")
    return fields, files


# --- pytest fixtures -------------------------------------------------------------------


@pytest.fixture
def geocode_cache(monkeypatch):
    """A cache namespace of the test's own for ``districts.geocoding.census``; its keys are deleted afterwards.

    Nothing cached by another test (or a developer's site) is seen, and nothing is left behind.
    Yields the namespace.
    """
    from django.core.cache import cache

    from districts.geocoding import census

    namespace = f"test-geocode-{uuid.uuid4().hex}"
    monkeypatch.setattr(census, "CACHE_NAMESPACE", namespace)
    yield namespace
    client = redis.Redis.from_url(django_settings.CACHES["default"]["LOCATION"])
    try:
        keys = list(client.scan_iter(match=cache.make_key(f"{namespace}:*"), count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def fake_census_geocoder(settings, geocode_cache):
    """A running ``FakeCensusGeocoder``; ``settings.CENSUS_GEOCODER_URL`` points at it.

    The client timeout is 2 s here, and the fake's timeout scenario waits 10 s. The
    geocoding cache is the test's own (``geocode_cache``).
    """
    fake = FakeCensusGeocoder(Path(settings.DISTRICTS_DATA_DIR) / RECORDED_DIR_NAME)
    fake.start()
    settings.CENSUS_GEOCODER_URL = fake.url
    settings.CENSUS_GEOCODER_TIMEOUT = 2.0
    yield fake
    fake.stop()

"""``load_districts --census YEAR --layers ...`` against a loopback server that serves TIGER/Line fixture zips.

The server lays the fixtures out as Census does (``TIGER2024/PLACE/tl_2024_50_place.zip``),
honours HTTP Range requests, answers 404 for files it does not have, and can be told to
cut one download off half-way, as a dropped connection would.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from districts.models import BoundarySet
from districts.sources import census_tiger_urls

from . import tiger
from .conftest import lookup

pytestmark = pytest.mark.django_db

TIGER_DIRS = {"county": "COUNTY", "cousub": "COUSUB", "place": "PLACE", "unsd": "UNSD", "elsd": "ELSD", "scsd": "SCSD"}


class TigerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), TigerHandler)
        self.root = root
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.cut_off: set[str] = set()  # paths whose next download stops half-way

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class TigerHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output quiet
        pass

    def do_GET(self):
        server: TigerServer = self.server
        server.requests.append((self.path, self.headers.get("Range")))
        path = server.root / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        start = 0
        if self.headers.get("Range", "").startswith("bytes="):
            start = int(self.headers["Range"][len("bytes=") :].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        if self.path in server.cut_off:
            server.cut_off.discard(self.path)
            self.wfile.write(body[start : start + (len(body) - start) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body[start:])


@pytest.fixture
def tiger_server(tmp_path, settings):
    """A Census look-alike serving the Vermont fixtures of 2024 (no secondary school district file)."""
    root = tmp_path / "www"
    built = tiger.write_all(tmp_path / "built")
    for layer, path in built.items():
        if layer == "scsd":
            continue  # like most states: Census publishes no secondary school district file
        target = root / "TIGER2024" / TIGER_DIRS[layer] / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    server = TigerServer(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.DISTRICTS_TIGER_URL = server.url
    settings.DISTRICTS_CACHE_DIR = tmp_path / "cache"
    yield server
    server.shutdown()
    server.server_close()


def load_census(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_districts", "--census", "2024", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fetched(server: TigerServer) -> list[str]:
    return [path.rsplit("/", 1)[-1] for path, _range in server.requests]


def test_census_local_layers_are_downloaded_loaded_and_looked_up(api_client, tiger_server):
    out, err = load_census("--layers", "county,cousub,place,school", "--states", "VT", "--make-current")

    assert fetched(tiger_server) == [
        "tl_2024_us_county.zip",
        "tl_2024_50_cousub.zip",
        "tl_2024_50_place.zip",
        "tl_2024_50_unsd.zip",
        "tl_2024_50_elsd.zip",
        "tl_2024_50_scsd.zip",
    ]
    assert "tl_2024_50_scsd.zip: not published for this state" in out
    assert "place 2024 tl_2024_50_place.zip [VT] (full, current): loaded, 3 areas (2 governing) in 1 states" in out
    # The progress bars: six files, and every feature read (the county file's Alaska feature is read too).
    assert "files: 100%" in err and "6/6" in err
    assert "features: 12feature" in err.replace(" ", "").replace("features:", "features: ")
    assert "tl_2024_50_place.zip:" in err  # each download's bytes
    found = lookup(api_client, *tiger.MAPLE_JUNCTION)["local"]
    assert found["county"]["geoid"] == "50901"
    assert [u["name"] for u in found["municipalities"]] == ["Maple town", "Maple Junction village"]
    assert [u["name"] for u in found["school_districts"]] == ["Maple Unified School District"]


def test_an_interrupted_run_resumes_without_fetching_or_loading_again_what_it_has(tiger_server, settings):
    place = "/TIGER2024/PLACE/tl_2024_50_place.zip"
    tiger_server.cut_off.add(place)

    with pytest.raises(CommandError) as excinfo:
        load_census("--layers", "county,cousub,place", "--states", "VT")

    assert "tl_2024_50_place.zip" in str(excinfo.value)
    assert "run again to resume" in str(excinfo.value)
    loaded = BoundarySet.objects.filter(vintage="2024", chamber__in=["county", "cousub", "place"])
    assert set(loaded.values_list("chamber", flat=True)) == {"county", "cousub"}
    assert not BoundarySet.objects.filter(chamber="place").exists()
    first = len(tiger_server.requests)

    out, _err = load_census("--layers", "county,cousub,place", "--states", "VT")

    again = tiger_server.requests[first:]
    # Only the file that was cut off is asked for again, from where it stopped.
    assert [path for path, _range in again] == [place]
    size = (tiger_server.root / place.lstrip("/")).stat().st_size
    assert again[0][1] == f"bytes={size // 2}-"
    assert "tl_2024_us_county.zip [VT]: unchanged" not in out  # a state-filtered load keeps its own name
    assert out.count("unchanged") == 2
    assert "place 2024 tl_2024_50_place.zip [VT] (full, current): loaded" in out
    cache = Path(settings.DISTRICTS_CACHE_DIR) / "127.0.0.1" / place.lstrip("/")
    assert cache.read_bytes() == (tiger_server.root / place.lstrip("/")).read_bytes()
    assert not list(cache.parent.glob("*.part"))


def test_a_missing_file_of_a_required_layer_fails_and_names_it(tiger_server):
    with pytest.raises(CommandError) as excinfo:
        load_census("--layers", "place", "--states", "NY")

    assert "tl_2024_36_place.zip: not published (HTTP 404)" in str(excinfo.value)


def test_unknown_layer_is_refused():
    with pytest.raises(CommandError) as excinfo:
        call_command("load_districts", "--census", "2024", "--layers", "county,wards", stdout=StringIO())

    assert "unknown layer 'wards'" in str(excinfo.value)


def test_census_urls_of_local_layers_list_the_national_county_file_and_each_states_files():
    urls = census_tiger_urls(2024, ["county", "cousub", "place", "unsd", "elsd", "scsd"])

    base = "https://www2.census.gov/geo/tiger/TIGER2024"
    assert urls[0] == f"{base}/COUNTY/tl_2024_us_county.zip"
    assert [u for u in urls if "/COUNTY/" in u] == [urls[0]]
    for layer in ("cousub", "place", "unsd", "elsd", "scsd"):
        files = [u for u in urls if f"/{layer.upper()}/" in u]
        assert len(files) == 51  # the 50 states and DC
        assert f"{base}/{layer.upper()}/tl_2024_11_{layer}.zip" in files
        assert f"{base}/{layer.upper()}/tl_2024_50_{layer}.zip" in files
    assert census_tiger_urls(2024, ["place"], {"VT", "NY"}) == [
        f"{base}/PLACE/tl_2024_36_place.zip",
        f"{base}/PLACE/tl_2024_50_place.zip",
    ]
    # The chambers stay the default.
    assert census_tiger_urls(2024)[0] == f"{base}/CD/tl_2024_us_cd119.zip"

"""The real thing in a subprocess: ``aggregator run`` (scheduler + HTTP server) and
``aggregator serve`` on a free port, with sources on the local fixture server. HTTP
caching, compression, content types, health, readiness, metrics and the status page;
a clean exit on SIGTERM; and a ``kill -9`` in the middle of a large fetch that leaves
the database and the outputs intact."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import feedparser
import httpx
import pytest
from lxml import etree
from prometheus_client.parser import text_string_to_metric_families

from conftest import feed_route, write_config
from httpfixture import FixtureServer, Route, redirect
from misbehaviours import EVENTUALLY, Gauge, Progress, held, slow_body, wait_for

ATOM = "{http://www.w3.org/2005/Atom}"
#: SIGTERM must end the process well within this (fetches get STOP_GRACE = 5 s)
EXIT_WITHIN = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Aggregator:
    """A running ``python -m aggregator ...`` and how to reach it."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, **headers: str) -> httpx.Response:
        return httpx.get(self.base + path, headers=headers, timeout=10)

    def alive(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the aggregator exited with {self.process.returncode}:\n"
                                 + self.output()[-4000:])
        return True

    def up(self) -> bool:
        self.alive()
        try:
            return self.get("/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(EXIT_WITHIN)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {EXIT_WITHIN:g} s after {sig.name}:\n"
                                 + self.output()[-4000:]) from None


@contextmanager
def aggregator(command: str, config: Path, *, host: str = "127.0.0.1",
               wait_until_up: bool = True) -> Iterator[Aggregator]:
    port = free_port()
    log = config.parent / f"{command}.log"
    env = {**os.environ, "AGGREGATOR_PORT": str(port), "AGGREGATOR_HOST": host,
           "AGGREGATOR_LOG_FORMAT": "json"}
    env.pop("AGGREGATOR_CONFIG", None)
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "aggregator", command, "--config", str(config)],
            stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=config.parent)
    running = Aggregator(process, f"http://{host}:{port}", log)
    try:
        if wait_until_up:
            wait_for(running.up, f"'aggregator {command}' to answer /healthz")
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def cli(*args: str, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aggregator", *args, "--config", str(config)],
                          capture_output=True, text=True, timeout=300, cwd=config.parent,
                          env={**os.environ, "COLUMNS": "400"})


def entries(document: bytes) -> list[etree._Element]:
    return etree.fromstring(document).findall(f"{ATOM}entry")


# -- aggregator run ------------------------------------------------------------------

@dataclass
class Portal:
    running: Aggregator
    folder: Path
    server: FixtureServer


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """``aggregator run`` with four partners: two healthy, one moved, one missing. Shared
    by the tests that only read from it (starting the service costs seconds)."""
    server = FixtureServer().start()
    folder = tmp_path_factory.mktemp("portal")
    server.add("/old", redirect("/new", 301))
    server.add("/new", feed_route("ru-atom.atom"))
    config = write_config(folder, [
        {"id": "kargah", "name": "kargah e.V.", "tags": ["partner"],
         "url": server.add("/kargah", feed_route("kargah-rss2-de.xml"))},
        {"id": "uk", "name": "Ukrainian news", "url": server.add("/uk", feed_route("uk-rss2.xml"))},
        {"id": "moved", "name": "Moved partner", "url": server.url("/old")},
        {"id": "missing", "name": "Missing partner", "url": server.url("/nothing-here")},
    ], interval="2s", timeout="5s", deadline="10s")
    try:
        with aggregator("run", config) as running:
            wait_for(lambda: running.alive()
                     and published_after(running, {"kargah", "uk", "moved"}),
                     "the first fetches to be published")
            assert len(entries(running.get("/feed.atom").content)) == 5 + 2 + 2
            yield Portal(running, folder, server)
    finally:
        server.stop()


def published_after(running: Aggregator, sources: set[str]) -> bool:
    """Whether the log shows a finished publish after the first good fetch of each source."""
    pending = set(sources)
    for line in running.output().splitlines():
        event = json.loads(line) if line.startswith("{") else {}
        if event.get("event") == "fetch" and event.get("outcome") == "ok":
            pending.discard(event.get("source"))
        elif event.get("event") == "publish" and not pending:
            return True
    return False


def test_run_serves_feeds_with_validators_and_caching_headers(portal: Portal) -> None:
    running = portal.running
    response = running.get("/feed.atom")
    assert response.status_code == 200
    headers = response.headers
    assert headers["content-type"] == "application/atom+xml; charset=utf-8"
    etag = headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10  # strong
    parsedate_to_datetime(headers["last-modified"])
    assert headers["cache-control"] == "public, max-age=2"  # the polling interval
    assert "accept-encoding" in headers["vary"].lower()
    assert headers["access-control-allow-origin"] == "*"
    assert headers["x-content-type-options"] == "nosniff"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0 and parsed.version == "atom10" and len(parsed.entries) == 9

    for name, value in [("If-None-Match", etag), ("If-None-Match", f'"x", W/{etag}'),
                        ("If-None-Match", "*"),
                        ("If-Modified-Since", headers["last-modified"])]:
        again = running.get("/feed.atom", **{name: value})
        assert again.status_code == 304, (name, value)
        assert again.content == b"" and again.headers["etag"] == etag
        assert again.headers["cache-control"] == "public, max-age=2"
    earlier = format_datetime(parsedate_to_datetime(headers["last-modified"])
                              - timedelta(days=1), usegmt=True)
    for name, value in [("If-None-Match", '"something-else"'),
                        ("If-Modified-Since", earlier), ("If-Modified-Since", "garbage"),
                        ("If-Modified-Since", "Fri, 01 Jan 9999 00:00:00 GMT")]:  # future
        assert running.get("/feed.atom", **{name: value}).status_code == 200, (name, value)
    # If-None-Match wins over If-Modified-Since (RFC 9110 section 13.2.2)
    both = running.get("/feed.atom", **{"If-None-Match": '"other"',
                                        "If-Modified-Since": headers["last-modified"]})
    assert both.status_code == 200

    head = httpx.head(running.base + "/feed.atom", headers={"Accept-Encoding": "identity"},
                      timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(response.content)
    assert head.headers["etag"] == etag and "content-encoding" not in head.headers
    zipped = httpx.head(running.base + "/feed.atom", headers={"Accept-Encoding": "gzip"},
                        timeout=10)
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) == len(gzip.compress(response.content, 6,
                                                                      mtime=0))


def test_run_compresses_for_clients_that_ask(portal: Portal) -> None:
    running = portal.running
    plain = running.get("/feed.atom", **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    with httpx.stream("GET", running.base + "/feed.atom", headers={"Accept-Encoding": "gzip"},
                      timeout=10) as response:
        raw = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in response.headers["vary"].lower()
        assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert raw[:2] == b"\x1f\x8b" and len(raw) < len(plain.content)
    assert gzip.decompress(raw) == plain.content
    for refusing in ("gzip;q=0, identity", "*;q=0", "br", "x-gzip;q=0.0, *"):
        answer = running.get("/feed.atom", **{"Accept-Encoding": refusing})
        assert "content-encoding" not in answer.headers, refusing  # was gzip when named
        assert answer.content == plain.content
    for taking in ("GZIP", "x-gzip", "br;q=1, gzip;q=0.5", "*"):
        with httpx.stream("GET", running.base + "/feed.atom",
                          headers={"Accept-Encoding": taking}, timeout=10) as response:
            assert response.headers["content-encoding"] == "gzip", taking


def test_run_serves_every_published_file_with_its_content_type(portal: Portal) -> None:
    running, folder = portal.running, portal.folder
    expected = {".atom": "application/atom+xml; charset=utf-8",
                ".rss": "application/rss+xml; charset=utf-8",
                ".json": "application/feed+json; charset=utf-8",
                ".opml": "text/x-opml; charset=utf-8",
                ".html": "text/html; charset=utf-8",
                ".ics": "text/calendar; charset=utf-8"}
    output = folder / "data" / "public"
    files = [path for path in output.rglob("*") if path.is_file()
             and not path.name.startswith(".") and path.suffix in expected]
    served = {path.relative_to(output).as_posix() for path in files}
    assert {"feed.atom", "lang/de.atom", "lang/uk.atom", "source/kargah.atom",
            "source/moved.atom", "tag/partner.atom"} <= served
    for path in files:
        relative = path.relative_to(output).as_posix()
        response = running.get("/" + relative)
        assert response.status_code == 200, relative
        assert response.headers["content-type"] == expected[path.suffix], relative
        assert response.content == path.read_bytes(), relative
        if path.suffix != ".html":
            assert response.headers["access-control-allow-origin"] == "*", relative
    for missing in ["/nothing.atom", "/%2e%2e/feeds.toml", "/..%2ffeeds.toml",
                    "/lang/../../feeds.toml", "/feed.atom%00.html"]:  # NUL: was a 500
        response = running.get(missing)
        assert response.status_code == 404, missing
        assert b"[aggregator]" not in response.content


def test_run_reports_health_readiness_and_metrics(portal: Portal) -> None:
    running = portal.running
    health = running.get("/healthz")
    assert health.status_code == 200 and health.text == "ok\n"
    ready = running.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "checks": {"database": "ok", "scheduler": "ok",
                                                      "outputs": "ok"}}
    metrics = running.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
               for family in text_string_to_metric_families(metrics.text)
               for sample in family.samples}
    ok = samples[("aggregator_fetches_total", (("code", ""), ("outcome", "ok")))]
    assert ok >= 3  # kargah, uk, moved: at least once each
    assert samples[("aggregator_fetches_total", (("code", "http_404"), ("outcome", "error")))] >= 1
    assert samples[("aggregator_sources_failing", ())] == 1
    assert samples[("aggregator_entries_total", (("change", "new"),))] == 9
    assert ("aggregator_source_last_success_timestamp_seconds", (("source", "kargah"),)) in samples


def test_run_shows_sources_and_their_errors(portal: Portal) -> None:
    running = portal.running
    page = running.get("/sources")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    text = page.text
    for name in ("kargah e.V.", "Ukrainian news", "Moved partner", "Missing partner"):
        assert name in text
    assert "404" in text and "does not exist" in text
    assert portal.server.url("/new") in text  # the remembered new address of the moved one


def test_run_closes_connections_that_never_finish_a_request(portal: Portal) -> None:
    """A client that connects and sends nothing, or half a request, or a byte at a
    time (slowloris), loses its connection after REQUEST_HEADERS_SECONDS; before,
    each held one for ever, and enough of them the server's file descriptors."""
    from aggregator.web import REQUEST_HEADERS_SECONDS

    host, port = portal.running.base.removeprefix("http://").split(":")
    silent = socket.create_connection((host, int(port)))
    half = socket.create_connection((host, int(port)))
    half.sendall(b"GET /feed.atom HTTP/1.1\r\nHost: portal\r\n")
    trickle = socket.create_connection((host, int(port)))
    started = time.monotonic()
    for byte in b"GET /feed.atom HTTP/1.1\r\nX-Slow: " + b"a" * 40:  # one byte a second
        if time.monotonic() - started > REQUEST_HEADERS_SECONDS + 2:
            break
        try:
            trickle.sendall(bytes([byte]))
        except OSError:  # closed by the server
            break
        time.sleep(1.0)
        assert portal.running.get("/healthz").status_code == 200  # others are served
    for connection in (silent, half, trickle):
        connection.settimeout(5)
        try:
            assert connection.recv(100) == b""  # closed, nothing answered
        except ConnectionResetError:
            pass
        finally:
            connection.close()
    assert time.monotonic() - started < REQUEST_HEADERS_SECONDS + 5


def test_run_stops_cleanly_on_sigterm(server: FixtureServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, [
        {"id": "uk", "name": "UA", "url": server.add("/uk", feed_route("uk-rss2.xml"))}],
        interval="1s")
    with aggregator("run", config) as running:
        wait_for(lambda: running.alive() and published_after(running, {"uk"}),
                 "the first fetch to be published")
        assert running.get("/readyz").status_code == 200
        assert running.stop(signal.SIGTERM) == 0
    lines = [json.loads(line) for line in running.output().splitlines() if line.startswith("{")]
    events = [line.get("event") for line in lines]
    assert "start" in events and "stop" in events
    assert not [line for line in lines if line["level"] in ("error", "critical")]
    with sqlite3.connect(tmp_path / "data" / "test.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_run_lets_a_fetch_in_flight_finish_on_sigterm(server: FixtureServer,
                                                     tmp_path: Path) -> None:
    gate, gauge = threading.Event(), Gauge()
    config = write_config(tmp_path, [{"id": "slow", "name": "Slow", "url": server.add(
        "/slow", Route(behaviour=held(feed_route("uk-rss2.xml"), gate, gauge)))}],
        interval="1s", timeout="30s", deadline="30s")
    try:
        with aggregator("run", config) as running:
            wait_for(lambda: running.alive() and gauge.now == 1, "the fetch to be in flight")
            running.process.send_signal(signal.SIGTERM)
            wait_for(lambda: '"event": "stop"' in running.output(), "the stop to begin")
            gate.set()  # the partner answers while we are stopping
            assert running.process.wait(EXIT_WITHIN) == 0
    finally:
        gate.set()
    assert server.hits("/slow") == 1
    with sqlite3.connect(tmp_path / "data" / "test.db") as db:
        assert db.execute("SELECT count(*) FROM entries WHERE source_id = 'slow'"
                          ).fetchone()[0] == 2
    assert len(entries((tmp_path / "data" / "public" / "feed.atom").read_bytes())) == 2


def test_run_abandons_a_stuck_fetch_and_still_exits_cleanly(server: FixtureServer,
                                                           tmp_path: Path) -> None:
    gate, gauge = threading.Event(), Gauge()
    config = write_config(tmp_path, [
        {"id": "stuck", "name": "Stuck", "url": server.add(
            "/stuck", Route(behaviour=held(feed_route("uk-rss2.xml"), gate, gauge)))},
        {"id": "good", "name": "Good", "url": server.add("/good", feed_route("ru-atom.atom"))},
    ], interval="1s", timeout="60s", deadline="60s")
    try:
        with aggregator("run", config) as running:
            wait_for(lambda: running.alive() and gauge.now == 1, "the fetch to be in flight")
            wait_for(lambda: len(entries(running.get("/feed.atom").content)) == 2,
                     "the good source to be published")
            assert running.stop(signal.SIGTERM) == 0
    finally:
        gate.set()


# -- aggregator serve -----------------------------------------------------------------

def test_serve_alone_on_the_configured_host_and_port(server: FixtureServer,
                                                     tmp_path: Path) -> None:
    config = write_config(tmp_path, [
        {"id": "kargah", "name": "kargah e.V.",
         "url": server.add("/kargah", feed_route("kargah-rss2-de.xml"))}], interval="1s")
    fetched = cli("fetch", config=config)
    assert fetched.returncode == 0, fetched.stderr
    requests = len(server.requests)
    with aggregator("serve", config, host="127.0.0.2") as running:
        assert running.base.startswith("http://127.0.0.2:")
        ready = running.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"ready": True, "checks": {"database": "ok", "outputs": "ok"}}
        feed = running.get("/feed.atom")
        assert feed.status_code == 200 and len(entries(feed.content)) == 5
        assert running.get("/feed.atom", **{"If-None-Match": feed.headers["etag"]}
                           ).status_code == 304
        assert running.get("/metrics").status_code == 200
        assert running.get("/sources").status_code == 200
        assert running.stop(signal.SIGINT) == 0
    assert len(server.requests) == requests  # the server alone never fetches
    log = running.output()
    assert "uvloop + httptools" in log  # the fast event loop and HTTP parser are used
    assert "publish_skipped" in log  # the fetch left the outputs up to date


def test_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    with aggregator("serve", config) as running:
        assert running.get("/feed.atom").status_code == 200  # published at start, empty
        assert running.get("/readyz").status_code == 200
        (tmp_path / "data" / "public" / "feed.atom").unlink()
        not_ready = running.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["ready"] is False
        assert not_ready.json()["checks"]["outputs"] != "ok"
        assert running.get("/healthz").status_code == 200  # alive, though not ready
        assert running.stop(signal.SIGTERM) == 0


def test_serve_on_a_busy_port_fails_with_a_clear_message(tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "aggregator", "serve", "--config", str(config)],
            capture_output=True, text=True, timeout=60, cwd=tmp_path,
            env={**os.environ, "AGGREGATOR_PORT": str(port)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "AGGREGATOR_PORT" in result.stderr and str(port) in result.stderr
    assert "Traceback" not in result.stderr


# -- kill -9 in the middle of a large fetch ---------------------------------------------

BIG = 30_000


def big_feed(count: int) -> bytes:
    """``count`` items of varied made-up words (so they are not near-duplicates of each
    other, which the story matcher would rightly work hard on)."""
    rng = random.Random(count)
    syllables = ["han", "no", "ver", "li", "nden", "stadt", "kul", "tur", "be", "ra", "tung",
                 "kurs", "zen", "trum", "nach", "bar", "schaft", "fest", "mu", "sik", "ta", "ge"]
    words = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(3000)})

    def text(length: int) -> str:
        return " ".join(rng.choices(words, k=length))

    items = "".join(
        f"<item><title>{text(5).capitalize()}</title>"
        f"<link>https://big.example/news/{n}</link><guid>https://big.example/news/{n}</guid>"
        f"<pubDate>Thu, 12 Mar 2026 {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d} GMT"
        f"</pubDate><description>{text(12)}.</description></item>" for n in range(count))
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>Big partner</title><link>https://big.example/</link>"
            f"<language>de</language>{items}</channel></rss>").encode()


@pytest.fixture(scope="module")
def big() -> bytes:
    return big_feed(BIG)


def integrity(database: Path) -> tuple[str, int]:
    with sqlite3.connect(database) as db:
        return (db.execute("PRAGMA integrity_check").fetchone()[0],
                db.execute("SELECT count(*) FROM entries WHERE source_id = 'big'").fetchone()[0])


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["downloading", "storing"])
def test_kill_9_in_the_middle_of_a_large_fetch(server: FixtureServer, tmp_path: Path,
                                               big: bytes, moment: str) -> None:
    progress = Progress()
    url = server.add("/big", Route(behaviour=slow_body(big, progress, chunk=128 * 1024)))
    config = write_config(tmp_path, [
        {"id": "small", "name": "Small", "url": server.add("/small", feed_route("uk-rss2.xml"))},
        {"id": "big", "name": "Big", "interval": "1h", "url": url},
    ], interval="2s", max_body_size="32MiB", deadline="10m", timeout="60s")
    database = tmp_path / "data" / "test.db"
    wal = database.with_name(database.name + "-wal")
    written: list[int] = []

    def storing() -> bool:
        """The big feed's transaction shows in the write-ahead log (while SQLite spills
        pages into it, or at the latest when it commits): kill as soon as it does."""
        if progress.sent < len(big):
            return False
        written.append(wal.stat().st_size if wal.exists() else 0)
        return written[-1] > written[0] + 256 * 1024

    with aggregator("run", config) as running:
        if moment == "downloading":
            wait_for(lambda: running.alive() and progress.sent > len(big) // 2,
                     "half of the big feed to be sent")
        else:
            wait_for(lambda: running.alive() and storing(), "the big feed to be stored",
                     timeout=5 * EVENTUALLY)
        running.process.kill()
        running.process.wait()
    assert running.process.returncode == -signal.SIGKILL
    check, after_kill = integrity(database)
    assert check == "ok"
    output = tmp_path / "data" / "public"
    documents = [path for path in output.rglob("*")
                 if path.suffix in (".atom", ".rss", ".opml") and not path.name.startswith(".")]
    assert any(path.name == "feed.atom" for path in documents)
    for path in documents:
        etree.fromstring(path.read_bytes())  # complete, well-formed XML

    server.routes["/big"] = Route(body=big, headers={"Content-Type": "application/rss+xml"})
    fetched = cli("fetch", config=config)
    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    check, complete = integrity(database)
    assert check == "ok" and complete > 0
    assert "big: failed" not in fetched.stdout and ", 0 failed" in fetched.stdout
    assert after_kill in (0, complete)  # one transaction per source: all or nothing
    assert len(entries((output / "feed.atom").read_bytes())) == 100  # max_entries

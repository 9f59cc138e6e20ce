"""Polite fetching that never stalls: every way a partner's server can misbehave,
through the real pipeline (local HTTP server, real SQLite file, published outputs),
with a good source beside the bad one; and the pure scheduling decisions with plain
values."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import random
import socket
import subprocess
import sys
import threading
import tracemalloc
import zlib
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from aggregator import decide
from aggregator.errors import (
    FetchError,
    FetchTimeout,
    GoneError,
    HTTPStatusError,
    NetworkError,
    SourceError,
    TooLargeError,
)
from aggregator.fetch import Fetcher, retry_after_seconds
from aggregator.models import (
    FetchLimits,
    FetchRequest,
    FetchResult,
    ParsedFeed,
    Settings,
    SourceState,
    UpdateResult,
)
from aggregator.parse import parse_feed
from aggregator.service import fetch_once
from aggregator.store import Store
from aggregator.update import Pipeline

from conftest import FEEDS, feed_route, load_settings
from httpfixture import (
    FixtureServer,
    Route,
    endless,
    gzip_bomb,
    raw,
    redirect,
    stall_after_headers,
    trickle,
)
from misbehaviours import Gauge, held, wait_for

ATOM = "{http://www.w3.org/2005/Atom}"
MiB = 1024 * 1024
INTERVAL = timedelta(minutes=10)
#: small limits keep the suite fast: a stalled server costs at most two seconds; parsing
#: in this process (no worker processes to start for every pass)
LIMITS: dict[str, object] = {"deadline": "2s", "timeout": "1s", "max_body_size": "1MiB",
                             "interval": "10m", "contact": "https://portal.test/contact",
                             "parse_workers": 0}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
UK = (FEEDS / "uk-rss2.xml").read_bytes()
HTML_ERROR = (b"<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Database "
              b"error</h1><p>Please try again later.</p></body></html>")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


# -- helpers ---------------------------------------------------------------------

def settings_for(folder: Path, sources: list[dict[str, object]], **extra: object) -> Settings:
    return load_settings(folder, sources, **{**LIMITS, **extra})


def fetch(settings: Settings) -> dict[str, UpdateResult]:
    results, _ = asyncio.run(fetch_once(settings, settings.sources))
    return {result.source_id: result for result in results}


class Fixed(random.Random):
    """A random source that always says the same: jitter made predictable."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def update(settings: Settings, spread: float, cpu: Executor | None = None
           ) -> dict[str, UpdateResult]:
    """One pass of the spine over every source with a fixed jitter."""
    async def go() -> list[UpdateResult]:
        async with Pipeline(settings, rng=Fixed(spread), cpu=cpu) as pipeline:
            return await pipeline.update_many(settings.sources)
    return {result.source_id: result for result in asyncio.run(go())}


def states(settings: Settings) -> dict[str, SourceState]:
    store = Store.open(settings.database)
    try:
        return store.states()
    finally:
        store.close()


def stored(settings: Settings, source_id: str) -> list[dict[str, object]]:
    return snapshot(settings)[1][source_id]


def snapshot(settings: Settings
             ) -> tuple[dict[str, SourceState], defaultdict[str, list[dict[str, object]]]]:
    """Every source's state and stored entries (opening the database once)."""
    store = Store.open(settings.database)
    try:
        rows: defaultdict[str, list[dict[str, object]]] = defaultdict(list)
        for row in store.rows("SELECT * FROM entries ORDER BY id"):
            rows[str(row["source_id"])].append(row)
        return store.states(), rows
    finally:
        store.close()


def published_titles(settings: Settings, path: str) -> list[str]:
    root = etree.fromstring((settings.output_dir / path).read_bytes())
    return [entry.findtext(f"{ATOM}title") or "" for entry in root.findall(f"{ATOM}entry")]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- every misbehaviour, beside a good source ---------------------------------------

@dataclass(frozen=True)
class Bad:
    route: Callable[[FixtureServer], Route]
    code: str
    says: str  # a fragment of the message people read
    #: the server's "not before", from the route and the time the fetch started
    retry_after: Callable[[Route, datetime], datetime] | None = None
    #: limits for this case, so the intended one trips even on a busy machine
    limits: dict[str, object] = field(default_factory=dict)


def status(code: int, **headers: str) -> Callable[[FixtureServer], Route]:
    return lambda server: Route(status=code, body=b"error",
                                headers={"Content-Type": "text/plain", **headers})


def loop(server: FixtureServer) -> Route:
    server.add("/loop-b", redirect("/loop-c", 302))
    server.add("/loop-c", redirect(server.url("/bad"), 301))
    return redirect("/loop-b", 301)


def long_chain(server: FixtureServer) -> Route:
    for hop in range(1, 8):
        server.add(f"/hop{hop}", redirect(f"/hop{hop + 1}", 302))
    server.add("/hop8", feed_route("uk-rss2.xml"))
    return redirect("/hop1", 302)


def corrupt_gzip(server: FixtureServer) -> Route:
    body = bytearray(gzip.compress(UK))
    body[20:40] = b"\xff" * 20
    return Route(body=bytes(body), headers={**RSS, "Content-Encoding": "gzip"})


def in_three_hours(server: FixtureServer) -> Route:
    when = format_datetime(datetime.now(UTC) + timedelta(hours=3), usegmt=True)
    return status(503, **{"Retry-After": when})(server)


BAD = {
    # a byte every 0.2 s never trips the read timeout; the total deadline stops it
    "trickle": Bad(lambda s: Route(behaviour=trickle(UK, every=0.2)), "timeout", "within 2 s",
                   limits={"timeout": "10s", "deadline": "2s"}),
    "stall_after_headers": Bad(lambda s: Route(behaviour=stall_after_headers(30)), "timeout",
                               "waiting for data", limits={"timeout": "1s", "deadline": "20s"}),
    "huge_body": Bad(lambda s: Route(body=b"<rss>" + b" " * (2 * MiB), headers=RSS),
                     "too_large", "the limit is 1,048,576"),
    "endless": Bad(lambda s: Route(behaviour=endless()), "too_large", "limit of 1,048,576"),
    "gzip_bomb": Bad(lambda s: Route(behaviour=gzip_bomb(64 * MiB)), "too_large",
                     "after decompression"),
    "corrupt_gzip": Bad(corrupt_gzip, "decoding", "corrupt"),
    "redirect_loop": Bad(loop, "redirect", "loop"),
    "too_many_redirects": Bad(long_chain, "redirect", "more than 5 redirects"),
    "redirect_to_a_file": Bad(lambda s: redirect("file:///etc/passwd", 301), "redirect",
                              "non-web address"),
    "gone": Bad(status(410), "http_410", "gone for good"),
    "too_many_requests": Bad(status(429, **{"Retry-After": "7200"}), "http_429", "slow down",
                             retry_after=lambda route, started: started
                             + timedelta(seconds=7200)),
    "unavailable_until_a_date": Bad(
        in_three_hours, "http_503", "unavailable",
        retry_after=lambda route, _: parsedate_to_datetime(route.headers["Retry-After"])),
    "internal_error": Bad(status(500), "http_500", "internal error"),
    "not_found": Bad(status(404), "http_404", "does not exist"),
    "html_error_page_with_200": Bad(
        lambda s: Route(body=HTML_ERROR, headers={"Content-Type": "text/html; charset=utf-8"}),
        "not_a_feed", "HTML page"),
    "image_with_200": Bad(lambda s: Route(body=PNG, headers={"Content-Type": "image/png"}),
                          "not_a_feed", "not a feed"),
    "empty_200": Bad(lambda s: Route(body=b"", headers=RSS), "not_a_feed", "empty"),
    # half a feed: nothing of it is stored
    "truncated_body": Bad(lambda s: Route(behaviour=raw(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: "
        + str(len(UK)).encode() + b"\r\n\r\n" + UK[: len(UK) // 2])),
        "network", "connection broke"),
    "invalid_length": Bad(lambda s: Route(behaviour=raw(
        b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n" + UK)),
        "bad_http", "not valid HTTP"),
    "broken_chunks": Bad(lambda s: Route(behaviour=raw(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + UK)),
        "bad_http", "not valid HTTP"),
    "endless_headers": Bad(lambda s: Route(behaviour=raw(
        b"HTTP/1.1 200 OK\r\n" + b"X-Junk: " + b"y" * 200_000 + b"\r\n\r\n")),
        "bad_http", "not valid HTTP"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_misbehaving_server_is_recorded_and_the_good_source_is_unaffected(
        server: FixtureServer, tmp_path: Path, name: str) -> None:
    bad = BAD[name]
    good_url = server.add("/good", feed_route("kargah-rss2-de.xml"))
    bad_url = server.add("/bad", feed_route("uk-rss2.xml"))
    settings = settings_for(tmp_path, [{"id": "good", "name": "Good", "url": good_url},
                                       {"id": "bad", "name": "Bad", "url": bad_url}],
                            **bad.limits)
    first = update(settings, 0.5)  # the pipeline alone: the fetch below publishes
    assert (first["good"].counts.new, first["bad"].counts.new) == (5, 2)
    before, rows_before = snapshot(settings)

    route = bad.route(server)
    server.routes["/bad"] = route
    started = datetime.now(UTC)
    results = fetch(settings)
    finished = datetime.now(UTC)
    after, rows_after = snapshot(settings)

    result, state = results["bad"], after["bad"]
    assert result.error_code == bad.code, result.error
    assert bad.says in (result.error or "")
    assert state.last_error_code == bad.code and state.last_error == result.error
    assert state.last_error_at is not None and started <= state.last_error_at <= finished
    assert state.failures == 1
    # nothing stored, nothing forgotten: entries, validators and body hash stay
    assert rows_after["bad"] == rows_before["bad"]
    assert result.counts.new == result.counts.updated == 0
    for kept in ("etag", "last_modified", "body_hash", "last_success", "feed_title"):
        assert getattr(state, kept) == getattr(before["bad"], kept), kept
    assert state.moved_to is None
    if bad.code == "http_410":
        assert result.outcome == "retired" and result.next_fetch is None and state.retired
    else:
        assert result.outcome == "error" and not state.retired
        assert state.next_fetch is not None and result.next_fetch == state.next_fetch
        if bad.retry_after is not None:
            # the server's Retry-After is honoured: not one second earlier
            assert state.next_fetch >= bad.retry_after(route, started)
            assert state.next_fetch <= finished + decide.MAX_BACKOFF
        else:
            assert started + INTERVAL * 0.9 <= state.next_fetch <= finished + INTERVAL * 1.1
    # the good source beside it: asked conditionally, answered 304, untouched
    assert results["good"].outcome == "not_modified" and results["good"].error is None
    assert rows_after["good"] == rows_before["good"]
    assert after["good"].failures == 0 and after["good"].last_error is None
    # the last good outputs are still published
    assert len(published_titles(settings, "source/bad.atom")) == 2
    assert len(published_titles(settings, "feed.atom")) == 7


def test_refused_connection_is_recorded_and_the_good_source_is_unaffected(
        server: FixtureServer, tmp_path: Path) -> None:
    partner = FixtureServer().start()
    try:
        bad_url = partner.add("/feed", feed_route("uk-rss2.xml"))
        good_url = server.add("/good", feed_route("kargah-rss2-de.xml"))
        settings = settings_for(tmp_path, [{"id": "good", "name": "Good", "url": good_url},
                                           {"id": "bad", "name": "Bad", "url": bad_url}])
        fetch(settings)
    finally:
        partner.stop()  # nothing listens there any more
    bad_rows = stored(settings, "bad")
    results = fetch(settings)
    assert results["bad"].error_code == "refused"
    assert "refused the connection" in (results["bad"].error or "")
    assert states(settings)["bad"].last_error_code == "refused"
    assert stored(settings, "bad") == bad_rows
    assert results["good"].outcome == "not_modified"
    assert len(published_titles(settings, "feed.atom")) == 7


def test_nothing_listening_on_a_fresh_source(server: FixtureServer, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, [
        {"id": "nobody", "name": "Nobody", "url": f"http://127.0.0.1:{closed_port()}/feed"},
        {"id": "good", "name": "Good", "url": server.add("/good", feed_route("uk-rss2.xml"))}])
    results = fetch(settings)
    assert results["nobody"].error_code == "refused"
    assert stored(settings, "nobody") == []
    assert results["good"].counts.new == 2


def test_a_304_to_a_request_that_was_not_conditional_is_an_error(
        server: FixtureServer, tmp_path: Path) -> None:
    """A server that answers 304 Not Modified to the first request (no validators were
    sent, so there is nothing it could be "not modified" against) would leave a new
    partner empty with every pass counted a success: it is an error that says why."""
    url = server.add("/lying", Route(status=304))  # whatever it is asked
    settings = settings_for(tmp_path, [
        {"id": "lying", "name": "Lying", "url": url},
        {"id": "good", "name": "Good", "url": server.add("/good", feed_route("uk-rss2.xml"))}])
    results = fetch(settings)
    assert results["lying"].outcome == "error"
    assert results["lying"].error_code == "http_304"
    assert "not conditional" in (results["lying"].error or "")
    assert states(settings)["lying"].last_success is None
    assert results["good"].counts.new == 2
    # asked again with validators, a 304 is what it should be
    assert fetch(settings)["good"].outcome == "not_modified"


def test_a_utf8_feed_its_server_labels_windows_1251_is_published_with_its_letters(
        server: FixtureServer, tmp_path: Path) -> None:
    """A stale charset on the server (common after a CMS moved to UTF-8) would turn
    every Cyrillic letter into two others in every subscriber's reader."""
    route = feed_route("ru-atom.atom")
    route.headers["Content-Type"] = "application/atom+xml; charset=windows-1251"
    url = server.add("/ru", route)
    settings = settings_for(tmp_path, [{"id": "miso-ru", "name": "MiSO", "url": url}])
    assert fetch(settings)["miso-ru"].outcome == "ok"
    titles = published_titles(settings, "source/miso-ru.atom")
    expected = [entry.title for entry in parse_feed((FEEDS / "ru-atom.atom").read_bytes(),
                                                    "application/atom+xml").entries]
    assert sorted(titles) == sorted(expected) and any("Родител" in t for t in titles)
    assert "labelled windows-1251 but it is UTF-8" in (
        states(settings)["miso-ru"].warning or "")


def test_a_feed_that_writes_its_dates_in_german_keeps_them(
        server: FixtureServer, tmp_path: Path) -> None:
    """Older German CMSs write RFC 822 dates with German day and month names, which
    the feed parser cannot read: without them every item would take the time it was
    first seen, and a new partner's history would all land at one moment."""
    items = "".join(
        f"<item><title>Meldung {day}</title><link>https://p.example/{day}</link>"
        f"<pubDate>{weekday}, {day} Mär 2026 10:00:00 +0100</pubDate></item>"
        for weekday, day in (("Mo", 9), ("Di", 10), ("Mi", 11)))
    body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            "<title>P</title><link>https://p.example/</link><description>d</description>"
            f"<language>de-DE</language>{items}<item><title>Ohne</title>"
            "<link>https://p.example/x</link><pubDate>bald</pubDate></item>"
            "</channel></rss>").encode()
    url = server.add("/de", Route(body=body, headers=RSS))
    settings = settings_for(tmp_path, [{"id": "p", "name": "P", "url": url}])
    assert fetch(settings)["p"].outcome == "ok"
    published = {str(row["title"]): str(row["published"]) for row in stored(settings, "p")}
    assert {title: published[title][:16] for title in published if title != "Ohne"} == {
        "Meldung 9": "2026-03-09T09:00", "Meldung 10": "2026-03-10T09:00",
        "Meldung 11": "2026-03-11T09:00"}
    state = states(settings)["p"]
    assert state.unparsed_dates == 1
    assert "1 of 4 dates could not be read (e.g. 'bald')" in (state.warning or "")


def test_links_with_spaces_are_published_as_addresses_every_reader_can_follow(
        server: FixtureServer, tmp_path: Path) -> None:
    """A CMS that writes an article's title into its link, spaces and quotes included:
    in RSS and Atom a link with a space is not a URL, and readers cut it there."""
    body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>P'
            "</title><link>https://p.example/</link><description>d</description><item>"
            '<title>Grüße</title><link>https://p.example/news/grüße an "alle"</link>'
            "</item></channel></rss>").encode()
    url = server.add("/spaces", Route(body=body, headers=RSS))
    settings = settings_for(tmp_path, [{"id": "p", "name": "P", "url": url}])
    assert fetch(settings)["p"].outcome == "ok"
    address = "https://p.example/news/grüße%20an%20%22alle%22"
    atom = etree.fromstring((settings.output_dir / "feed.atom").read_bytes())
    assert [link.get("href") for link in atom.iter(f"{ATOM}link")
            if link.get("rel") == "alternate" and link.getparent().tag == f"{ATOM}entry"
            ] == [address]
    rss = etree.fromstring((settings.output_dir / "feed.rss").read_bytes())
    assert rss.findtext("channel/item/link") == address
    document = json.loads((settings.output_dir / "feed.json").read_text(encoding="utf-8"))
    assert document["items"][0]["url"] == address


def test_a_gone_source_is_retired_not_fetched_again_and_stays_published(
        server: FixtureServer, tmp_path: Path) -> None:
    url = server.add("/gone", feed_route("uk-rss2.xml"))
    settings = settings_for(tmp_path, [{"id": "gone", "name": "Gone", "url": url}])
    fetch(settings)
    server.routes["/gone"] = Route(status=410, body=b"gone")
    assert fetch(settings)["gone"].outcome == "retired"
    requests = server.hits("/gone")
    again = fetch(settings)["gone"]
    assert again.outcome == "retired" and again.error_code == "retired"
    assert "gone for good" in (again.error or "")
    assert server.hits("/gone") == requests  # not asked again
    state = states(settings)["gone"]
    assert state.retired and state.entry_count == 2
    assert len(published_titles(settings, "source/gone.atom")) == 2


# -- redirects ---------------------------------------------------------------------

def test_a_permanent_redirect_chain_is_remembered_as_the_new_url(
        server: FixtureServer, tmp_path: Path) -> None:
    server.add("/old", redirect("/middle", 301))
    server.add("/middle", redirect(server.url("/new"), 308))
    new = server.add("/new", feed_route("uk-rss2.xml"))
    old = server.url("/old")
    settings = settings_for(tmp_path, [{"id": "moved", "name": "Moved", "url": old}])
    first = fetch(settings)["moved"]
    assert first.outcome == "ok" and first.counts.new == 2 and first.url == new
    state = states(settings)["moved"]
    assert (state.moved_to, state.moved_from) == (new, old)
    # the next fetch goes straight to the new address, conditionally
    second = fetch(settings)["moved"]
    assert second.outcome == "not_modified"
    assert server.hits("/old") == 1 and server.hits("/middle") == 1 and server.hits("/new") == 2
    assert server.requests[-1].headers["if-none-match"] == '"uk-rss2.xml-1"'
    # people see the move: the sources table and the published atom:source
    shown = subprocess.run(
        [sys.executable, "-m", "aggregator", "sources", "--config", str(settings.config_path)],
        capture_output=True, text=True, timeout=60, check=True,
        env={**os.environ, "COLUMNS": "400", "NO_COLOR": "1"})
    assert f"-> moved to {new}" in shown.stdout
    root = etree.fromstring((settings.output_dir / "feed.atom").read_bytes())
    selfs = {link.get("href") for link in root.iter(f"{ATOM}link") if link.get("rel") == "self"
             and link.getparent().tag == f"{ATOM}source"}
    assert selfs == {new}


def test_an_operator_changing_the_url_overrides_a_remembered_move(
        server: FixtureServer, tmp_path: Path) -> None:
    server.add("/old", redirect("/new", 301))
    server.add("/new", feed_route("uk-rss2.xml"))
    other = server.add("/other", feed_route("ru-atom.atom"))
    settings = settings_for(tmp_path, [{"id": "s", "name": "S", "url": server.url("/old")}])
    fetch(settings)
    settings = settings_for(tmp_path, [{"id": "s", "name": "S", "url": other}])
    result = fetch(settings)["s"]
    assert result.url == other and result.counts.new == 2
    assert server.hits("/other") == 1


@pytest.mark.parametrize("chain", [[302], [307], [303], [301, 302], [302, 301]])
def test_a_temporary_redirect_is_followed_but_not_remembered(
        server: FixtureServer, tmp_path: Path, chain: list[int]) -> None:
    for hop, code in enumerate(chain):
        server.add(f"/r{hop}", redirect(f"/r{hop + 1}", code))
    server.add(f"/r{len(chain)}", feed_route("uk-rss2.xml"))
    settings = settings_for(tmp_path, [{"id": "t", "name": "T", "url": server.url("/r0")}])
    first = fetch(settings)["t"]
    assert first.outcome == "ok" and first.counts.new == 2
    assert states(settings)["t"].moved_to is None
    second = fetch(settings)["t"]
    assert second.outcome == "not_modified"
    assert server.hits("/r0") == 2  # still asked at the configured address


@pytest.mark.parametrize(("hops", "followed"), [(5, True), (6, False)])
def test_at_most_five_redirects_are_followed(server: FixtureServer, tmp_path: Path,
                                             hops: int, followed: bool) -> None:
    for hop in range(hops):
        server.add(f"/h{hop}", redirect(f"/h{hop + 1}", 302))
    server.add(f"/h{hops}", feed_route("uk-rss2.xml"))
    result = fetch(settings_for(tmp_path, [{"id": "s", "name": "S",
                                            "url": server.url("/h0")}]))["s"]
    if followed:
        assert result.error is None and result.counts.new == 2
    else:
        assert result.error_code == "redirect" and "more than 5 redirects" in str(result.error)
        assert server.hits(f"/h{hops}") == 0


# -- what a server gets from us, and what we get from it ---------------------------

def test_requests_are_polite(server: FixtureServer, tmp_path: Path) -> None:
    url = server.add("/feed", feed_route("uk-rss2.xml"))
    fetch(settings_for(tmp_path, [{"id": "s", "name": "S", "url": url}]))
    headers = server.requests[0].headers
    assert headers["user-agent"].startswith("aggregator/")
    assert "+https://portal.test/contact" in headers["user-agent"]
    assert "gzip" in headers["accept-encoding"]
    assert "application/atom+xml" in headers["accept"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate-zlib", "deflate-raw"])
def test_compressed_feeds_are_read(server: FixtureServer, tmp_path: Path,
                                   encoding: str) -> None:
    if encoding == "gzip":
        body = gzip.compress(UK)
    else:
        packer = zlib.compressobj(wbits=15 if encoding == "deflate-zlib" else -15)
        body = packer.compress(UK) + packer.flush()
    header = encoding.split("-")[0]
    url = server.add("/feed", Route(body=body, headers={**RSS, "Content-Encoding": header}))
    result = fetch(settings_for(tmp_path, [{"id": "s", "name": "S", "url": url}]))["s"]
    assert result.error is None and result.counts.new == 2
    assert result.bytes == len(UK)


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/plain",
                                          "application/octet-stream", None])
def test_a_feed_with_a_wrong_content_type_is_still_read(
        server: FixtureServer, tmp_path: Path, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    url = server.add("/feed", Route(body=UK, headers=headers))
    result = fetch(settings_for(tmp_path, [{"id": "s", "name": "S", "url": url}]))["s"]
    assert result.error is None and result.counts.new == 2


def test_a_gzip_bomb_stops_at_the_cap_without_filling_memory(server: FixtureServer) -> None:
    url = server.add("/bomb", Route(behaviour=gzip_bomb(64 * MiB)))
    limits = FetchLimits(connect_timeout=5, read_timeout=5, deadline=20, max_body_bytes=MiB)

    async def go() -> FetchResult:
        async with Fetcher(limits, "test", allow_private=True) as fetcher:
            return await fetcher.fetch(FetchRequest(url))

    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError, match="after decompression"):
            asyncio.run(go())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MiB, f"{peak:,} bytes at the peak for a 1 MiB cap"


class _ImportLookups:
    """A finder first on ``sys.meta_path``: records every module name Python searches
    for (a module already imported is not searched for again)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        self.names.append(name)


def test_a_request_searches_for_no_module(server: FixtureServer) -> None:
    """httpcore 1.0 imports sniffio inside every lock it takes (several per request);
    when sniffio is not installed, each of those imports searched the whole of sys.path
    and failed: 0.5 s of a 304 pass over 500 sources. sniffio is a dependency for that
    reason (pyproject.toml); this catches any other import left on the request path."""
    url = server.add("/feed", feed_route("uk-rss2.xml"))
    limits = FetchLimits(connect_timeout=5, read_timeout=5, deadline=20, max_body_bytes=MiB)
    lookups = _ImportLookups()

    async def go() -> list[int]:
        async with Fetcher(limits, "test", allow_private=True) as fetcher:
            first = await fetcher.fetch(FetchRequest(url))  # imports whatever it needs
            sys.meta_path.insert(0, lookups)
            try:
                again = [await fetcher.fetch(FetchRequest(url, etag=first.etag))
                         for _ in range(5)]
            finally:
                sys.meta_path.remove(lookups)
        return [first.status, *(result.status for result in again)]

    assert asyncio.run(go()) == [200] + [304] * 5
    assert lookups.names == []


def test_a_body_identical_to_the_last_one_is_not_parsed_again(
        server: FixtureServer, tmp_path: Path) -> None:
    url = server.add("/feed", feed_route("uk-rss2.xml", etag=None, last_modified=None))
    settings = settings_for(tmp_path, [{"id": "s", "name": "S", "url": url}])
    parsed: list[str] = []

    class Counting(ThreadPoolExecutor):
        def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
                   ) -> Future[Any]:
            parsed.append(getattr(fn, "__name__", repr(fn)))
            return super().submit(fn, *args, **kwargs)

    with Counting(max_workers=1) as cpu:
        first = update(settings, 0.5, cpu)["s"]
        second = update(settings, 0.5, cpu)["s"]
    assert first.outcome == "ok" and second.outcome == "unchanged_body"
    assert second.status == 200 and "if-none-match" not in server.requests[-1].headers
    assert parsed == ["parse_and_normalize"]


# -- when to come back --------------------------------------------------------------

def wait_after(settings: Settings, source_id: str) -> timedelta:
    """The stored due time, relative to the stored time of the attempt."""
    state = states(settings)[source_id]
    assert state.next_fetch is not None and state.last_fetch is not None
    return state.next_fetch - state.last_fetch


def test_failures_back_off_exponentially_and_success_resets(
        server: FixtureServer, tmp_path: Path) -> None:
    url = server.add("/flaky", Route(status=500, body=b"oops"))
    settings = settings_for(tmp_path, [{"id": "flaky", "name": "Flaky", "url": url}])
    for factor in [1, 2, 4, 8]:
        result = update(settings, 0.5)["flaky"]  # spread 0.5: no jitter
        assert result.error_code == "http_500"
        assert wait_after(settings, "flaky") == INTERVAL * factor
    state = states(settings)["flaky"]
    assert state.failures == 4 and state.last_error_code == "http_500"
    assert result.next_fetch == state.next_fetch
    server.routes["/flaky"] = feed_route("uk-rss2.xml")
    healed = update(settings, 0.5)["flaky"]
    assert healed.outcome == "ok" and wait_after(settings, "flaky") == INTERVAL
    state = states(settings)["flaky"]
    assert state.failures == 0 and state.last_error is None and state.last_success is not None


@pytest.mark.parametrize("spread", [0.0, 0.5, 0.999])
def test_retry_after_is_a_floor_whatever_the_jitter(server: FixtureServer, tmp_path: Path,
                                                    spread: float) -> None:
    url = server.add("/busy", Route(status=429, body=b"busy", headers={"Retry-After": "3600"}))
    settings = settings_for(tmp_path, [{"id": "busy", "name": "Busy", "url": url}])
    assert update(settings, spread)["busy"].error_code == "http_429"
    assert timedelta(hours=1) <= wait_after(settings, "busy") <= timedelta(hours=1.1)


@pytest.mark.parametrize("spread", [0.0, 0.999])
def test_retry_after_is_capped_at_a_day(server: FixtureServer, tmp_path: Path,
                                        spread: float) -> None:
    url = server.add("/busy", Route(status=503, body=b"busy",
                                    headers={"Retry-After": str(10 * 86400)}))
    settings = settings_for(tmp_path, [{"id": "busy", "name": "Busy", "url": url}])
    assert update(settings, spread)["busy"].error_code == "http_503"
    assert wait_after(settings, "busy") == timedelta(hours=24)


def test_a_slow_host_never_sees_more_than_per_host_requests_and_does_not_hold_up_others(
        server: FixtureServer, tmp_path: Path) -> None:
    gate, gauge = threading.Event(), Gauge()
    slow_sources: list[dict[str, object]] = [
        {"id": f"slow{n}", "name": f"Slow {n}",
         "url": server.add(f"/slow{n}", Route(behaviour=held(feed_route("uk-rss2.xml"), gate,
                                                                gauge)))}
        for n in range(6)]
    # the same fixture server under another host name: another host to the fetcher
    other = server.add("/other", feed_route("ru-atom.atom")).replace("127.0.0.1", "localhost")
    settings = settings_for(tmp_path, [*slow_sources, {"id": "other", "name": "Other",
                                                       "url": other}],
                            per_host=2, concurrency=3, timeout="60s", deadline="60s")
    outcome: dict[str, UpdateResult] = {}
    worker = threading.Thread(target=lambda: outcome.update(update(settings, 0.5)))
    worker.start()
    try:
        wait_for(lambda: gauge.now == 2, "two requests held at the slow host")
        wait_for(lambda: server.hits("/other") == 1,
                 "the other host to be asked while the slow one holds its two slots")
        assert gauge.peak == 2
    finally:
        gate.set()
        worker.join(60)
    assert not worker.is_alive()
    assert gauge.peak == 2 and max(gauge.path_peaks.values()) == 1
    assert all(result.error is None for result in outcome.values()), outcome
    assert sum(server.hits(f"/slow{n}") for n in range(6)) == 6


# -- pure decisions, plain values ------------------------------------------------------

NOW = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("failures", "expected"), [
    (0, timedelta(minutes=10)), (1, timedelta(minutes=10)), (2, timedelta(minutes=20)),
    (3, timedelta(minutes=40)), (8, timedelta(minutes=1280)), (9, timedelta(hours=24)),
    (10_000, timedelta(hours=24)),
])
def test_backoff_doubles_per_failure_up_to_a_day(failures: int, expected: timedelta) -> None:
    assert decide.backoff(failures, timedelta(minutes=10)) == expected


def test_backoff_honours_retry_after_capped_and_never_below_the_interval() -> None:
    ten = timedelta(minutes=10)
    assert decide.backoff(1, ten, retry_after=3600) == timedelta(hours=1)
    assert decide.backoff(1, ten, retry_after=5) == ten
    assert decide.backoff(3, ten, retry_after=60) == timedelta(minutes=40)
    assert decide.backoff(1, ten, retry_after=10 * 86400) == timedelta(hours=24)
    assert decide.backoff(5, timedelta(days=2)) == timedelta(days=2)


@given(st.integers(0, 200), st.integers(1, 7 * 86400),
       st.one_of(st.none(), st.floats(0, 1e9, allow_nan=False)))
def test_backoff_is_monotonic_and_bounded(failures: int, seconds: int,
                                          retry_after: float | None) -> None:
    interval = timedelta(seconds=seconds)
    wait = decide.backoff(failures, interval, retry_after)
    assert interval <= wait <= max(interval, decide.MAX_BACKOFF)
    assert decide.backoff(failures + 1, interval, retry_after) >= wait


def test_polling_interval_is_lengthened_by_server_hints_never_shortened() -> None:
    hour = timedelta(hours=1)
    assert decide.polling_interval(hour) == hour
    assert decide.polling_interval(hour, cache_control="public, max-age=7200") == 2 * hour
    assert decide.polling_interval(hour, cache_control="max-age=60") == hour
    assert decide.polling_interval(hour, cache_control='s-maxage="10800"') == 3 * hour
    assert decide.polling_interval(hour, cache_control="max-age=9999999") == timedelta(hours=24)
    assert decide.polling_interval(hour, cache_control="no-cache, max-age=abc") == hour
    assert decide.polling_interval(hour, ttl_minutes=180) == 3 * hour
    assert decide.polling_interval(hour, ttl_minutes=0) == hour
    assert decide.polling_interval(hour, expires=NOW + 5 * hour, now=NOW) == 5 * hour
    assert decide.polling_interval(hour, expires=NOW - hour, now=NOW) == hour


def test_polling_interval_honours_a_short_configured_interval() -> None:
    short = timedelta(milliseconds=300)
    assert decide.polling_interval(short) == short
    # a hint is clamped to at least five minutes, and it only ever lengthens
    assert decide.polling_interval(short, cache_control="max-age=1") == timedelta(minutes=5)


def test_jitter_stays_within_ten_percent() -> None:
    hour = timedelta(hours=1)
    assert decide.jittered(NOW, hour, 0.0) == NOW + hour * 0.9
    assert decide.jittered(NOW, hour, 0.5) == NOW + hour
    assert NOW + hour < decide.jittered(NOW, hour, 0.999) < NOW + hour * 1.1


FEED = ParsedFeed(format="rss20", title="T", link="https://p.example/", id=None, updated=None,
                  language="de", entries=())


def test_after_success_resets_failures_and_keeps_validators_on_304() -> None:
    failing = SourceState(id="s", etag='"e1"', last_modified="Thu, 12 Mar 2026 09:00:00 GMT",
                          failures=3, last_error="HTTP 500", last_error_code="http_500",
                          last_error_at=NOW - timedelta(hours=1), body_hash="abc")
    fetched = FetchResult(url="https://p.example/feed", status=304, body=None)
    state = decide.after_success(failing, fetched, configured_url="https://p.example/feed",
                                 body_hash=None, feed=None, now=NOW, wait=timedelta(hours=1),
                                 spread=0.5)
    assert state.failures == 0 and state.last_error is None and state.last_error_code is None
    assert state.etag == '"e1"' and state.last_modified == failing.last_modified
    assert state.body_hash == "abc" and state.last_success == NOW
    assert state.next_fetch == NOW + timedelta(hours=1)
    assert state.moved_to is None


def test_after_success_records_new_validators_a_move_and_the_feed() -> None:
    fetched = FetchResult(url="https://new.example/feed", status=200, body=b"x", etag='"e2"',
                          permanent_redirect="https://new.example/feed")
    state = decide.after_success(SourceState(id="s", etag='"e1"'), fetched,
                                 configured_url="https://old.example/feed", body_hash="h2",
                                 feed=FEED, now=NOW, wait=timedelta(hours=1), spread=0.0)
    assert state.etag == '"e2"' and state.last_modified is None and state.body_hash == "h2"
    assert (state.moved_to, state.moved_from) == ("https://new.example/feed",
                                                  "https://old.example/feed")
    assert state.feed_title == "T" and state.feed_link == "https://p.example/"
    assert state.next_fetch == NOW + timedelta(minutes=54)
    assert decide.fetch_url("https://old.example/feed", state) == "https://new.example/feed"
    assert decide.fetch_url("https://changed.example/feed", state) == (
        "https://changed.example/feed")


@pytest.mark.parametrize(("error", "code"), [
    (HTTPStatusError("HTTP 500", status=500), "http_500"),
    (FetchTimeout("slow"), "timeout"),
    (TooLargeError("big"), "too_large"),
    (NetworkError("refused", code="refused"), "refused"),
    (SourceError("odd"), "error"),
])
def test_after_failure_records_the_error_and_backs_off(error: SourceError, code: str) -> None:
    before = SourceState(id="s", etag='"e1"', body_hash="abc", failures=2,
                         last_success=NOW - timedelta(days=1))
    state = decide.after_failure(before, error, now=NOW, interval=timedelta(minutes=10),
                                 spread=0.5)
    assert (state.last_error, state.last_error_code, state.last_error_at) == (
        str(error), code, NOW)
    assert state.failures == 3 and not state.retired
    assert state.next_fetch == NOW + timedelta(minutes=40)
    assert (state.etag, state.body_hash, state.last_success) == (
        before.etag, before.body_hash, before.last_success)


def test_after_failure_retires_on_410() -> None:
    state = decide.after_failure(SourceState(id="s"), GoneError("HTTP 410", status=410),
                                 now=NOW, interval=timedelta(hours=1), spread=0.5)
    assert state.retired and state.last_error_code == "http_410"
    assert not decide.is_due(state, NOW + timedelta(days=365))


@pytest.mark.parametrize("spread", [0.0, 0.25, 0.5, 0.999])
def test_after_failure_never_comes_back_before_retry_after(spread: float) -> None:
    error = HTTPStatusError("HTTP 429", status=429, retry_after=3600)
    state = decide.after_failure(SourceState(id="s"), error, now=NOW,
                                 interval=timedelta(minutes=10), spread=spread)
    assert state.next_fetch is not None
    assert NOW + timedelta(hours=1) <= state.next_fetch <= NOW + timedelta(hours=1.1)


@pytest.mark.parametrize("spread", [0.0, 0.5, 0.999])
def test_after_failure_waits_at_most_a_day(spread: float) -> None:
    hour = timedelta(hours=1)
    for error in (HTTPStatusError("HTTP 429", status=429, retry_after=30 * 86400),
                  HTTPStatusError("HTTP 500", status=500)):
        state = decide.after_failure(SourceState(id="s", failures=40), error, now=NOW,
                                     interval=hour, spread=spread)
        assert state.next_fetch is not None and state.next_fetch <= NOW + 24 * hour
    # an interval longer than a day is still honoured
    state = decide.after_failure(SourceState(id="s"), HTTPStatusError("x", status=500),
                                 now=NOW, interval=48 * hour, spread=spread)
    assert state.next_fetch is not None and state.next_fetch >= NOW + 48 * hour * 0.9


def test_is_due() -> None:
    assert decide.is_due(SourceState(id="s"), NOW)
    assert decide.is_due(SourceState(id="s", next_fetch=NOW), NOW)
    assert not decide.is_due(SourceState(id="s", next_fetch=NOW + timedelta(seconds=1)), NOW)


@pytest.mark.parametrize(("value", "expected"), [
    ("120", 120.0), (" 60 ", 60.0), ("0", 0.0), (None, None), ("", None), ("soon", None),
    ("-5", None), ("1.5", None),
    ("Thu, 12 Mar 2026 11:00:00 GMT", 3600.0), ("Thu, 12 Mar 2026 09:00:00 GMT", 0.0),
    ("Thursday, 12-Mar-26 10:00:30 GMT", 30.0), ("Thu Mar 12 10:02:00 2026", 120.0),
])
def test_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value, now=NOW) == expected


@pytest.mark.parametrize("url", ["ftp://partner.example/feed.xml", "file:///etc/passwd",
                                 "feeds.example/rss"])
def test_a_url_that_is_not_http_is_a_fetch_error(url: str) -> None:
    """What feeds.toml's check keeps out can still come another way (a URL a caller
    builds): it fails as that source's error, not as an exception nothing expects."""
    limits = FetchLimits(connect_timeout=5, read_timeout=5, deadline=20, max_body_bytes=MiB)

    async def go() -> FetchResult:
        async with Fetcher(limits, "test") as fetcher:
            return await fetcher.fetch(FetchRequest(url))

    with pytest.raises(FetchError, match="invalid URL") as raised:
        asyncio.run(go())
    assert raised.value.code == "bad_url"

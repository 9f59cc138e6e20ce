"""The sockets under httpx (aggregator/network.py and the transport it builds): TLS,
timeouts and kept-alive connections, against real servers on 127.0.0.1, on both event
loops the aggregator runs on (asyncio's in tests and tools, uvloop's in the service)."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Callable, Coroutine, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest
import trustme

from aggregator import network, service
from aggregator.errors import FetchTimeout, NetworkError
from aggregator.fetch import Fetcher
from aggregator.models import FetchLimits, FetchRequest, FetchResult

from conftest import feed_route
from httpfixture import FixtureServer, Route

MiB = 1024 * 1024
LIMITS = FetchLimits(connect_timeout=5, read_timeout=5, deadline=20, max_body_bytes=MiB)
Run = Callable[[Coroutine[Any, Any, Any]], Any]


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Run:
    return asyncio.run if request.param == "asyncio" else service.run


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[FixtureServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    fixture = FixtureServer(tls=context).start()
    yield fixture
    fixture.stop()


def fetch_all(run: Run, fetcher: Fetcher, *requests: FetchRequest) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with fetcher:
            return [await fetcher.fetch(request) for request in requests]
    result: list[FetchResult] = run(go())
    return result


def trusting(ca: trustme.CA, *, allow_private: bool = True) -> Fetcher:
    """A fetcher that trusts the test CA (as it trusts certifi's authorities)."""
    client = ssl.create_default_context()
    ca.configure_trust(client)
    pool = httpx.Limits(max_connections=10, max_keepalive_connections=10)
    return Fetcher(LIMITS, "test",
                   network.transport(pool, allow_private=allow_private, verify=client))


def test_a_feed_is_fetched_over_tls_and_revalidated(
        run: Run, tls_server: FixtureServer, ca: trustme.CA) -> None:
    url = tls_server.add("/feed", feed_route("uk-rss2.xml", etag='"v1"'))
    first = fetch_all(run, trusting(ca), FetchRequest(url))[0]
    again = fetch_all(run, trusting(ca), FetchRequest(url, etag=first.etag))[0]
    assert url.startswith("https://")
    assert first.status == 200 and first.body and b"<rss" in first.body
    assert again.status == 304 and again.body is None


def test_a_certificate_nobody_vouches_for_is_a_tls_error(
        run: Run, tls_server: FixtureServer) -> None:
    url = tls_server.add("/feed", feed_route("uk-rss2.xml"))
    with pytest.raises(NetworkError, match="TLS/certificate problem") as caught:
        fetch_all(run, Fetcher(LIMITS, "test", allow_private=True), FetchRequest(url))
    assert caught.value.code == "tls"


def test_a_server_that_never_answers_the_tls_handshake_times_out(run: Run) -> None:
    """The TCP connection is made (the kernel accepts it) but nobody speaks TLS."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"https://127.0.0.1:{silent.getsockname()[1]}/feed"
        limits = FetchLimits(connect_timeout=0.5, read_timeout=5, deadline=20,
                             max_body_bytes=MiB)
        started = time.monotonic()
        with pytest.raises(FetchTimeout, match="timed out connecting"):
            fetch_all(run, Fetcher(limits, "test", allow_private=True), FetchRequest(url))
        assert time.monotonic() - started < 5


def closes_after_answering(body: bytes) -> Route:
    """Answers as if it kept the connection (HTTP/1.1, no ``Connection: close``), then
    closes it: what a server does to an idle kept-alive connection after its timeout."""
    def behave(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.close_connection = True
    return Route(behaviour=behave)


def test_a_kept_connection_the_server_closed_is_not_used_again(
        run: Run, server: FixtureServer) -> None:
    body = feed_route("uk-rss2.xml").body
    url = server.add("/feed", closes_after_answering(body))

    async def go() -> list[FetchResult]:
        async with Fetcher(LIMITS, "test", allow_private=True) as fetcher:
            results = []
            for _ in range(3):
                results.append(await fetcher.fetch(FetchRequest(url)))
                await asyncio.sleep(0.2)  # the close reaches us while the connection idles
            return results
    assert [result.body for result in run(go())] == [body] * 3


def test_a_server_that_stops_sending_mid_body_is_a_read_timeout(
        run: Run, server: FixtureServer) -> None:
    def stall(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"<rss>")
        handler.wfile.flush()
        time.sleep(3)
    url = server.add("/feed", Route(behaviour=stall))
    limits = FetchLimits(connect_timeout=5, read_timeout=0.5, deadline=20, max_body_bytes=MiB)
    with pytest.raises(FetchTimeout, match="waiting for data"):
        fetch_all(run, Fetcher(limits, "test", allow_private=True), FetchRequest(url))


def test_a_refused_connection_says_so(run: Run) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: refused
        with pytest.raises(NetworkError, match="refused the connection") as caught:
            fetch_all(run, Fetcher(LIMITS, "test", allow_private=True),
                      FetchRequest(f"http://127.0.0.1:{port}/feed"))
    assert caught.value.code == "refused"


def test_a_tls_host_checked_as_public_is_verified_by_its_name_not_its_address(
        run: Run, ca: trustme.CA, monkeypatch: pytest.MonkeyPatch) -> None:
    """The public-only backend resolves the name and connects to the address it
    checked; the certificate must still be checked against the name (SNI and
    hostname), which a certificate issued only for the name proves."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    fixture = FixtureServer(tls=context).start()
    try:
        url = fixture.add("/feed", feed_route("uk-rss2.xml")).replace("127.0.0.1", "localhost")
        real = network.is_public_address
        monkeypatch.setattr(network, "is_public_address",
                            lambda address: address == "127.0.0.1" or real(address))
        (result,) = fetch_all(run, trusting(ca, allow_private=False), FetchRequest(url))
    finally:
        fixture.stop()
    assert result.status == 200 and result.body and b"<rss" in result.body

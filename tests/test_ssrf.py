"""Server-side request forgery: by default no feed URL and no redirect makes the
aggregator connect to loopback, private, link-local or reserved addresses. Real
local listeners record whether they were contacted."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.models import Settings
from aggregator.service import fetch_once
from aggregator.store import Store

from conftest import feed_route, load_settings
from httpfixture import FixtureServer, redirect


def run(settings: Settings) -> dict[str, object]:
    results, _ = asyncio.run(fetch_once(settings, settings.sources))
    return {result.source_id: result for result in results}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "0177.0.0.1",
                                  "0x7f.1", "[::ffff:127.0.0.1]", "127.1"])
def test_loopback_in_any_spelling_is_refused_and_not_contacted(
        server: FixtureServer, tmp_path: Path, host: str) -> None:
    """Numeric spellings that the URL parser already rejects are refused as bad URLs;
    every other spelling is resolved, and the address it resolves to is refused."""
    server.add("/feed", feed_route("uk-rss2.xml"))
    port = server.httpd.server_address[1]
    settings = load_settings(tmp_path, [{"id": "inside", "name": "Inside",
                                         "url": f"http://{host}:{port}/feed"}],
                             allow_private_networks=False)
    result = run(settings)["inside"]
    code = result.error_code  # type: ignore[attr-defined]
    assert server.hits("/feed") == 0
    if code == "bad_url":
        assert host in ("0177.0.0.1", "0x7f.1")
        return
    assert code == "blocked_address", result.error  # type: ignore[attr-defined]
    assert "not a public address" in str(result.error)  # type: ignore[attr-defined]
    assert "allow_private_networks" in str(result.error)  # type: ignore[attr-defined]


def test_the_switch_allows_private_networks(server: FixtureServer, tmp_path: Path) -> None:
    url = server.add("/feed", feed_route("uk-rss2.xml"))
    settings = load_settings(tmp_path, [{"id": "intranet", "name": "Intranet", "url": url}],
                             allow_private_networks=True)
    assert run(settings)["intranet"].error is None  # type: ignore[attr-defined]
    assert server.hits("/feed") == 1


@pytest.fixture
def outside() -> Iterator[FixtureServer]:
    """A server on 127.0.0.2, which this test treats as a public address."""
    fixture = FixtureServer("127.0.0.2").start()
    yield fixture
    fixture.stop()


def test_a_redirect_into_the_private_network_is_refused(
        server: FixtureServer, outside: FixtureServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from aggregator import network

    real = network.is_public_address
    monkeypatch.setattr(network, "is_public_address",
                        lambda address: address == "127.0.0.2" or real(address))
    server.add("/secret", feed_route("uk-rss2.xml"))
    outside.add("/feed", redirect(server.url("/secret"), status=301))
    settings = load_settings(tmp_path, [{"id": "tricky", "name": "Tricky",
                                         "url": outside.url("/feed")}],
                             allow_private_networks=False, parse_workers=0)
    result = run(settings)["tricky"]
    assert outside.hits("/feed") == 1  # the public hop was allowed...
    assert server.hits("/secret") == 0  # ...the private one never contacted
    assert result.error_code == "blocked_address"  # type: ignore[attr-defined]
    store = Store.open(settings.database)
    try:
        state = store.state("tricky")
    finally:
        store.close()
    assert state.moved_to is None  # a refused redirect target is never remembered


@pytest.mark.parametrize(("address", "public"), [
    ("8.8.8.8", True), ("2001:4860:4860::8888", True), ("93.184.216.34", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False),
    ("192.168.1.1", False), ("100.64.0.1", False), ("169.254.169.254", False),
    ("224.0.0.1", False), ("0.0.0.0", False), ("240.0.0.1", False),
    ("255.255.255.255", False), ("::1", False), ("::", False), ("fe80::1", False),
    ("fc00::1", False), ("::ffff:10.0.0.1", False), ("::ffff:8.8.8.8", True),
    ("ff02::1", False), ("not an address", False),
])
def test_which_addresses_are_public(address: str, public: bool) -> None:
    from aggregator.network import is_public_address

    assert is_public_address(address) is public

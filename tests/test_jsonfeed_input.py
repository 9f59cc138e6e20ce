"""JSON Feed 1.0 and 1.1 as input, beside RSS and Atom (tests/data/jsonfeed)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.errors import NotAFeedError
from aggregator.parse import is_json_feed, parse_feed
from aggregator.service import fetch_once
from aggregator.store import Store

from conftest import DATA, load_settings
from httpfixture import FixtureServer, Route

JSON = DATA / "jsonfeed"


def test_json_feed_1_1() -> None:
    parsed = parse_feed((JSON / "miso-1.1.json").read_bytes(), "application/feed+json")
    assert parsed.format == "json11" and parsed.title == "MiSO-Netzwerk Hannover"
    assert parsed.link == "https://miso.example/" and parsed.language == "de-DE"
    first, second, third = parsed.entries
    assert first.id == "https://miso.example/?p=812"
    assert first.link == "https://miso.example/2026/03/sommerfest-der-vielfalt/"
    assert first.published == datetime(2026, 3, 10, 13, 5, tzinfo=UTC)
    assert first.updated == datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
    assert first.author == "Ayşe Demir, Jonas Weber"
    assert first.categories == ("Fest", "Ehrenamt")
    assert first.content_is_html and "<script>" in (first.content or "")  # sanitised later
    assert first.summary == "Wir suchen Menschen für Auf- und Abbau."
    assert second.language == "tr" and not second.content_is_html
    assert third.id == "814" and third.link == "https://www.hannover.example/presse/integrationsbeirat"
    assert third.published == datetime(2026, 3, 12, 18, tzinfo=UTC)  # no offset: UTC


def test_json_feed_1_0() -> None:
    parsed = parse_feed((JSON / "faust-1.0.json").read_bytes(), "application/json")
    assert parsed.format == "json10"
    assert [entry.title for entry in parsed.entries] == [
        "Die 60er-Jahre-Halle ist renoviert", "Programmheft März"]
    assert parsed.entries[0].author == "Presse Faust"  # 1.0's single author object


def test_broken_json_says_where() -> None:
    with pytest.raises(NotAFeedError, match=r"not valid JSON: .* at line 5, column"):
        parse_feed((JSON / "broken.json").read_bytes(), "application/feed+json")
    with pytest.raises(NotAFeedError, match="no 'items' list"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "title": "x"}',
                   "application/feed+json")


@pytest.mark.parametrize("body", [
    b'{"items": [' + b"[" * 100_000,  # nested deeper than Python's recursion limit
    b'{"items": [], "n": ' + b"9" * 5_000 + b"}",  # more digits than int() takes
])
def test_hostile_json_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(NotAFeedError, match="the JSON Feed cannot be read"):
        parse_feed(body, "text/plain")


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    (b'{"version": "https://jsonfeed.org/version/1", "items": []}', "text/plain", True),
    (b"{}", "application/feed+json", True),
    (b'{"a": 1}', "text/plain", True),  # JSON: read as JSON, which says what is missing
    (b"\xef\xbb\xbf\n {", None, True),
    (b"<rss version='2.0'/>", "application/rss+xml", False),
])
def test_is_json_feed(body: bytes, content_type: str, expected: bool) -> None:
    assert is_json_feed(body, content_type) is expected


def test_a_json_feed_is_recognised_by_its_first_byte_whatever_the_server_says() -> None:
    # escaped slashes and the version after the items, as some generators write it
    items = ",".join(f'{{"id": "{n}", "title": "Nachricht {n}", "content_text": "{"x" * 80}"}}'
                     for n in range(60))
    body = ('{"title": "curt", "items": [' + items + '], '
            '"version": "https:\\/\\/jsonfeed.org\\/version\\/1"}').encode()
    assert b"jsonfeed.org/version" not in body
    parsed = parse_feed(body, "text/plain")
    assert parsed.format == "json10"
    assert len(parsed.entries) == 60
    with pytest.raises(NotAFeedError, match="not a JSON Feed: it has no 'items' list"):
        parse_feed(b'{"a": 1}', "application/octet-stream")


def test_json_feeds_through_the_pipeline(server: FixtureServer, tmp_path: Path) -> None:
    miso = server.add("/feed/json/", Route(body=(JSON / "miso-1.1.json").read_bytes(),
                                           headers={"Content-Type": "application/feed+json"}))
    faust = server.add("/faust.json", Route(body=(JSON / "faust-1.0.json").read_bytes(),
                                            headers={"Content-Type": "text/plain"}))
    settings = load_settings(tmp_path, [{"id": "miso", "name": "MiSO", "url": miso},
                                        {"id": "faust", "name": "Faust", "url": faust}])
    results, _ = asyncio.run(fetch_once(settings, list(settings.sources)))
    assert [(r.error, r.counts.new) for r in results] == [(None, 3), (None, 2)]
    store = Store.open(settings.database)
    try:
        rows = {row["title"]: row for row in store.rows("SELECT * FROM entries")}
    finally:
        store.close()
    sommerfest = rows["Sommerfest der Vielfalt: Helfer*innen gesucht"]
    assert "<script" not in sommerfest["content_html"]
    assert 'href="https://miso.example/orte/georgengarten/"' in sommerfest["content_html"]
    assert sommerfest["language"] == "de"
    assert rows["Çeşitlilik Yaz Şenliği: gönüllüler aranıyor"]["language"] == "tr"

"""Hostile feeds: entity expansion, external entities, giant fields, shapes that
try to exhaust time or memory. Each case asserts exactly what happens: parsing ends
quickly, nothing is read from disk or fetched, the outputs stay valid, nothing
unsafe reaches a subscriber."""

from __future__ import annotations

import asyncio
import resource
import time
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from aggregator.models import Settings, UpdateResult
from aggregator.service import fetch_once
from aggregator.store import Store

from atomcheck import check_atom
from conftest import load_settings
from httpfixture import FixtureServer, Route

ATOM = "{http://www.w3.org/2005/Atom}"
SECRET = Path(__file__).parent / "data" / "secret.txt"


def rss(items: str, doctype: str = "", encoding: str = "utf-8") -> bytes:
    return (f'<?xml version="1.0" encoding="{encoding}"?>{doctype}<rss version="2.0"><channel>'
            f"<title>t</title><link>https://evil.example/</link><description>d</description>"
            f"{items}</channel></rss>").encode(encoding)


def item(title: str = "Title", description: str = "Text", extra: str = "") -> str:
    return (f"<item><guid>g-{abs(hash(title)) % 10**9}</guid><title>{title}</title>"
            f"<link>https://evil.example/1</link><description>{description}</description>"
            f"{extra}</item>")


def ingest(server: FixtureServer, tmp_path: Path, body: bytes,
           content_type: str = "application/rss+xml", **aggregator: object
           ) -> tuple[UpdateResult, Settings, list[dict[str, object]]]:
    server.add("/evil", Route(body=body, headers={"Content-Type": content_type}))
    settings = load_settings(tmp_path, [{"id": "evil", "name": "Evil", "url":
                                         server.url("/evil")}], **aggregator)
    (result,), _ = asyncio.run(fetch_once(settings, settings.sources))
    store = Store.open(settings.database)
    try:
        rows = list(store.rows("SELECT * FROM entries"))
    finally:
        store.close()
    assert check_atom((settings.output_dir / "feed.atom").read_bytes()) == []
    return result, settings, rows


LAUGHS = ('<!DOCTYPE rss [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
                    for n in range(1, 10)) + "]>")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_billion_laughs_end_quickly_and_expand_nothing(server: FixtureServer, tmp_path: Path,
                                                       encoding: str) -> None:
    started = time.monotonic()
    _result, _, rows = ingest(server, tmp_path, rss(item("&lol9;"), LAUGHS, encoding),
                             "application/rss+xml")
    assert time.monotonic() - started < 20
    assert all(len(str(row["title"])) < 1000 for row in rows)
    assert not any("lollollol" in str(row["title"]) for row in rows)


def test_quadratic_blowup_is_bounded(server: FixtureServer, tmp_path: Path) -> None:
    big = "x" * 50_000
    doctype = f'<!DOCTYPE rss [<!ENTITY a "{big}">]>'
    started = time.monotonic()
    _, _, rows = ingest(server, tmp_path, rss(item("T", "&a;" * 2000), doctype))
    assert time.monotonic() - started < 20
    assert all(len(str(row["summary_html"] or "")) <= 300_000 for row in rows)


def test_external_file_entities_are_not_read(server: FixtureServer, tmp_path: Path) -> None:
    doctype = f'<!DOCTYPE rss [<!ENTITY secret SYSTEM "file://{SECRET}">]>'
    _result, settings, rows = ingest(server, tmp_path, rss(item("T &secret;", "&secret;"),
                                                          doctype))
    secret = SECRET.read_text(encoding="utf-8").strip()
    assert all(secret not in str(row) for row in rows)
    for path in settings.output_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("kind", ["general", "parameter", "dtd"])
def test_external_network_entities_are_not_fetched(server: FixtureServer, tmp_path: Path,
                                                   kind: str) -> None:
    server.add("/dtd", Route(body=b'<!ENTITY leak "LEAKED">',
                             headers={"Content-Type": "application/xml-dtd"}))
    doctypes = {
        "general": f'<!DOCTYPE rss [<!ENTITY leak SYSTEM "{server.url("/dtd")}">]>',
        "parameter": f'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "{server.url("/dtd")}"> %remote;]>',
        "dtd": f'<!DOCTYPE rss SYSTEM "{server.url("/dtd")}">',
    }
    _, _, rows = ingest(server, tmp_path, rss(item("T &leak;"), doctypes[kind]))
    assert server.hits("/dtd") == 0
    assert all("LEAKED" not in str(row) for row in rows)


def test_a_huge_title_is_truncated(server: FixtureServer, tmp_path: Path) -> None:
    _, _, rows = ingest(server, tmp_path, rss(item("A" * 1_000_000)), max_body_size="20MiB")
    (row,) = rows
    assert len(str(row["title"])) == 500


def test_a_huge_url_is_dropped(server: FixtureServer, tmp_path: Path) -> None:
    long_link = "https://evil.example/" + "a" * 10_000
    body = rss(f"<item><guid>1</guid><title>T</title><link>{long_link}</link></item>")
    _, settings, rows = ingest(server, tmp_path, body)
    assert rows[0]["link"] is None
    assert long_link.encode() not in (settings.output_dir / "feed.atom").read_bytes()


def test_fifty_thousand_categories_are_capped(server: FixtureServer, tmp_path: Path) -> None:
    categories = "".join(f"<category>c{n}</category>" for n in range(50_000))
    started = time.monotonic()
    _, _, rows = ingest(server, tmp_path, rss(item(extra=categories)), max_body_size="20MiB")
    assert time.monotonic() - started < 60
    assert str(rows[0]["categories"]).count('"c') == 30


def test_deeply_nested_html_is_handled(server: FixtureServer, tmp_path: Path) -> None:
    nested = "&lt;div&gt;" * 20_000 + "deep" + "&lt;/div&gt;" * 20_000
    result, _, rows = ingest(server, tmp_path, rss(item("Nested", nested)),
                             max_body_size="20MiB")
    assert result.error is None
    assert "deep" in str(rows[0]["summary_html"])


def test_many_entries_in_one_feed_stay_within_time_and_memory(server: FixtureServer,
                                                              tmp_path: Path) -> None:
    items = "".join(f"<item><guid>{n}</guid><title>Item {n}</title>"
                    f"<link>https://evil.example/{n}</link></item>" for n in range(100_000))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    result, settings, rows = ingest(server, tmp_path, rss(items), max_body_size="50MiB",
                                    max_entries=100)
    took = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.error is None, result.error
    assert len(rows) == 1000  # the newest (first) 1,000: a documented limit
    assert result.warning is not None and "only the first 1,000 were read" in result.warning
    assert took < 120 and grown_mb < 300
    assert len(etree.fromstring((settings.output_dir / "feed.atom").read_bytes())
               .findall(f"{ATOM}entry")) == 100


@pytest.mark.parametrize(("raw_title", "published_title"), [
    ("   ", "Text"),  # whitespace-only: the start of the text stands in
    ("Bell\x07 and escape\x1b", "Bell and escape"),
    ("Non\ufffecharacter\uffff", "Noncharacter"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;Hello", "Hello"),
    ("&amp;lt;b&amp;gt;double&amp;lt;/b&amp;gt;", "double"),
])
def test_titles_arrive_as_plain_text(server: FixtureServer, tmp_path: Path, raw_title: str,
                                     published_title: str) -> None:
    _, settings, _rows = ingest(server, tmp_path, rss(item(raw_title.replace("\x07", "&#7;")
                                                          .replace("\x1b", "&#27;"), "Text")))
    feed = etree.fromstring((settings.output_dir / "feed.atom").read_bytes())
    assert feed.find(f"{ATOM}entry").findtext(f"{ATOM}title") == published_title


def test_invalid_bytes_are_replaced_not_fatal(server: FixtureServer, tmp_path: Path) -> None:
    body = rss(item("Caf\u00e9")).replace("Café".encode(), b"Caf\xff\xfe")
    result, _, rows = ingest(server, tmp_path, body, "application/rss+xml; charset=utf-8")
    assert result.error is None
    assert len(rows) == 1 and str(rows[0]["title"]).startswith("Caf")


def test_future_and_epoch_dates_are_not_believed(server: FixtureServer, tmp_path: Path) -> None:
    body = rss(item("Future", extra="<pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate>")
               + item("Epoch", extra="<pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate>"))
    _, _, rows = ingest(server, tmp_path, body)
    for row in rows:
        assert row["published"] == row["first_seen"]


def test_an_xml_base_with_an_invalid_host_loses_only_the_relative_links(
        server: FixtureServer, tmp_path: Path) -> None:
    body = rss(item(description="&lt;a href='/more'&gt;more&lt;/a&gt; text",
                    extra="<category>x</category>")).replace(
        b"<item>", b'<item xml:base="http://exa mple.org/">')
    result, _, rows = ingest(server, tmp_path, body)
    assert (result.error, result.counts.new) == (None, 1)
    assert rows[0]["summary_html"] == '<a rel="noopener noreferrer">more</a> text'


def test_a_bug_that_one_document_meets_stops_only_that_source(
        server: FixtureServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aggregator import normalize

    real = normalize.normalize_feed

    def buggy(parsed: Any, source: Any, *args: Any) -> Any:
        if source.id == "evil":
            raise RuntimeError("the reading code has a bug")
        return real(parsed, source, *args)

    # parsed in this process (parse_workers = 0), so that the bug can be planted
    monkeypatch.setattr(normalize, "normalize_feed", buggy)
    server.add("/evil", Route(body=rss(item()), headers={"Content-Type": "application/rss+xml"}))
    server.add("/good", Route(body=rss(item("Gut")), headers={"Content-Type":
                                                                  "application/rss+xml"}))
    settings = load_settings(tmp_path, [
        {"id": "evil", "name": "Evil", "url": server.url("/evil")},
        {"id": "good", "name": "Good", "url": server.url("/good")}], parse_workers=0)
    results, _ = asyncio.run(fetch_once(settings, settings.sources))
    evil, good = results
    assert evil.error_code == "parse_crash"
    assert evil.error is not None and "RuntimeError: the reading code has a bug" in evil.error
    assert (good.error, good.counts.new) == (None, 1)
    store = Store.open(settings.database)
    try:
        assert [row["title"] for row in store.rows("SELECT title FROM entries")] == ["Gut"]
        assert store.state("evil").last_error == evil.error
    finally:
        store.close()


def test_an_old_xml_parser_is_reported() -> None:
    from aggregator.parse import xml_parser_warning

    assert xml_parser_warning((2, 6, 0)) is None and xml_parser_warning((2, 7, 1)) is None
    warning = xml_parser_warning((2, 5, 0))
    assert warning is not None and "expat 2.5.0" in warning and "2.6.0" in warning

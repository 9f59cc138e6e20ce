"""Every format of every feed: valid, read back by a real client (feedparser), and
consistent with each other; RFC 5005 archives that cover everything exactly once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from aggregator.models import Settings
from aggregator.opml import read_opml
from aggregator.service import fetch_once, publish_once

from atomcheck import check_atom
from conftest import feed_route, load_settings
from formatcheck import check_jsonfeed, check_opml, check_rss
from httpfixture import FixtureServer, Route

ATOM = "{http://www.w3.org/2005/Atom}"
HISTORY = "{http://purl.org/syndication/history/1.0}"
NAMES = ["kargah-rss2-de.xml", "miso-atom-multi.atom", "ar-atom.atom", "fa-rss2-windows1256.xml",
         "uk-rss2.xml", "faust-rss2-noids.xml"]


def fetch(settings: Settings) -> None:
    asyncio.run(fetch_once(settings, settings.sources))


def rss_feed(count: int, start: int = 0) -> bytes:
    """An RSS feed with ``count`` items numbered from ``start``, newest first."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    items = "".join(
        f"<item><title>Meldung {n}</title><link>https://city.example/news/{n}</link>"
        f"<guid>city-{n}</guid><description>Text der Meldung {n}.</description>"
        f"<pubDate>{(base + timedelta(hours=n)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        f"</pubDate></item>" for n in reversed(range(start, start + count)))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Stadt</title><link>https://city.example/</link><description>d</description>"
            f"<language>de</language>{items}</channel></rss>").encode()


@pytest.fixture
def portal(server: FixtureServer, tmp_path: Path) -> Settings:
    sources: list[dict[str, object]] = [
        {"id": name.split(".")[0], "name": f"Partner {name.split('-')[0]}",
         "url": server.add(f"/{name}", feed_route(name)), "tags": ["partner"],
         "homepage": f"https://{name.split('-')[0]}.example/"} for name in NAMES]
    server.add("/hub", Route(status=204))
    sources[0]["content"] = "full"
    sources[0]["rights"] = "© kargah e.V."
    settings = load_settings(tmp_path, sources, max_entries=100, websub_hub=server.url("/hub"),
                             languages=["de", "en", "ar", "fa", "uk", "tr", "ru"])
    fetch(settings)
    return settings


def paths(settings: Settings) -> list[str]:
    out = settings.output_dir
    stems = ["feed", "lang/de", "lang/fa", "lang/ar", "tag/partner",
             *(f"source/{s.id}" for s in settings.sources)]
    assert all((out / f"{stem}.atom").exists() for stem in stems)
    return stems


def test_every_format_is_valid(portal: Settings) -> None:
    out = portal.output_dir
    for stem in paths(portal):
        assert check_atom((out / f"{stem}.atom").read_bytes()) == [], stem
        assert check_rss((out / f"{stem}.rss").read_bytes()) == [], stem
        assert check_jsonfeed((out / f"{stem}.json").read_bytes()) == [], stem
    assert check_opml((out / "sources.opml").read_bytes()) == []


def test_every_format_reads_back_with_the_same_ids_and_titles(portal: Settings) -> None:
    out = portal.output_dir
    for stem in paths(portal):
        atom = feedparser.parse((out / f"{stem}.atom").read_bytes())
        rss = feedparser.parse((out / f"{stem}.rss").read_bytes())
        feed = json.loads((out / f"{stem}.json").read_bytes())
        assert atom.bozo == 0 and rss.bozo == 0, stem
        assert atom.version == "atom10" and rss.version == "rss20"
        atom_items = [(e.id, e.title) for e in atom.entries]
        assert atom_items == [(e.id, e.title) for e in rss.entries], stem
        assert atom_items == [(i["id"], i["title"]) for i in feed["items"]], stem
        assert len(atom_items) > 0


def test_rss_carries_attribution_language_and_self_link(portal: Settings) -> None:
    root = etree.fromstring((portal.output_dir / "feed.rss").read_bytes())
    channel = root.find("channel")
    assert channel.find(f"{ATOM}link[@rel='self']").get("href") == "http://portal.test/feed.rss"
    items = channel.findall("item")
    assert all(item.find("guid").get("isPermaLink") == "false" for item in items)
    assert all(item.find("source").get("url", "").startswith("http") for item in items)
    languages = {item.findtext("{http://purl.org/dc/elements/1.1/}language") for item in items}
    assert {"de", "fa", "ar", "uk"} <= languages


def test_json_feed_has_language_authors_and_source(portal: Settings) -> None:
    feed = json.loads((portal.output_dir / "lang" / "fa.json").read_bytes())
    assert feed["language"] == "fa"
    assert feed["feed_url"] == "http://portal.test/lang/fa.json"
    assert all(item["language"] == "fa" for item in feed["items"])
    assert all(item["authors"][0]["name"] for item in feed["items"])
    assert all(item["_aggregator"]["source"]["name"] for item in feed["items"])
    assert feed["hubs"] == [{"type": "WebSub", "url": portal.websub_hub}]


def test_content_policy_and_rights(portal: Settings) -> None:
    root = etree.fromstring((portal.output_dir / "feed.atom").read_bytes())
    by_source: dict[str, list[etree._Element]] = {}
    for entry in root.findall(f"{ATOM}entry"):
        by_source.setdefault(entry.find(f"{ATOM}source/{ATOM}title").text or "", []).append(entry)
    full = next(e for e in root.findall(f"{ATOM}entry")
                if e.findtext(f"{ATOM}rights") == "© kargah e.V.")
    assert "Partner kargah" in full.findtext(f"{ATOM}content", "")
    teaser = next(e for e in root.findall(f"{ATOM}entry")
                  if "Partner miso" in e.findtext(f"{ATOM}content", ""))
    assert teaser.findtext(f"{ATOM}rights") is None
    assert "Partner miso \u2192" in teaser.findtext(f"{ATOM}content", "")  # link back


def test_feeds_advertise_the_hub(portal: Settings) -> None:
    root = etree.fromstring((portal.output_dir / "feed.atom").read_bytes())
    assert root.find(f"{ATOM}link[@rel='hub']").get("href") == portal.websub_hub
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://portal.test/feed.atom"


def test_opml_lists_every_source_grouped_by_tag(portal: Settings) -> None:
    data = (portal.output_dir / "sources.opml").read_bytes()
    listed = read_opml(data)
    assert {feed.url for feed in listed} == {source.url for source in portal.sources}
    assert all(feed.tags == ("partner",) for feed in listed)
    root = etree.fromstring(data)
    group = root.find("body/outline")
    assert group.get("text") == "partner" and len(group) == len(portal.sources)


_LISTED = ('<opml version="2.0"><body><outline type="rss" text="کارگاه — München" '
           'xmlUrl="https://kargah.example/fa/feed"/></body></opml>')


@pytest.mark.parametrize(("data", "title"), [
    (_LISTED.encode(), "کارگاه — München"),  # no declaration: UTF-8 (it was read as Latin-1)
    (b"\xef\xbb\xbf" + _LISTED.encode(), "کارگاه — München"),
    (('<?xml version="1.0" encoding="utf-16"?>' + _LISTED).encode("utf-16"),
     "کارگاه — München"),
    (b'<?xml version="1.0" encoding="windows-1256"?>' + _LISTED.replace(
        " — München", "").encode("cp1256"), "کارگاه"),
    (b"<?xml version='1.0' encoding='ISO-8859-1'?>" + _LISTED.replace(
        "کارگاه — ", "").encode("latin-1"), "München"),
    (b'<?xml version="1.0" encoding="no-such-codec"?>' + _LISTED.encode(), "کارگاه — München"),
], ids=["undeclared", "bom", "utf-16", "windows-1256", "latin-1", "unknown"])
def test_an_imported_list_keeps_its_letters(data: bytes, title: str) -> None:
    (feed,) = read_opml(data)
    assert (feed.title, feed.url) == (title, "https://kargah.example/fa/feed")


def test_html_page_has_languages_directions_and_feed_links(portal: Settings) -> None:
    page = (portal.output_dir / "index.html").read_text(encoding="utf-8")
    document = etree.fromstring(page.encode(), etree.HTMLParser())
    assert document.find(".//script") is None
    alternates = document.findall(".//link[@rel='alternate']")
    assert {link.get("type") for link in alternates} == {
        "application/atom+xml", "application/rss+xml", "application/feed+json"}
    articles = document.findall(".//article")
    assert articles and all(article.get("lang") for article in articles)
    assert {a.get("dir") for a in articles if a.get("lang") in ("ar", "fa")} == {"rtl"}
    persian = (portal.output_dir / "lang" / "fa.html").read_text(encoding="utf-8")
    assert '<html lang="fa" dir="rtl">' in persian
    assert "فارسی" in page  # the language filter names languages in their own language


def test_unchanged_publish_rewrites_nothing(portal: Settings) -> None:
    before = {p: p.stat().st_mtime_ns for p in portal.output_dir.rglob("*") if p.is_file()}
    report = publish_once(portal)
    assert report.written == []
    after = {p: p.stat().st_mtime_ns for p in portal.output_dir.rglob("*") if p.is_file()}
    assert before == after


def archive_chain(out: Path, stem: str) -> list[list[str]]:
    """Follow prev-archive from the subscription document; the ids of each page."""
    root = etree.fromstring((out / f"{stem}.atom").read_bytes())
    pages = []
    link = root.find(f"{ATOM}link[@rel='prev-archive']")
    while link is not None:
        path = out / link.get("href").removeprefix("http://portal.test/")
        page = etree.fromstring(path.read_bytes())
        assert check_atom(path.read_bytes()) == []
        assert page.find(f"{HISTORY}archive") is not None
        assert page.find(f"{ATOM}link[@rel='current']").get("href").endswith(f"/{stem}.atom")
        pages.append([entry.findtext(f"{ATOM}id") for entry in page.findall(f"{ATOM}entry")])
        link = page.find(f"{ATOM}link[@rel='prev-archive']")
    return pages


def test_archives_cover_every_entry_exactly_once(server: FixtureServer,
                                                 tmp_path: Path) -> None:
    server.add("/city", Route(body=rss_feed(25), headers={"Content-Type": "application/rss+xml"}))
    settings = load_settings(tmp_path, [{"id": "city", "name": "Stadt",
                                         "url": server.url("/city")}], max_entries=10)
    fetch(settings)
    out = settings.output_dir
    current = etree.fromstring((out / "feed.atom").read_bytes())
    assert len(current.findall(f"{ATOM}entry")) == 10
    pages = archive_chain(out, "feed")
    assert [len(page) for page in pages] == [5, 10, 10]  # newest (open) page first
    ids = [uid for page in pages for uid in page]
    assert len(ids) == len(set(ids)) == 25
    assert archive_chain(out, "source/city") and len(
        {u for p in archive_chain(out, "source/city") for u in p}) == 25

    full = {path: path.read_bytes() for path in (out / "archive" / "feed").glob("*.atom")
            if path.name in ("1.atom", "2.atom")}
    server.routes["/city"] = Route(body=rss_feed(3, start=25),
                                   headers={"Content-Type": "application/rss+xml"})
    fetch(settings)
    assert all(path.read_bytes() == data for path, data in full.items())
    pages = archive_chain(out, "feed")
    assert [len(page) for page in pages] == [8, 10, 10]
    assert len({uid for page in pages for uid in page}) == 28


def test_changed_feeds_are_announced_to_the_websub_hub(server: FixtureServer,
                                                       tmp_path: Path) -> None:
    from urllib.parse import parse_qs

    server.add("/hub", Route(status=204))
    server.add("/city", Route(body=rss_feed(3), headers={"Content-Type": "application/rss+xml"}))
    settings = load_settings(tmp_path, [{"id": "city", "name": "Stadt",
                                         "url": server.url("/city"), "language": "de"}],
                             websub_hub=server.url("/hub"))
    fetch(settings)
    pings = [parse_qs(seen.body.decode()) for seen in server.requests if seen.path == "/hub"]
    assert all(ping["hub.mode"] == ["publish"] for ping in pings)
    topics = {ping["hub.url"][0] for ping in pings}
    assert {"http://portal.test/feed.atom", "http://portal.test/feed.rss",
            "http://portal.test/feed.json", "http://portal.test/lang/de.atom",
            "http://portal.test/source/city.atom"} <= topics
    before = len(pings)
    fetch(settings)  # nothing changed: no ping
    assert sum(1 for seen in server.requests if seen.path == "/hub") == before


def test_a_failing_hub_is_retried_and_does_not_fail_the_fetch(
        server: FixtureServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aggregator.fetch.HUB_RETRY_PAUSE", 0.01)
    server.add("/hub", Route(status=503))
    server.add("/city", Route(body=rss_feed(1), headers={"Content-Type": "application/rss+xml"}))
    settings = load_settings(tmp_path, [{"id": "city", "name": "Stadt",
                                         "url": server.url("/city")}],
                             websub_hub=server.url("/hub"))
    (result,), report = asyncio.run(fetch_once(settings, settings.sources))
    assert result.error is None and result.counts.new == 1
    topics = len(report.changed_feeds)
    assert sum(1 for seen in server.requests if seen.path == "/hub") == 3 * topics


def test_a_partner_removed_from_the_config_keeps_its_credit(server: FixtureServer,
                                                           tmp_path: Path) -> None:
    """A partner that leaves feeds.toml keeps its entries (history is not dropped); they
    stay credited to it, by its feed's title and site as last fetched, not by a bare
    id linking to the portal itself."""
    city = {"id": "city", "name": "Stadt", "url": server.add(
        "/city", Route(body=rss_feed(3), headers={"Content-Type": "application/rss+xml"}))}
    kargah = {"id": "kargah", "name": "kargah e.V.", "homepage": "https://kargah.example/",
              "url": server.add("/kargah", feed_route("kargah-rss2-de.xml"))}
    fetch(load_settings(tmp_path, [city, kargah]))
    settings = load_settings(tmp_path, [city])  # kargah left the portal
    publish_once(settings)
    feed = feedparser.parse((settings.output_dir / "feed.atom").read_bytes())
    left = [entry for entry in feed.entries if "kargah.example/aktuelles" in entry.link]
    assert len(left) == 5
    for entry in left:
        assert entry.author == "kargah e.V. – Aktuelles"
        assert '<a href="https://kargah.example/">kargah e.V. – Aktuelles</a>' in \
            entry.content[0].value
        assert settings.base_url not in entry.content[0].value
        assert entry.source.title == "kargah e.V. – Aktuelles"

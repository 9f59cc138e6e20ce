"""End to end through real parts: fixture feeds on a local HTTP server, a real SQLite
file, the published Atom read back with feedparser and a strict checker."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from aggregator.models import Settings
from aggregator.service import fetch_once
from aggregator.store import Store

from atomcheck import check_atom
from conftest import feed_route, load_settings
from data.feeds.expected import EXPECTED
from httpfixture import FixtureServer, Route

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
INGESTIBLE = [name for name, spec in EXPECTED.items()
              if spec["count"] and name != "changing-v2.xml"]


def fetch(settings: Settings, *ids: str):  # type: ignore[no-untyped-def]
    sources = [s for s in settings.sources if not ids or s.id in ids]
    return asyncio.run(fetch_once(settings, sources))


def stored(settings: Settings, source_id: str) -> list[dict[str, object]]:
    store = Store.open(settings.database)
    try:
        return list(store.rows("SELECT * FROM entries WHERE source_id = ? ORDER BY id",
                               [source_id]))
    finally:
        store.close()


def source_for(server: FixtureServer, name: str) -> dict[str, object]:
    slug = name.split(".")[0].lower()
    return {"id": slug, "name": f"Partner {slug}", "url": server.add(f"/{name}", feed_route(name))}


@pytest.mark.parametrize("name", INGESTIBLE)
def test_first_fetch_stores_what_the_fixture_holds(server: FixtureServer, tmp_path: Path,
                                                   name: str) -> None:
    settings = load_settings(tmp_path, [source_for(server, name)])
    (result,), _ = fetch(settings)
    assert result.error is None, result.error
    rows = stored(settings, settings.sources[0].id)
    expected = EXPECTED[name]
    assert len(rows) == expected["count"]
    for row, want in zip(rows, expected["entries"], strict=True):
        assert row["title"] == want["title"]
        assert row["link"] == want["link"]
        if want["language"] is None:  # nothing declares it: identified from the text
            assert row["language_origin"] == "detected"
        else:
            assert row["language"] == want["language"]
        if want["published"] is None:
            assert row["published"] == row["first_seen"]
        else:
            assert datetime.fromisoformat(str(row["published"])) == datetime.fromisoformat(
                want["published"])


def test_second_fetch_is_a_304_and_changes_nothing(server: FixtureServer, tmp_path: Path) -> None:
    settings = load_settings(tmp_path, [source_for(server, "kargah-rss2-de.xml")])
    (first,), _ = fetch(settings)
    before = stored(settings, "kargah-rss2-de")
    (second,), report = fetch(settings)
    assert (first.outcome, first.counts.new) == ("ok", 5)
    assert second.outcome == "not_modified" and second.status == 304
    assert second.counts.new == second.counts.updated == 0
    assert stored(settings, "kargah-rss2-de") == before
    assert report is None  # nothing changed, so nothing was published
    assert server.requests[-1].headers["if-none-match"] == '"kargah-rss2-de.xml-1"'
    assert server.requests[-1].headers["if-modified-since"] == "Thu, 12 Mar 2026 10:00:00 GMT"


def test_same_body_without_validators_is_not_parsed_again(server: FixtureServer,
                                                          tmp_path: Path) -> None:
    route = feed_route("uk-rss2.xml", etag=None, last_modified=None)
    settings = load_settings(tmp_path, [{"id": "uk", "name": "UA",
                                         "url": server.add("/uk", route)}])
    fetch(settings)
    (again,), _ = fetch(settings)
    assert again.outcome == "unchanged_body" and again.status == 200


def test_changed_entry_is_updated_not_duplicated(server: FixtureServer, tmp_path: Path) -> None:
    url = server.add("/changing", feed_route("changing-v1.xml"))
    settings = load_settings(tmp_path, [{"id": "changing", "name": "C", "url": url}])
    (_first,), _ = fetch(settings)
    before = {row["key"]: row for row in stored(settings, "changing")}
    server.routes["/changing"] = feed_route("changing-v2.xml", etag='"v2"')
    (second,), _ = fetch(settings)
    after = {row["key"]: row for row in stored(settings, "changing")}
    assert (second.counts.new, second.counts.updated, second.counts.unchanged) == (1, 1, 2)
    assert len(after) == len(before) + 1
    edited = [key for key in before if before[key]["content_hash"] != after[key]["content_hash"]]
    assert len(edited) == 1
    old, new = before[edited[0]], after[edited[0]]
    assert new["uid"] == old["uid"] and new["title"] != old["title"]
    assert new["published"] == old["published"]
    assert str(new["updated"]) > str(old["updated"])


def test_a_failing_source_does_not_stop_the_others(server: FixtureServer,
                                                   tmp_path: Path) -> None:
    sources = [
        {"id": "missing", "name": "Missing", "url": server.url("/nothing-here")},
        {"id": "html", "name": "HTML", "url": server.add("/err", feed_route("not-a-feed.html"))},
        {"id": "refused", "name": "Refused", "url": "http://127.0.0.1:9/feed"},
        source_for(server, "ru-atom.atom"),
    ]
    settings = load_settings(tmp_path, sources)
    results, _ = fetch(settings)
    by_id = {result.source_id: result for result in results}
    assert by_id["missing"].error_code == "http_404"
    assert "404" in str(by_id["missing"].error)
    assert by_id["html"].error_code == "not_a_feed"
    assert "HTML page" in str(by_id["html"].error)
    assert by_id["refused"].error_code == "refused"
    assert by_id["ru-atom"].error is None and by_id["ru-atom"].counts.new == 2
    store = Store.open(settings.database)
    states = store.states()
    store.close()
    assert states["missing"].last_error_code == "http_404" and states["missing"].failures == 1
    assert states["missing"].last_error_at is not None
    assert states["ru-atom"].last_success is not None


def test_broken_but_usable_feed_is_ingested_with_a_warning(server: FixtureServer,
                                                          tmp_path: Path) -> None:
    settings = load_settings(tmp_path, [source_for(server, "broken-usable.xml")])
    (result,), _ = fetch(settings)
    assert result.error is None and result.counts.new == 2
    assert result.warning is not None and "malformed" in result.warning


def test_empty_feed_is_not_an_error_and_deletes_nothing(server: FixtureServer,
                                                        tmp_path: Path) -> None:
    url = server.add("/f", feed_route("uk-rss2.xml"))
    settings = load_settings(tmp_path, [{"id": "f", "name": "F", "url": url}])
    fetch(settings)
    server.routes["/f"] = feed_route("empty.xml")
    (result,), _ = fetch(settings)
    assert result.error is None and result.counts.new == 0
    assert len(stored(settings, "f")) == 2


@pytest.fixture
def published(server: FixtureServer, tmp_path: Path) -> tuple[Settings, bytes]:
    names = ["kargah-rss2-de.xml", "miso-atom-multi.atom", "fa-rss2-windows1256.xml",
             "tr-rss2-iso88599.xml", "ar-atom.atom", "ru-atom.atom", "uk-rss2.xml",
             "faust-rss2-noids.xml", "dupids-rss2.xml", "en-atom03.xml", "odd-dates-rss2.xml",
             "city-rss1-de.rdf"]
    sources = [source_for(server, name) for name in names]
    sources[0]["homepage"] = "https://kargah.example/"
    sources[0]["tags"] = ["partner"]
    settings = load_settings(tmp_path, sources, max_entries=500)
    fetch(settings)
    return settings, (settings.output_dir / "feed.atom").read_bytes()


def test_combined_feed_validates_strictly(published: tuple[Settings, bytes]) -> None:
    _, document = published
    assert check_atom(document) == []


def test_combined_feed_has_every_entry_with_source_and_language(
        published: tuple[Settings, bytes]) -> None:
    settings, document = published
    expected_total = sum(EXPECTED[s.url.rsplit("/", 1)[1]]["count"] for s in settings.sources)
    root = etree.fromstring(document)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == expected_total
    for entry in entries:
        source = entry.find(f"{ATOM}source")
        assert source is not None
        for name in ("id", "title", "updated"):
            assert source.findtext(f"{ATOM}{name}"), name
        assert source.find(f"{ATOM}link[@rel='alternate']") is not None
    languages = {entry.get(XML_LANG) for entry in entries}
    assert {"de", "en", "tr", "ar", "fa", "ru", "uk"} <= languages


def test_combined_feed_reads_back_in_feedparser(published: tuple[Settings, bytes]) -> None:
    _settings, document = published
    parsed = feedparser.parse(document)
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert parsed.feed.title == "Test portal"
    titles = {entry.title for entry in parsed.entries}
    assert "Ehrenamtliche Sprachmittler*innen gesucht" in titles
    kargah = next(e for e in parsed.entries
                  if e.title == "Ehrenamtliche Sprachmittler*innen gesucht")
    assert "Partner kargah-rss2-de" in kargah.content[0].value  # visible credit
    assert kargah.source.title
    persian = [e for e in parsed.entries if e.get("title_detail", {}).get("language") == "fa"]
    assert persian and all("\u200c" in e.title or "\u200c" in e.content[0].value
                           for e in persian[:1])
    assert all("<script" not in e.content[0].value for e in parsed.entries)
    ids = [entry.id for entry in parsed.entries]
    assert len(ids) == len(set(ids))


def test_rtl_content_is_marked(published: tuple[Settings, bytes]) -> None:
    _, document = published
    root = etree.fromstring(document)
    arabic = [e for e in root.findall(f"{ATOM}entry") if e.get(XML_LANG) == "ar"]
    assert arabic
    for entry in arabic:
        assert '<div lang="ar" dir="rtl">' in entry.findtext(f"{ATOM}content", "")


def test_per_language_source_and_tag_feeds(published: tuple[Settings, bytes]) -> None:
    settings, _ = published
    out = settings.output_dir
    persian = etree.fromstring((out / "lang" / "fa.atom").read_bytes())
    assert persian.get(XML_LANG) == "fa"
    assert {e.get(XML_LANG) for e in persian.findall(f"{ATOM}entry")} == {"fa"}
    for path in [out / "lang" / "de.atom", out / "source" / "kargah-rss2-de.atom",
                 out / "tag" / "partner.atom"]:
        assert check_atom(path.read_bytes()) == [], path
    tag = etree.fromstring((out / "tag" / "partner.atom").read_bytes())
    assert len(tag.findall(f"{ATOM}entry")) == EXPECTED["kargah-rss2-de.xml"]["count"]


def test_max_entries_limits_the_window(server: FixtureServer, tmp_path: Path) -> None:
    settings = load_settings(tmp_path, [source_for(server, "kargah-rss2-de.xml")],
                             max_entries=2)
    fetch(settings)
    root = etree.fromstring((settings.output_dir / "feed.atom").read_bytes())
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Ehrenamtliche Sprachmittler*innen gesucht", "Beratung & Begleitung bei Behördengängen"]


def test_unknown_route_goes_to_a_missing_server_route(server: FixtureServer) -> None:
    assert server.add("/x", Route(body=b"x")) == server.url("/x")


def test_a_source_given_a_new_url_starts_afresh(server: FixtureServer, tmp_path: Path) -> None:
    """The operator fixes partners' URLs in feeds.toml: each new URL is fetched in full
    at once, whatever the old one left behind. Before, a source retired by a 410 at its
    old URL stayed retired, and the old URL's validators were sent to the new one (a
    server that answers 304 to them hid the new feed)."""
    settings = load_settings(tmp_path, [
        {"id": "verein", "name": "Verein", "url": server.add("/alt", Route(status=410))},
        {"id": "kargah", "name": "kargah", "url": server.add(
            "/alt.xml", feed_route("kargah-rss2-de.xml"))}])
    fetch(settings)
    assert [result.outcome for result in fetch(settings)[0]] == ["retired", "not_modified"]

    moved = load_settings(tmp_path, [
        {"id": "verein", "name": "Verein", "url": server.add("/neu", feed_route("uk-rss2.xml"))},
        {"id": "kargah", "name": "kargah", "url": server.add(  # the old validators match
            "/neu.xml", feed_route("miso-atom-multi.atom", etag='"kargah-rss2-de.xml-1"'))}])
    assert moved.database == settings.database
    verein, kargah = fetch(moved)[0]
    assert (verein.outcome, verein.status) == ("ok", 200) and verein.counts.new > 0
    assert (kargah.outcome, kargah.counts.new) == ("ok", 6)
    asked = [seen for seen in server.requests if seen.path == "/neu.xml"]
    assert "if-none-match" not in asked[0].headers
    assert "if-modified-since" not in asked[0].headers
    assert len(stored(moved, "kargah")) == 5 + 6  # the old entries stay

    # from now on the new URLs' own validators
    assert [result.outcome for result in fetch(moved)[0]] == ["not_modified", "not_modified"]


def test_a_corrected_language_setting_moves_the_entries_it_decided(
        server: FixtureServer, tmp_path: Path) -> None:
    """Items too short to identify take the source's `language`. The operator corrects
    it in feeds.toml: the next fetch reads them again and they move to the right
    language's feed; their dates stay (nothing a reader sees in them changed)."""
    items = "".join(f"<item><guid>n{n}</guid><title>Nr. {n}</title>"
                    f"<link>https://verein.example/{n}</link>"
                    f"<pubDate>Mon, 0{n} Mar 2026 10:00:00 +0100</pubDate></item>"
                    for n in (1, 2))
    body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Verein</title><link>https://verein.example/</link>"
            f"<description>d</description>{items}</channel></rss>").encode()
    url = server.add("/verein.xml", Route(body=body, etag='"v1"',
                                          headers={"Content-Type": "application/rss+xml"}))
    source = {"id": "verein", "name": "Verein", "url": url, "language": "de"}
    settings = load_settings(tmp_path, [source], languages=["de", "tr"])
    fetch(settings)
    before = stored(settings, "verein")
    assert [row["language"] for row in before] == ["de", "de"]
    corrected = load_settings(tmp_path, [{**source, "language": "tr"}], languages=["de", "tr"])
    (result,), report = fetch(corrected)
    assert (result.outcome, result.counts.new, result.counts.updated) == ("ok", 0, 0)
    after = stored(corrected, "verein")
    assert [row["language"] for row in after] == ["tr", "tr"]
    assert [(row["published"], row["updated"]) for row in after] == [
        (row["published"], row["updated"]) for row in before]
    assert report is not None
    turkish = feedparser.parse((corrected.output_dir / "lang/tr.atom").read_bytes())
    assert sorted(entry.title for entry in turkish.entries) == ["Nr. 1", "Nr. 2"]
    # no German entry is left: the German feeds go (a publish from scratch has none)
    assert not (corrected.output_dir / "lang/de.atom").exists()
    assert not (corrected.output_dir / "index.de.html").exists()

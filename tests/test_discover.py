"""Feed autodiscovery: the pure choices with plain values, then pages on a local
server whose <link rel="alternate"> leads to the feed; the discovered feed is
remembered, shown, fetched directly, and looked for again when it breaks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from aggregator import discover
from aggregator.errors import (
    FetchTimeout,
    GoneError,
    HTTPStatusError,
    NetworkError,
    NotAFeedError,
    RedirectError,
    SourceError,
)
from aggregator.models import FeedLink, Settings, SourceState
from aggregator.scrape import read_page
from aggregator.service import fetch_once
from aggregator.store import Store

from conftest import DATA, feed_route, load_settings
from httpfixture import FixtureServer, Route

PAGES = DATA / "pages"

ATOM = FeedLink("https://x.example/atom", "atom", "Atom")
RSS = FeedLink("https://x.example/rss", "rss", "RSS 2.0")
JSON = FeedLink("https://x.example/json", "json", "JSON Feed")
COMMENTS = FeedLink("https://x.example/comments/feed/", "atom", "Kommentar-Feed")
RSS_TR = FeedLink("https://x.example/?clang=2", "rss", "Haberler", "tr")
RSS_DE = FeedLink("https://x.example/?clang=1", "rss", "Neuigkeiten", "de")


@pytest.mark.parametrize(("feeds", "language", "chosen"), [
    ([RSS, ATOM, JSON], None, ATOM),           # Atom before RSS before JSON Feed
    ([JSON, RSS], "de", RSS),
    ([JSON], None, JSON),
    ([COMMENTS, RSS], None, RSS),              # the news, not the comments
    ([RSS_DE, RSS_TR], "tr", RSS_TR),          # the source's language first
    ([RSS_DE, RSS_TR], "tr-TR", RSS_TR),
    ([RSS_TR, RSS_DE], "de", RSS_DE),
    ([RSS_TR, RSS_DE], None, RSS_TR),          # else the page's order
    ([RSS_TR, ATOM], "de", ATOM),              # a feed that does not say beats another language
    ([], "de", None),
])
def test_choose_feed(feeds: list[FeedLink], language: str | None,
                     chosen: FeedLink | None) -> None:
    assert discover.choose_feed(feeds, language) == chosen


@pytest.mark.parametrize(("body", "content_type", "page"), [
    (b"<!DOCTYPE html><html><head>", "text/html", True),
    (b"\xef\xbb\xbf  <html lang='de'>", None, True),
    (b"<?xml version='1.0'?><rss version='2.0'>", "text/html", False),  # a feed served as HTML
    (b"<?xml version='1.0'?>\n<feed xmlns='http://www.w3.org/2005/Atom'>", None, False),
    (b'{"version": "https://jsonfeed.org/version/1.1"}', "text/html", False),
    (b"BEGIN:VCALENDAR\r\n", "text/html", False),
    (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>", None, True),
    (b"<div>a fragment</div>", "text/html; charset=utf-8", True),
    (b"<div>a fragment</div>", "application/xml", False),
])
def test_is_page(body: bytes, content_type: str | None, page: bool) -> None:
    assert discover.is_page(body, content_type) is page


@pytest.mark.parametrize(("error", "again"), [
    (HTTPStatusError("x", status=404), True),
    (GoneError("x", status=410), True),
    (HTTPStatusError("x", status=403), True),
    (HTTPStatusError("x", status=429), False),   # slow down, do not ask twice
    (HTTPStatusError("x", status=503), False),   # down for now
    (NetworkError("x"), False),
    (FetchTimeout("x"), False),
    (RedirectError("x"), True),
    (NotAFeedError("x"), True),
])
def test_should_rediscover(error: SourceError, again: bool) -> None:
    assert discover.should_rediscover(error) is again


def test_remembered_only_for_the_configured_page() -> None:
    state = discover.after_fetch(SourceState(id="s"), "https://x.example/", "https://x.example/f")
    assert (state.discovered_url, state.discovered_from) == ("https://x.example/f",
                                                             "https://x.example/")
    assert discover.remembered_feed("https://x.example/", state) == "https://x.example/f"
    assert discover.remembered_feed("https://y.example/", state) is None  # feeds.toml changed
    assert discover.after_fetch(state, "https://x.example/", None).discovered_url is None


def test_cms_hints() -> None:
    assert "/feed/" in discover.cms_hints("WordPress 6.4.3")[0]
    assert "?format=feed&type=rss" in discover.cms_hints(
        "Joomla! - Open Source Content Management")[0]
    assert discover.cms_hints(None) == [] and discover.cms_hints("Hugo 0.120") == []


def test_read_page_resolves_relative_and_base_hrefs() -> None:
    page = read_page((PAGES / "several-alternates.html").read_bytes(),
                     "https://faust.example/programm/")
    assert [(feed.url, feed.type) for feed in page.feeds] == [
        ("https://faust.example/comments/feed/", "rss"),
        ("https://faust.example/feed/", "rss"),
        ("https://faust.example/programm/feed/atom/", "atom"),
        ("https://faust.example/feed/json/", "json"),
    ]  # the oEmbed link (application/json) and the English page are not feeds
    assert discover.choose_feed(page.feeds, "de") == page.feeds[2]
    joomla = read_page((PAGES / "joomla-blog.html").read_bytes(), "http://127.0.0.1:1/x")
    assert joomla.feeds[1].url == (
        "https://www.kargah.example/index.php/aktuelles?format=feed&type=atom")  # <base href>
    redaxo = read_page((PAGES / "redaxo-clang.html").read_bytes(),
                       "https://anadolu.example/index.php?article_id=5&clang=2")
    assert discover.choose_feed(redaxo.feeds, "tr") == FeedLink(
        "https://anadolu.example/index.php?rex_rss=news&clang=2", "rss", "Haberler (Türkçe)",
        "tr")


# -- through the pipeline -------------------------------------------------------------

def page(html_head: str) -> Route:
    body = f"<!DOCTYPE html><html lang='de'><head><title>Partner</title>{html_head}</head>" \
           "<body><p>Willkommen</p></body></html>"
    return Route(body=body.encode(), headers={"Content-Type": "text/html; charset=utf-8"})


def fetch(settings: Settings):  # type: ignore[no-untyped-def]
    return asyncio.run(fetch_once(settings, list(settings.sources)))


def state_of(settings: Settings, source_id: str) -> SourceState:
    store = Store.open(settings.database)
    try:
        return store.state(source_id)
    finally:
        store.close()


def test_a_homepage_leads_to_its_feed_which_is_remembered(server: FixtureServer,
                                                          tmp_path: Path) -> None:
    home = server.add("/", Route(body=(PAGES / "several-alternates.html").read_bytes(),
                                 headers={"Content-Type": "text/html; charset=utf-8"}))
    server.add("/feed/", feed_route("kargah-rss2-de.xml"))
    atom = server.add("/feed/atom/", feed_route("miso-atom-multi.atom"))
    settings = load_settings(tmp_path, [{"id": "faust", "name": "Faust", "url": home}])
    (first,), _ = fetch(settings)
    assert first.error is None and first.counts.new == 6  # the Atom feed's entries
    assert first.url == atom
    state = state_of(settings, "faust")
    assert state.discovered_url == atom and state.discovered_from == home
    assert state.entry_count == 6

    (second,), _ = fetch(settings)  # straight to the feed, conditionally
    assert second.outcome == "not_modified"
    assert server.hits("/") == 1 and server.hits("/feed/atom/") == 2
    assert server.hits("/comments/feed/") == 0


def test_a_broken_discovered_feed_is_looked_for_again(server: FixtureServer,
                                                      tmp_path: Path) -> None:
    home = server.add("/", page('<link rel="alternate" type="application/rss+xml" '
                                'href="/old/feed.xml">'))
    server.add("/old/feed.xml", feed_route("uk-rss2.xml"))
    settings = load_settings(tmp_path, [{"id": "p", "name": "P", "url": home}])
    (first,), _ = fetch(settings)
    assert first.counts.new == 2
    # the partner moved to a new CMS: the old feed is gone, the page names the new one
    del server.routes["/old/feed.xml"]
    server.routes["/"] = page('<link rel="alternate" type="application/atom+xml" '
                              'href="neu/atom.xml">')
    server.add("/neu/atom.xml", feed_route("ru-atom.atom"))
    (second,), _ = fetch(settings)
    assert second.error is None and second.counts.new == 2
    assert state_of(settings, "p").discovered_url == server.url("/neu/atom.xml")


def test_a_broken_feed_the_page_still_names_is_the_error(server: FixtureServer,
                                                         tmp_path: Path) -> None:
    home = server.add("/", page('<link rel="alternate" type="application/rss+xml" '
                                'href="/feed.xml">'))
    server.add("/feed.xml", feed_route("uk-rss2.xml"))
    settings = load_settings(tmp_path, [{"id": "p", "name": "P", "url": home}])
    fetch(settings)
    del server.routes["/feed.xml"]
    (result,), _ = fetch(settings)
    assert result.error_code == "http_404" and "/feed.xml" in str(result.error)
    assert state_of(settings, "p").entry_count == 2  # nothing lost


def test_a_page_without_feed_links_says_so(server: FixtureServer, tmp_path: Path) -> None:
    home = server.add("/", Route(body=(PAGES / "wordpress-archive.html").read_bytes(),
                                 headers={"Content-Type": "text/html; charset=UTF-8"}))
    settings = load_settings(tmp_path, [{"id": "miso", "name": "MiSO", "url": home}])
    (result,), _ = fetch(settings)
    assert result.error_code == "not_a_feed"
    assert "HTML page, not a feed, and the page links to no feed" in str(result.error)
    assert 'kind = "html"' in str(result.error)


def test_a_feed_link_to_another_page_is_refused(server: FixtureServer, tmp_path: Path) -> None:
    home = server.add("/", page('<link rel="alternate" type="application/rss+xml" '
                                'href="/also-a-page">'))
    server.add("/also-a-page", page(""))
    settings = load_settings(tmp_path, [{"id": "p", "name": "P", "url": home}])
    (result,), _ = fetch(settings)
    assert result.error_code == "not_a_feed" and "is a web page too" in str(result.error)


def test_the_sources_language_picks_among_language_feeds(server: FixtureServer,
                                                         tmp_path: Path) -> None:
    home = server.add("/index.php?article_id=5&clang=2", Route(
        body=(PAGES / "redaxo-clang.html").read_bytes(),
        headers={"Content-Type": "text/html; charset=utf-8"}))
    server.add("/index.php?rex_rss=news&clang=1", feed_route("kargah-rss2-de.xml"))
    server.add("/index.php?rex_rss=news&clang=2", feed_route("tr-rss2-iso88599.xml"))
    settings = load_settings(tmp_path, [{"id": "anadolu", "name": "Anadolu", "url": home,
                                         "language": "tr"}])
    (result,), _ = fetch(settings)
    assert result.error is None
    assert result.url == server.url("/index.php?rex_rss=news&clang=2")


def test_the_status_page_shows_the_discovered_feed_and_unreadable_dates() -> None:
    from datetime import UTC, datetime

    from aggregator.models import SourceConfig, SourceKind
    from aggregator.pages import sources_page

    now = datetime(2026, 3, 20, tzinfo=UTC)
    sources = [SourceConfig(id="faust", name="Faust", url="https://faust.example/"),
               SourceConfig(id="miso", name="MiSO", url="https://miso.example/news/",
                            kind=SourceKind.HTML)]
    states = {
        "faust": discover.after_fetch(SourceState(id="faust", last_success=now),
                                      "https://faust.example/", "https://faust.example/feed/"),
        "miso": SourceState(id="miso", last_success=now, unparsed_dates=2),
    }
    page = sources_page("Portal", "https://portal.example/", sources, states, now)
    assert "feed found on the page: https://faust.example/feed/" in page
    assert "2 dates on the page could not be read" in page

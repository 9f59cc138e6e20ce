"""Feed autodiscovery: pure decisions, no I/O. The spine fetches, :mod:`aggregator.scrape`
reads the page's ``<link rel="alternate">`` elements, and this module decides:

* is a fetched body a web page rather than a feed (:func:`is_page`)?
* which of a page's feeds to follow (:func:`choose_feed`): the one in the source's
  language, not a comments feed, Atom before RSS before JSON Feed, else the first;
* where to fetch next time (:func:`remembered_feed`), what to remember after a fetch
  (:func:`after_fetch`), and whether a broken remembered feed is worth looking
  for again on the page (:func:`should_rediscover`);
* what to tell a partner whose CMS hides its feed (:func:`cms_hints`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from .errors import HTTPStatusError, NotAFeedError, RedirectError, SourceError
from .language import primary_code
from .models import FeedLink, SourceState

#: how much we prefer each feed format (lower is better): Atom has ids, dates and
#: languages done right; RSS is everywhere; JSON Feed is young
FORMAT_RANK = {"atom": 0, "rss": 1, "json": 2}
#: link types that name a feed, and the format each is
FEED_TYPES = {
    "application/atom+xml": "atom",
    "application/rss+xml": "rss",
    "application/rdf+xml": "rss",
    "application/x.atom+xml": "atom",
    "application/x-atom+xml": "atom",
    "application/feed+json": "json",
}
# not "application/json": WordPress links its REST API and oEmbed with that type
_COMMENTS = re.compile(r"comment|kommentar|yorum|تعليق|نظر|коммент|коментар|komentarz",
                       re.IGNORECASE)
_PAGE_START = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title")
_FEED_MARKERS = (b"<rss", b"<feed", b"<rdf:rdf", b"<channel", b"begin:vcalendar")


def is_page(body: bytes, content_type: str | None) -> bool:
    """True when ``body`` is an HTML page, not a feed (whatever the Content-Type claims:
    feeds are often served as text/html, and pages as text/xml)."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"{", b"[")):
        return False
    if head.startswith(_PAGE_START):
        return True
    if any(marker in head for marker in _FEED_MARKERS):
        return False
    media = (content_type or "").split(";")[0].strip().lower()
    return media in ("text/html", "application/xhtml+xml") or (
        head.startswith(b"<?xml") and b"<html" in head)


def feed_type(link_type: str | None) -> str | None:
    """"atom", "rss" or "json" for a ``<link type>`` that names a feed, else None."""
    return FEED_TYPES.get((link_type or "").split(";")[0].strip().lower())


def choose_feed(feeds: Sequence[FeedLink], language: str | None = None) -> FeedLink | None:
    """The feed to follow among a page's alternates (None when there is none).

    In order: a feed in the source's language (by ``hreflang``) over one in another
    language; the site's news over a comments feed; Atom over RSS over JSON Feed; the
    page's own order last."""
    wanted = primary_code(language) if language else None

    def rank(indexed: tuple[int, FeedLink]) -> tuple[int, int, int, int]:
        index, feed = indexed
        declared = primary_code(feed.language) if feed.language else None
        language_rank = 0 if declared is None or declared == wanted else 1
        if wanted and declared == wanted:
            language_rank = -1
        comments = 1 if _COMMENTS.search(f"{feed.title or ''} {feed.url}") else 0
        return (language_rank, comments, FORMAT_RANK.get(feed.type, 9), index)

    if not feeds:
        return None
    return min(enumerate(feeds), key=rank)[1]


def remembered_feed(source_url: str, state: SourceState) -> str | None:
    """The feed found on the configured page last time, unless feeds.toml now names
    another URL."""
    if state.discovered_url and state.discovered_from == source_url:
        return state.discovered_url
    return None


def should_rediscover(error: SourceError) -> bool:
    """A remembered feed that is gone, moved away or turned into a page is looked for
    again on the page; a server that is merely down or slow is not asked twice."""
    if isinstance(error, HTTPStatusError):
        return 400 <= error.status < 500 and error.status not in (408, 429)
    return isinstance(error, RedirectError | NotAFeedError)


def after_fetch(state: SourceState, source_url: str, discovered: str | None) -> SourceState:
    """The state remembering (or forgetting) the discovered feed of a source."""
    if discovered is None:
        return replace(state, discovered_url=None, discovered_from=None)
    return replace(state, discovered_url=discovered, discovered_from=source_url)


#: what to tell a partner whose CMS can publish a feed, by <meta name="generator">
_CMS_FEEDS = {
    "wordpress": "WordPress publishes a feed at /feed/ (and /category/NAME/feed/); "
                 "check that it is not switched off by a plugin, and that the theme "
                 "prints <link rel=\"alternate\"> (wp_head)",
    "joomla": "Joomla publishes a feed of any blog or category list: add "
              "?format=feed&type=rss (or type=atom) to the list's address, and switch on "
              "\"Show Feed Link\" in the menu item's options",
    "contao": "Contao publishes news feeds from the news archive settings "
              "(\"Generate feed\"), then add the feed to the page layout",
    "redaxo": "REDAXO has no feed by itself; the 'feeds' or 'rss' AddOn adds one",
    "ez publish": "eZ Publish publishes RSS exports (Setup > RSS > New export); link "
                  "them in the page head",
    "typo3": "TYPO3's news extension publishes RSS with a page type (often ?type=9818)",
    "drupal": "Drupal publishes /rss.xml; Views can add feeds per section",
}


def cms_hints(generator: str | None) -> list[str]:
    """Plain-words advice for a partner whose CMS we recognise."""
    name = (generator or "").lower()
    return [advice for cms, advice in _CMS_FEEDS.items() if cms in name]

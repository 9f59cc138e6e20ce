"""Turning feed bytes into a :class:`~aggregator.models.ParsedFeed`. This module owns
feedparser: it copes with RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and CDF, with broken
encodings and ill-formed XML, better than anything we would write. The common case
(well-formed UTF-8 RSS 2.0 and Atom 1.0) is read faster by :mod:`aggregator.fastparse`
into the same result.

feedparser only ever sees bytes (wrapped in a stream, so it never fetches a URL or
opens a file), and its own sanitiser and relative-URI pass are off: every HTML field
is sanitised and resolved later by :mod:`aggregator.sanitize`, once.
"""

from __future__ import annotations

import calendar
import io
import json
import pyexpat
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from . import encoding, fastparse
from .errors import NotAFeedError, ParseError
from .models import ParsedEntry, ParsedFeed

_HTML_TYPES = ("text/html", "application/xhtml+xml")

#: entries read from one document; a feed lists its newest first, the rest is history
#: that a partner's feed should not carry (and that would take minutes to parse)
MAX_ITEMS = 1000
_ITEM_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")

#: categories kept per entry while parsing (normalising keeps fewer still)
MAX_TAGS = 100
_add_tag = feedparser.mixin._FeedParserMixin._add_tag


def _add_tag_capped(self: Any, term: Any, scheme: Any, label: Any) -> None:
    """feedparser checks each new category against all earlier ones (quadratic: an
    entry with 50,000 categories took over two minutes); beyond MAX_TAGS we stop."""
    if len(self._get_context().get("tags", ())) < MAX_TAGS:
        _add_tag(self, term, scheme, label)


feedparser.mixin._FeedParserMixin._add_tag = _add_tag_capped


def _translation_table(mapping: Mapping[int, str]) -> tuple[int | str, ...]:
    """``mapping`` (code point -> text) as a table of every BMP code point, the
    unmapped ones mapped to themselves: :meth:`str.translate` gives the same text."""
    table: list[int | str] = list(range(0x10000))
    for code, text in mapping.items():
        table[code] = text
    return tuple(table)


# feedparser maps C1 controls to the Windows-1252 characters they stand for in every
# text it reads, with str.translate and a dict: in non-ASCII text each character that
# is not in the dict is a failed lookup, an exception. With a table that has every
# character, the same translation takes about a third of the time (a tenth of parsing).
feedparser.mixin._cp1252 = _translation_table(feedparser.mixin._cp1252)


#: expat releases before this one are open to the "large token" denial of service
#: (CVE-2023-52425); feedparser parses with the expat that Python was built with
SAFE_EXPAT = (2, 6, 0)


def xml_parser_warning(version: tuple[int, int, int] = pyexpat.version_info) -> str | None:
    """A plain warning when the XML parser is older than :data:`SAFE_EXPAT` (the time
    budget per parse and the body cap still bound what a hostile feed can do)."""
    if tuple(version) >= SAFE_EXPAT:
        return None
    found = ".".join(map(str, version))
    wanted = ".".join(map(str, SAFE_EXPAT))
    return (f"this Python's XML parser is expat {found}; {wanted} or newer resists crafted "
            "documents better (some distributions backport the fixes without changing the "
            "version). Parsing stays bounded by parse_timeout and max_body_size.")


def parse_feed(body: bytes, content_type: str | None = None, *, fast: bool = True) -> ParsedFeed:
    """Parse a feed document; raise :class:`NotAFeedError` when it yields nothing usable.

    Well-formed UTF-8 RSS 2.0 and Atom 1.0 take :mod:`aggregator.fastparse`, which
    answers what feedparser would, about four times faster; ``fast=False`` (for the
    tests that compare the two) sends every document to feedparser."""
    if is_json_feed(body, content_type):
        return parse_json_feed(body)
    content_type, relabelled = _charset(body, content_type)
    # No Content-Location on purpose: relative links in RSS are resolved later against
    # the channel's own link (the partner's site), as readers expect; feedparser would
    # resolve them against the URL we fetched. xml:base, where given, still applies.
    headers = {"content-type": content_type} if content_type else {}
    body, dropped = keep_first_items(body, MAX_ITEMS)
    result = fastparse.read(body, content_type, max_tags=MAX_TAGS) if fast else None
    if result is None:
        try:
            result = feedparser.parse(io.BytesIO(body), response_headers=headers,
                                      sanitize_html=False, resolve_relative_uris=False)
        except Exception as error:  # feedparser is meant not to raise; if it does, say so
            raise ParseError(f"the feed parser failed on this document: {error!r}") from error
    version = result.get("version") or ""
    entries = tuple(_entry(raw) for raw in result.get("entries", ()))
    problem = _problem(result)
    if not entries and (not version or problem):
        raise NotAFeedError(_not_a_feed(body, content_type, problem))
    feed: Mapping[str, Any] = result.get("feed", {})
    return ParsedFeed(
        format=version or "unknown",
        title=feed.get("title"),
        link=feed.get("link"),
        id=feed.get("id"),
        updated=_date(_plain(feed, "updated_parsed") or _plain(feed, "published_parsed")),
        language=feed.get("language") or _detail_language(feed, "title", "subtitle"),
        entries=entries,
        warning="; ".join(filter(None, [
            f"the feed is malformed but usable: {problem}" if problem else None,
            f"the feed holds {MAX_ITEMS + dropped:,} entries; only the first {MAX_ITEMS:,} "
            "were read" if dropped else None,
            relabelled,
        ])) or None,
        ttl_minutes=_whole(feed.get("ttl")),
    )


def _charset(body: bytes, content_type: str | None) -> tuple[str | None, str | None]:
    """The Content-Type to parse by, and what to tell the partner: UTF-8 bytes under a
    stale legacy label are parsed as UTF-8 (:mod:`aggregator.encoding`; the header's
    charset outweighs the XML declaration in both parsers)."""
    labels = {"the charset of its Content-Type header": encoding.charset_of(content_type),
              "its XML declaration": encoding.declared_in_xml(body)}
    stale = encoding.stale_labels(body, *labels.values())
    if not stale:
        return content_type, None
    wrong = [where for where, label in labels.items() if label in stale]
    return (encoding.with_charset(content_type or "application/xml", "utf-8"),
            f"the feed is labelled {' and '.join(sorted(set(stale)))} but it is UTF-8 "
            f"(read as UTF-8); {' and '.join(wrong)} should say utf-8")


def _entry(raw: Mapping[str, Any]) -> ParsedEntry:
    # _plain: feedparser's own lookup (aliases, fallbacks) costs microseconds a key, and
    # none of the keys read here has an alias
    title_detail = _plain(raw, "title_detail") or {}
    summary_detail = _plain(raw, "summary_detail") or {}
    contents = _plain(raw, "content") or []
    # The longest content block is the article; others are alternates (text vs html).
    content = max(contents, key=lambda block: len(_plain(block, "value", "")), default=None)
    base = _plain(content or summary_detail or title_detail or {}, "base") or None
    if base is not None and not base.startswith(("http://", "https://")):
        base = None
    language = _detail_language(raw, "title", "summary") or _plain(content or {}, "language")
    links = _plain(raw, "links") or ()
    published = _date(_plain(raw, "published_parsed"))
    updated = _date(_plain(raw, "updated_parsed"))
    return ParsedEntry(
        id=_text(_plain(raw, "id")),
        link=_main_link(raw, links, language),
        title=_plain(raw, "title"),
        title_is_html=_is_html(title_detail),
        summary=_plain(raw, "summary"),
        summary_is_html=_is_html(summary_detail),
        content=_plain(content, "value") if content else None,
        content_is_html=_is_html(content or {}),
        author=_text(_plain(raw, "author")),
        published=published,
        updated=updated,
        language=language,
        categories=tuple(
            term for tag in _plain(raw, "tags") or ()
            if (term := _text(_plain(tag, "term")))
        ),
        base=base,
        alternates=tuple(
            (str(link["hreflang"]), str(link["href"])) for link in links
            if _plain(link, "rel") == "alternate" and _plain(link, "hreflang")
            and _plain(link, "href")),
        date_text=_date_text(raw, published, updated),
    )


#: the zone names feedparser reads (any other it takes for UTC)
_KNOWN_ZONES = frozenset(feedparser.datetimes.rfc822.timezone_names) | {"utc"}
_ZONE_NAME = re.compile(r"\d:\d\d(?::\d\d)?\s*([A-Za-z]{2,5})\s*$")


def _date_text(raw: Mapping[str, Any], published: datetime | None,
               updated: datetime | None) -> str | None:
    """An item's date as written, for :func:`aggregator.dates.read_feed_dates`, where
    the feed parser could not read it (``Mo, 12 Mär 2026``) or read a zone name it does
    not know as UTC (``Do, 12 Mar 2026 10:00:00 MEZ`` is 09:00 UTC, not 10:00)."""
    if published is None and updated is None:
        return _text(_plain(raw, "published") or _plain(raw, "updated"))
    text = _text(_plain(raw, "published")) if published is not None else None
    zone = _ZONE_NAME.search(text) if text else None
    return text if zone and zone[1].lower() not in _KNOWN_ZONES else None


def keep_first_items(body: bytes, limit: int) -> tuple[bytes, int]:
    """The document with only its first ``limit`` items (RSS ``item``, Atom ``entry``),
    and how many were cut. What follows the last item (the closing tags) is kept, so
    the shortened document is as well-formed as the original."""
    ends = _ITEM_END.finditer(body)
    cut = None
    for count, match in enumerate(ends, 1):
        if count == limit:
            cut = match.end()
            break
    if cut is None:
        return body, 0
    rest = [match.end() for match in _ITEM_END.finditer(body, cut)]
    if not rest:
        return body, 0
    return body[:cut] + body[rest[-1]:], len(rest)


def _main_link(raw: Mapping[str, Any], links: Any, language: str | None) -> str | None:
    """The entry's own page. feedparser takes the last alternate link, which in an
    entry listing its translations (``hreflang``) is another language's page."""
    alternates = [link for link in links
                  if _plain(link, "rel") == "alternate" and _plain(link, "href")]
    for link in alternates:
        if not _plain(link, "hreflang") or _plain(link, "hreflang") == language:
            return _text(link["href"])
    return _text(_plain(raw, "link"))


def _plain(raw: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """A key as feedparser stored it, without its aliases and its deprecated fallbacks
    between ``updated`` and ``published`` (which also warn); a plain dict lookup."""
    return dict.get(raw, key, default) if isinstance(raw, dict) else raw.get(key, default)


def _detail_language(raw: Mapping[str, Any], *fields: str) -> str | None:
    for field in fields:
        language = _plain(_plain(raw, f"{field}_detail") or {}, "language")
        if language:
            return str(language)
    return None


def _is_html(detail: Mapping[str, Any]) -> bool:
    return _plain(detail, "type", "text/html") in _HTML_TYPES


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _whole(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _date(value: time.struct_time | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


# feedparser flags these too, but they say nothing about the document's health:
# a missing or generic Content-Type, or an XML declaration the HTTP charset overrides.
_BENIGN = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)


def _problem(result: Mapping[str, Any]) -> str | None:
    error = result.get("bozo_exception")
    if not result.get("bozo") or isinstance(error, _BENIGN):
        return None
    return _describe(error)


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "unknown problem"
    line = getattr(error, "getLineNumber", None)
    where = f" at line {line()}" if callable(line) else ""
    message = getattr(error, "getMessage", None)
    text = message() if callable(message) else str(error)
    return f"{text}{where}".strip()


def _not_a_feed(body: bytes, content_type: str | None, problem: str | None) -> str:
    head = body[:512].lstrip().lower()
    if not body.strip():
        return "the server sent an empty document, not a feed"
    if head.startswith((b"<!doctype html", b"<html")) or (
        content_type and content_type.split(";")[0].strip() in _HTML_TYPES
    ):
        return ("the server sent an HTML page, not a feed; if it is the partner's homepage, "
                "autodiscovery may find the feed it links to")
    reason = f": {problem}" if problem else ""
    return f"the document is not a feed that yields any entries{reason}"


# -- JSON Feed 1.0 / 1.1 -------------------------------------------------------------
# feedparser 6.0 reads no JSON Feed (its support is unreleased), and the format is
# plain JSON: the standard library reads it.
_JSON_VERSIONS = {"https://jsonfeed.org/version/1": "json10",
                  "https://jsonfeed.org/version/1.1": "json11"}


def is_json_feed(body: bytes, content_type: str | None) -> bool:
    """Whether to read the body as a JSON Feed: by its media type, or, whatever the
    server says, because it is JSON (no XML document starts with ``{``). Its version
    cannot tell: JSON may escape its slashes (``jsonfeed.org\\/version``), and the key
    may come after all the items."""
    media = (content_type or "").split(";")[0].strip().lower()
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return media in ("application/feed+json", "application/json") or head.startswith(b"{")


def parse_json_feed(body: bytes) -> ParsedFeed:
    """A JSON Feed document (https://www.jsonfeed.org/version/1.1/)."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ParseError(f"the JSON Feed is not UTF-8 (byte {error.start})") from error
    except json.JSONDecodeError as error:
        raise NotAFeedError(f"the JSON Feed is not valid JSON: {error.msg} at line "
                            f"{error.lineno}, column {error.colno}") from error
    except (ValueError, RecursionError) as error:  # a number of thousands of digits,
        # arrays nested thousands deep: valid JSON that no feed is
        raise NotAFeedError(f"the JSON Feed cannot be read: {error}"[:300]) from error
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise NotAFeedError("the JSON document is not a JSON Feed: it has no 'items' list")
    version = _JSON_VERSIONS.get(str(document.get("version", "")).rstrip("/"))
    entries = tuple(_json_entry(item) for item in document["items"] if isinstance(item, dict))
    language = _text(document.get("language"))
    return ParsedFeed(
        format=version or "json",
        title=_text(document.get("title")),
        link=_text(document.get("home_page_url")),
        id=_text(document.get("feed_url")),
        updated=max((date for e in entries if (date := e.updated or e.published)),
                    default=None),
        language=language,
        entries=entries,
        warning=None if version else (
            f"unknown JSON Feed version {document.get('version')!r}; read as 1.1"),
    )


def _json_entry(item: Mapping[str, Any]) -> ParsedEntry:
    identifier = item.get("id")
    html = _text(item.get("content_html"))
    authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
    names = [name for author in (authors if isinstance(authors, list) else [])
             if isinstance(author, dict)
             if (name := _text(author.get("name")))]
    tags = item.get("tags")
    tags = tags if isinstance(tags, list) else []
    return ParsedEntry(
        id=str(identifier).strip() or None if isinstance(identifier, str | int) else None,
        link=_text(item.get("url")) or _text(item.get("external_url")),
        title=_text(item.get("title")),
        title_is_html=False,
        summary=_text(item.get("summary")),
        summary_is_html=False,
        content=html or _text(item.get("content_text")),
        content_is_html=html is not None,
        author=", ".join(names) or None,
        published=_json_date(item.get("date_published")),
        updated=_json_date(item.get("date_modified")),
        language=_text(item.get("language")),
        categories=tuple(tag.strip() for tag in tags if isinstance(tag, str) and tag.strip()),
    )


def _json_date(value: Any) -> datetime | None:
    """An RFC 3339 date; one without an offset is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)

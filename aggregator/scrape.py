"""Reading HTML pages. This module owns selectolax (the Lexbor HTML5 parser with CSS
selectors): it builds the same tree a browser does (``<tbody>`` included), so a
selector a partner copies from the browser's developer tools matches here too.

* :func:`read_page`: what a page says about itself: title, ``<html lang>``, its
  ``<link rel="alternate">`` feeds (for autodiscovery) and its CMS;
* :func:`parse_page`: the items of a news page without a feed, found with the CSS
  selectors of ``[source.html]``, as a :class:`~aggregator.models.ParsedFeed`.

Links are resolved against the page (and its ``<base href>``); an item's identity
is its canonical link, so re-ordering the page makes no duplicates; an item without
a link is identified by its title and date. Dates are read by
:mod:`aggregator.dates`. Selectors that find nothing are an error in plain words,
never an empty success that looks like "no news". HTML fields stay untrusted: they
are sanitised later, like a feed's.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from . import discover, encoding
from .dates import parse_date
from .errors import SelectorError
from .models import FeedLink, HtmlSelectors, PageInfo, ParsedEntry, ParsedFeed

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""",
                           re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_TRACKING = re.compile(r"^(utm_|pk_|mtm_)|^(fbclid|gclid|msclkid|mc_cid|mc_eid)$", re.I)
_DEFAULT_DATE = "time"


@dataclass(frozen=True, slots=True)
class Matches:
    """How many elements each selector matched: for ``aggregator check --html``."""

    items: int
    titles: int
    links: int
    dates: int
    summaries: int
    images: int


def decode(body: bytes, content_type: str | None = None) -> str:
    """A page's text: a UTF-8 byte order mark wins; then UTF-8 when the bytes are,
    whatever the labels say (see :mod:`aggregator.encoding`); then the charset of the
    Content-Type, of ``<meta charset>``, else windows-1252."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace")
    meta = _META_CHARSET.search(body[:4096])
    declared = meta[1].decode("ascii") if meta else None
    label = encoding.charset_of(content_type)
    if encoding.stale_labels(body, label, declared):
        return body.decode("utf-8")
    for name in (label, declared):
        if name:
            try:
                return body.decode(codecs.lookup(name).name, errors="replace")
            except LookupError:
                continue
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("windows-1252", errors="replace")


def _tree(body: bytes, content_type: str | None) -> LexborHTMLParser:
    return LexborHTMLParser(decode(body, content_type))


def _base(tree: LexborHTMLParser, url: str) -> str:
    """The URL relative links resolve against: ``<base href>`` if the page has one."""
    node = tree.css_first("base[href]")
    href = node.attributes.get("href") if node is not None else None
    if not href or not href.strip():
        return url
    try:
        return urljoin(url, href.strip())
    except ValueError:  # not a URL ("http://[bad"): links resolve against the page
        return url


def _lang(node: LexborNode | None) -> str | None:
    value = node.attributes.get("lang") if node is not None else None
    return value.strip() or None if value else None


def read_page(body: bytes, url: str, content_type: str | None = None) -> PageInfo:
    """The page's title, language, CMS and the feeds it links to, in page order."""
    tree = _tree(body, content_type)
    base = _base(tree, url)
    feeds: list[FeedLink] = []
    for node in tree.css("link[href]"):
        attributes = node.attributes
        rels = (attributes.get("rel") or "").lower().split()
        kind = discover.feed_type(attributes.get("type"))
        href = (attributes.get("href") or "").strip()
        if "alternate" not in rels or kind is None or not href:
            continue
        absolute = http_url(href, base)
        if absolute and all(feed.url != absolute for feed in feeds):
            feeds.append(FeedLink(url=absolute, type=kind,
                                  title=_clean(attributes.get("title")) or None,
                                  language=_clean(attributes.get("hreflang")) or None))
    title = tree.css_first("title")
    generator = tree.css_first("meta[name=generator i][content]")
    return PageInfo(
        url=url, title=_text(title) or None, language=_lang(tree.css_first("html")),
        feeds=tuple(feeds),
        generator=_clean(generator.attributes.get("content")) or None if generator else None)


def parse_page(body: bytes, url: str, content_type: str | None, selectors: HtmlSelectors,
               languages: Sequence[str | None], now: datetime) -> ParsedFeed:
    """The items of a news page, found with ``selectors``; raise :class:`SelectorError`
    when a selector is invalid or the page no longer has what it selects."""
    return _scan(body, url, content_type, selectors, languages, now)[0]


def try_selectors(body: bytes, url: str, content_type: str | None, selectors: HtmlSelectors,
                  languages: Sequence[str | None], now: datetime) -> tuple[ParsedFeed, Matches]:
    """Like :func:`parse_page`, and how many elements each selector matched."""
    return _scan(body, url, content_type, selectors, languages, now)


def _scan(body: bytes, url: str, content_type: str | None, selectors: HtmlSelectors,
          languages: Sequence[str | None], now: datetime) -> tuple[ParsedFeed, Matches]:
    tree = _tree(body, content_type)
    base = _base(tree, url)
    page_language = _lang(tree.css_first("html"))
    items = _select(tree, selectors.item, "item")
    if not items:
        raise SelectorError(
            f"selector {selectors.item!r} matched nothing on the page {url}; the page's "
            "layout may have changed: check the item selector in [source.html] "
            "(try it with: aggregator check URL --html item=... title=...)")
    order = (languages[0] if languages else None, page_language, *languages[1:])
    entries: list[ParsedEntry] = []
    unparsed: list[str] = []
    counts = dict.fromkeys(("titles", "links", "dates", "summaries", "images"), 0)
    for node in items:
        entry, found, date_text = _item(node, selectors, base, order, now, url)
        for key, hit in found.items():
            counts[key] += hit
        if date_text and entry is not None and entry.published is None:
            unparsed.append(date_text)
        if entry is not None:
            entries.append(entry)
    if not entries:
        raise SelectorError(
            f"selector {selectors.title!r} (the title) matched nothing inside the "
            f"{len(items)} items that {selectors.item!r} matched on {url}; check the title "
            "selector in [source.html]")
    entries = _unique_ids(entries)
    title = tree.css_first("title")
    return ParsedFeed(
        format="html", title=_text(title) or None, link=url, id=None, updated=None,
        language=page_language, entries=tuple(entries),
        warning=_warning(entries, unparsed, len(items), selectors),
        unparsed_dates=tuple(unparsed),
    ), Matches(items=len(items), **counts)


def selector_problem(selector: str) -> str | None:
    """Why ``selector`` is no CSS selector selectolax can use, or None (checking
    feeds.toml)."""
    try:
        LexborHTMLParser("<p></p>").css(selector)
    except SelectolaxError as error:
        return str(error)
    return None


def _select(node: LexborHTMLParser | LexborNode, selector: str, key: str) -> list[LexborNode]:
    try:
        return list(node.css(selector))
    except SelectolaxError as error:
        raise SelectorError(f"the {key} selector {selector!r} in [source.html] is not valid "
                            f"CSS: {error}", code="bad_selector") from error


def _first(node: LexborNode, selector: str | None, key: str) -> LexborNode | None:
    if not selector:
        return None
    found = _select(node, selector, key)
    return found[0] if found else None


def _item(node: LexborNode, selectors: HtmlSelectors, base: str,
          languages: Sequence[str | None], now: datetime,
          page_url: str) -> tuple[ParsedEntry | None, dict[str, int], str | None]:
    title_node = _first(node, selectors.title, "title")
    title = _text(title_node)
    link = _link(node, title_node, selectors, base)
    date_node = _first(node, selectors.date or _DEFAULT_DATE, "date")
    date_text = _date_text(date_node)
    summary_node = _first(node, selectors.summary, "summary")
    image = _image(_first(node, selectors.image, "image"), base)
    found = {"titles": int(bool(title)), "links": int(bool(link)),
             "dates": int(bool(date_text)), "summaries": int(summary_node is not None),
             "images": int(bool(image))}
    if not title:
        return None, found, date_text
    published = parse_date(date_text, languages, now=now,
                           date_format=selectors.date_format) if date_text else None
    summary = summary_node.inner_html if summary_node is not None else None
    if image:
        summary = f'<p><img src="{escape(image)}" alt=""></p>' + (summary or "")
    identity = canonical_link(link) if link else _title_key(page_url, title, date_text)
    return ParsedEntry(
        id=identity, link=link, title=title, title_is_html=False,
        summary=summary, summary_is_html=True, content=None, content_is_html=False,
        author=None, published=published, updated=None, language=_lang(node), base=base,
    ), found, date_text


def _link(node: LexborNode, title_node: LexborNode | None, selectors: HtmlSelectors,
          base: str) -> str | None:
    """The item's link: the ``link`` selector's element (or the first link inside it);
    by default the link around or inside the title, else the first link in the item."""
    if selectors.link:
        chosen = _first(node, selectors.link, "link")
        return _href(chosen, base) if chosen is not None else None
    if title_node is not None:
        ancestor: LexborNode | None = title_node
        while ancestor is not None and ancestor is not node.parent:
            if ancestor.tag == "a" and ancestor.attributes.get("href"):
                return _href(ancestor, base)
            ancestor = ancestor.parent
        inside = _href(title_node, base)
        if inside:
            return inside
    return _href(node, base)


def _href(node: LexborNode | None, base: str) -> str | None:
    if node is None:
        return None
    if node.tag != "a" or not node.attributes.get("href"):
        node = node.css_first("a[href]")
    href = node.attributes.get("href") if node is not None else None
    return http_url(href, base) if href else None


def _date_text(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    for attribute in ("datetime", "content"):
        value = node.attributes.get(attribute)
        if value and value.strip():
            return value.strip()
    return _text(node) or None


def _image(node: LexborNode | None, base: str) -> str | None:
    if node is None:
        return None
    if node.tag != "img":
        node = node.css_first("img") or node
    attributes = node.attributes
    for name in ("src", "data-src", "data-lazy-src", "data-original"):
        value = attributes.get(name)
        if value and not value.strip().startswith("data:"):
            return http_url(value, base)
    srcset = attributes.get("srcset") or attributes.get("data-srcset")
    if srcset and srcset.strip():
        return http_url(srcset.strip().split(",")[0].split()[0], base)
    return None


def _text(node: LexborNode | None) -> str:
    if node is None:
        return ""
    return _clean(node.text(deep=True, separator=" "))


def _clean(value: str | None) -> str:
    return _SPACES.sub(" ", value or "").strip()


def http_url(href: str, base: str) -> str | None:
    """``href`` resolved against ``base``, when that gives an http(s) URL."""
    try:
        resolved = urljoin(base, href.strip())
        parts = urlsplit(resolved)
    except ValueError:
        return None
    return resolved if parts.scheme in ("http", "https") and parts.hostname else None


def canonical_link(link: str) -> str:
    """The identity of a page item's link: without fragment and tracking parameters,
    host in lower case, so the same article reached two ways is one item."""
    parts = urlsplit(link)
    query = urlencode([(key, value) for key, value in parse_qsl(parts.query, True)
                       if not _TRACKING.search(key)])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query,
                       ""))


def _title_key(page_url: str, title: str, date_text: str | None) -> str:
    """A stable identity for an item without a link: its title and date on this page."""
    digest = hashlib.sha256(f"{title}\x1f{date_text or ''}".encode()).hexdigest()[:24]
    return f"{canonical_link(page_url)}#item-{digest}"


def _unique_ids(entries: list[ParsedEntry]) -> list[ParsedEntry]:
    """Two items with one link (a teaser and its "more" box) keep the first."""
    seen: set[str | None] = set()
    unique = []
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            unique.append(entry)
    return unique


def _warning(entries: Sequence[ParsedEntry], unparsed: Sequence[str], items: int,
             selectors: HtmlSelectors) -> str | None:
    problems = []
    if unparsed:
        problems.append(
            f"{len(unparsed)} of {len(entries)} dates could not be read (e.g. {unparsed[0]!r}); "
            "the first-seen time is used instead"
            + ("" if selectors.date_format else "; set date_format in [source.html]"))
    if len(entries) < items:
        problems.append(f"{items - len(entries)} of {items} items have no title "
                        f"({selectors.title!r}) and were skipped")
    linkless = sum(1 for entry in entries if entry.link is None)
    if linkless:
        problems.append(f"{linkless} items have no link; they are identified by their "
                        "title and date")
    return "; ".join(problems) or None

"""From a parsed feed to clean, typed :class:`~aggregator.models.Entry` values.

Pure: the same input always gives the same entries. Every text field is plain
text, every HTML field sanitised, every link absolute, every date UTC or None
(None: the store uses the time the entry was first seen).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from . import decide
from .language import primary_code
from .models import Entry, ParsedEntry, ParsedFeed, SourceConfig
from .sanitize import clean_html, escape_text, plain_text

#: truncation limits, so one absurd field cannot bloat the database or a feed
MAX_TITLE = 500
MAX_AUTHOR = 200
MAX_CATEGORY = 100
MAX_CATEGORIES = 30
MAX_URL = 2048
MAX_HTML = 256 * 1024
UNTITLED = "(untitled)"


def normalize_feed(parsed: ParsedFeed, source: SourceConfig, url: str,
                   now: datetime) -> list[Entry]:
    """All entries of one fetched document, cleaned, with identity keys."""
    feed_language = primary_code(parsed.language)
    base = absolute_link(parsed.link, url) or url
    drafts = [_draft(raw, source, base, feed_language, now) for raw in parsed.entries]
    keys = decide.identity_keys(
        [(raw.id, entry.link, entry.title, entry.summary_html + entry.content_html)
         for raw, entry in zip(parsed.entries, drafts, strict=True)])
    return [replace(entry, key=key) for entry, key in zip(drafts, keys, strict=True)]


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def clean_feed(parsed: ParsedFeed, url: str) -> ParsedFeed:
    """The feed's own metadata made safe to republish in ``atom:source``: a plain-text
    title, an absolute link, and an id only when it is an absolute IRI."""
    feed_id = parsed.id.strip() if parsed.id else None
    return replace(
        parsed,
        title=plain_text(parsed.title)[:MAX_TITLE] or None if parsed.title else None,
        link=absolute_link(parsed.link, url),
        id=feed_id if feed_id and len(feed_id) <= MAX_URL and _SCHEME.match(feed_id) else None,
    )


def absolute_link(link: str | None, base: str) -> str | None:
    """``link`` resolved against ``base``; None unless it is an http(s) URL."""
    if not link:
        return None
    try:
        resolved = urljoin(base, link.strip())
        parts = urlsplit(resolved)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(resolved) > MAX_URL:
        return None
    return resolved


def _html(value: str | None, is_html: bool, base: str) -> str:
    if not value:
        return ""
    value = value[:MAX_HTML]
    return clean_html(value, base) if is_html else escape_text(value)


def _draft(raw: ParsedEntry, source: SourceConfig, feed_base: str, feed_language: str | None,
           now: datetime) -> Entry:
    base = raw.base or feed_base
    link = absolute_link(raw.link, base)
    summary = _html(raw.summary, raw.summary_is_html, base)
    content = _html(raw.content, raw.content_is_html, base)
    if content == summary:
        content = ""
    title = plain_text(raw.title or "", is_html=raw.title_is_html)[:MAX_TITLE]
    if not title:
        text = plain_text(summary or content)
        title = (text[:100].rstrip() + "…" if len(text) > 100 else text) or UNTITLED
    author = plain_text(raw.author)[:MAX_AUTHOR] or None if raw.author else None
    categories = tuple(dict.fromkeys(
        text for category in raw.categories[:MAX_CATEGORIES]
        if (text := plain_text(category)[:MAX_CATEGORY])))
    language, origin = _language(raw, feed_language, source)
    published = decide.trusted_date(raw.published, now)
    updated = decide.trusted_date(raw.updated, now) or published
    return Entry(
        source_id=source.id,
        key="",
        guid=raw.id[:MAX_URL] if raw.id else None,
        link=link,
        title=title,
        summary_html=summary,
        content_html=content,
        author=author,
        published=published or updated,
        updated=updated,
        language=language,
        language_origin=origin,
        categories=categories,
        content_hash=decide.content_hash(title, link, summary, content, author, categories),
    )


def _language(raw: ParsedEntry, feed_language: str | None,
              source: SourceConfig) -> tuple[str | None, str]:
    declared = primary_code(raw.language)
    if declared and declared != feed_language:
        return declared, "entry"
    if feed_language:
        return feed_language, "feed"
    if source.language:
        return source.language, "source"
    return None, "unknown"



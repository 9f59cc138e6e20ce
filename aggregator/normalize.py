"""From a parsed feed to clean, typed :class:`~aggregator.models.Entry` values.

Pure: the same input always gives the same entries. Every text field is plain
text, every HTML field sanitised, every link absolute, every date UTC or None
(None: the store uses the time the entry was first seen).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from . import decide
from .identify import identify
from .l10n import format_span
from .language import primary_code
from .models import Entry, Event, ParsedEntry, ParsedFeed, SourceConfig
from .sanitize import clean_html, escape_text, plain_text, text_of
from .urls import canonical_url, query_value, without_query

#: truncation limits, so one absurd field cannot bloat the database or a feed
MAX_TITLE = 500
MAX_AUTHOR = 200
MAX_CATEGORY = 100
MAX_CATEGORIES = 30
MAX_URL = 2048
MAX_HTML = 256 * 1024
UNTITLED = "(untitled)"


def normalize_feed(parsed: ParsedFeed, source: SourceConfig, url: str,
                   now: datetime, languages: Sequence[str] = ()) -> list[Entry]:
    """All entries of one fetched document, cleaned, with identity keys.
    ``languages``: the portal's, the candidates for language identification."""
    feed_language = primary_code(parsed.language)
    base = absolute_link(parsed.link, url) or url
    drafts = [_draft(raw, source, base, feed_language, now, tuple(languages))
              for raw in parsed.entries]
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
           now: datetime, languages: tuple[str, ...]) -> Entry:
    base = raw.base or feed_base
    link = absolute_link(raw.link, base)
    summary = _html(raw.summary, raw.summary_is_html, base)
    content = _html(raw.content, raw.content_is_html, base)
    if content == summary:
        content = ""
    title = plain_text(raw.title or "", is_html=raw.title_is_html)[:MAX_TITLE]
    if not title:
        # the text may spell out markup ("&lt;script&gt;"): a title never carries any
        text = plain_text(text_of(summary or content)[:400])
        title = (text[:100].rstrip() + "…" if len(text) > 100 else text) or UNTITLED
    author = plain_text(raw.author)[:MAX_AUTHOR] or None if raw.author else None
    categories = tuple(dict.fromkeys(
        text for category in raw.categories[:MAX_CATEGORIES]
        if (text := plain_text(category)[:MAX_CATEGORY])))
    language, origin, confidence = _language(
        raw, feed_language, source, f"{title}\n{text_of(summary or content)}", languages,
        link)
    if raw.event is not None:  # when and where first, in the reader's language
        line = event_line(raw.event, language)
        summary, content = line + summary, line + content if content else ""
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
        language_confidence=confidence,
        categories=categories,
        translation_key=translation_key(
            link, [url for _, href in raw.alternates if (url := absolute_link(href, base))],
            source),
        content_hash=decide.content_hash(title, link, summary, content, author, categories),
        event=raw.event,
    )


def link_language(link: str | None, source: SourceConfig) -> str | None:
    """The language a link names in the source's ``language_param`` (``?lang=en``,
    ``?clang=2`` with ``language_values``), if any."""
    if not link or not source.language_param:
        return None
    value = query_value(link, source.language_param)
    if value is None:
        return None
    return dict(source.language_values).get(value) or primary_code(value)


def translation_key(link: str | None, alternates: Sequence[str],
                    source: SourceConfig) -> str | None:
    """The same for every language version of one article of a partner: its link
    without the language parameter, or the first of the links its versions share."""
    if link and source.language_param and query_value(link, source.language_param):
        return canonical_url(without_query(link, [source.language_param]))
    if link and alternates:
        return min(canonical_url(url) for url in (link, *alternates))
    return None


def event_line(event: Event, language: str | None) -> str:
    """``<p class="event">Do., 12. März 2026, 18:00–20:00 Uhr · Faust, Halle</p>``: when
    (in Hannover's time) and where an event happens, for every reader to see."""
    when = escape_text(format_span(event.start, event.end, event.all_day, language))
    where = f" · {escape_text(event.location)}" if event.location else ""
    return (f'<p class="event"><time datetime="{event.start.isoformat()}">{when}</time>'
            f"{where}</p>")


#: how sure identification must be to overrule a declared language, and how much
#: text it needs for that (a title alone is not enough)
OVERRULE_CONFIDENCE = 0.95
OVERRULE_LETTERS = 60


def _language(raw: ParsedEntry, feed_language: str | None, source: SourceConfig, text: str,
              languages: tuple[str, ...], link: str | None
              ) -> tuple[str | None, str, float | None]:
    """The entry's language and where it came from, in order of trust: the entry's own
    declaration, the feed's, identification from the title and summary, the source's
    configured language. A declaration that the text clearly contradicts (a German
    site labelling its Persian article ``de``) is corrected."""
    declared = link_language(link, source) or primary_code(raw.language)
    origin = "entry" if declared and declared != feed_language else "feed"
    declared = declared or feed_language
    if declared:
        # too little text to overrule: identification could not change the answer
        if sum(map(str.isalpha, text)) < OVERRULE_LETTERS:
            return declared, origin, None
        found = identify(text, languages or None)
        if (found is not None and found.language != declared
                and found.confidence >= OVERRULE_CONFIDENCE):
            return found.language, "corrected", found.confidence
        return declared, origin, None
    found = identify(text, languages or None)
    if found is not None:
        return found.language, "detected", found.confidence
    if source.language:
        return source.language, "source", None
    return None, "unknown", None



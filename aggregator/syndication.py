"""Atom 1.0 and RSS 2.0 documents. This module owns feedgen (namespaces, escaping,
RFC 3339 / RFC 822 dates done right).

feedgen lacks a few things we need; they are added through its extension
mechanism (:class:`_FeedExtras`, :class:`_EntryExtras`): per-entry ``xml:lang``,
a complete ``atom:source``, the RFC 5005 ``fh:archive`` marker, RSS
``<source url>`` and ``dc:language``.

Rendering is deterministic: the same :class:`~aggregator.models.Document` always
gives the same bytes (no "now" anywhere), so unchanged feeds are not rewritten.
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from . import __version__
from .models import Document, Story

ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"
DC_NS = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATOR_URI = "https://github.com/welt-in-hannover/aggregator"


def render_atom(document: Document) -> bytes:
    generator = _generator(document, ".atom")
    generator.link(href=document.self_url + ".atom", rel="self", type="application/atom+xml")
    generator.link(href=document.home_url, rel="alternate", type="text/html")
    for rel, href in document.links:
        generator.link(href=href, rel=rel)
    for story in document.stories:
        item = generator.add_entry(order="append")
        _common(item, story)  # entry links are added by _EntryExtras (see there)
        if story.summary_html:
            item.summary(story.summary_html, type="html")
        item.content(story.content_html, type="html")
        item.extras.story = story
    return bytes(generator.atom_str(pretty=True))


def render_rss(document: Document) -> bytes:
    generator = _generator(document, ".rss")
    # RSS takes the channel <link> from the last link given: the web page
    generator.link(href=document.self_url + ".rss", rel="self", type="application/rss+xml")
    generator.link(href=document.home_url, rel="alternate", type="text/html")
    generator.description(document.subtitle or document.title)
    generator.lastBuildDate(document.updated)
    generator.docs("https://www.rssboard.org/rss-specification")
    for story in document.stories:
        item = generator.add_entry(order="append")
        _common(item, story)
        item.guid(story.uid, permalink=False)
        if story.link:
            item.link(href=story.link)
        item.description(story.summary_html or story.content_html)
        item.content(story.content_html, type="CDATA")
        item.source(url=story.source.feed_url, title=story.source.name)
        item.extras.story = story
    return bytes(generator.rss_str(pretty=True))


def _generator(document: Document, suffix: str) -> FeedGenerator:
    generator = FeedGenerator()
    generator.register_extension("extras", _FeedExtras, _EntryExtras)
    generator.extras.archive = document.archive
    generator.id(document.self_url + suffix)
    generator.title(document.title)
    if document.subtitle:
        generator.subtitle(document.subtitle)
    generator.author({"name": document.title, "uri": document.home_url})
    generator.generator("aggregator", version=__version__, uri=GENERATOR_URI)
    generator.updated(document.updated)
    if document.language:
        generator.language(document.language)
    return generator


def _common(item: Any, story: Story) -> None:
    item.id(story.uid)
    item.title(story.title)
    item.updated(story.updated)
    item.published(story.published)
    item.author({"name": story.author})
    for category in story.categories:
        item.category(term=category)
    if story.rights:
        item.rights(story.rights)


class _FeedExtras(BaseExtension):  # type: ignore[misc]
    """The RFC 5005 archive marker on archive documents."""

    def __init__(self) -> None:
        self.archive = False

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY_NS} if self.archive else {}

    def extend_atom(self, feed: Any) -> Any:
        if self.archive:
            feed.append(feed.makeelement(f"{{{HISTORY_NS}}}archive", {}))
        return feed

    def extend_rss(self, feed: Any) -> Any:
        return feed


class _EntryExtras(BaseEntryExtension):  # type: ignore[misc]
    """Per-entry ``xml:lang`` and ``atom:source`` (Atom); ``dc:language`` (RSS)."""

    def __init__(self) -> None:
        self.story: Story | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"dc": DC_NS}

    def extend_atom(self, entry: Any) -> Any:
        story = self.story
        if story is None:
            return entry
        if story.language:
            entry.set(XML_LANG, story.language)
        # feedgen 1.0 drops rel, type, hreflang and title of entry links: add them here
        links = [{"rel": "alternate", "type": "text/html", "href": story.link,
                  **({"hreflang": story.language} if story.language else {})}] \
            if story.link else []
        # the same article in other languages: alternates told apart by hreflang
        links += [{"rel": "alternate", "type": "text/html", "href": version.link,
                   "hreflang": version.language, "title": version.name}
                  for version in story.translations
                  if version.link and version.language and version.language != story.language]
        links += [{"rel": "related", "href": copy.link, "title": copy.name,
                   **({"hreflang": copy.language} if copy.language else {})}
                  for copy in story.copies if copy.link]
        for attributes in links:
            entry.append(entry.makeelement(f"{{{ATOM_NS}}}link", attributes))
        source = entry.makeelement(f"{{{ATOM_NS}}}source", {})
        if story.language:
            source.set(XML_LANG, story.language)
        attribution = story.source
        for name, text in (("id", attribution.feed_id), ("title", attribution.feed_title)):
            child = source.makeelement(f"{{{ATOM_NS}}}{name}", {})
            child.text = text
            source.append(child)
        source.append(source.makeelement(f"{{{ATOM_NS}}}link", {
            "rel": "alternate", "href": attribution.feed_link}))
        source.append(source.makeelement(f"{{{ATOM_NS}}}link", {
            "rel": "self", "href": attribution.feed_url}))
        updated = source.makeelement(f"{{{ATOM_NS}}}updated", {})
        updated.text = (attribution.feed_updated or story.updated).isoformat()
        source.append(updated)
        entry.append(source)
        return entry

    def extend_rss(self, item: Any) -> Any:
        if self.story is not None and self.story.language:
            language = item.makeelement(f"{{{DC_NS}}}language", {})
            language.text = self.story.language
            item.append(language)
        return item

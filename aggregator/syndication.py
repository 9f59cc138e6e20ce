"""Atom 1.0 and RSS 2.0 documents. This module owns feedgen (namespaces, escaping,
RFC 3339 / RFC 822 dates done right).

feedgen lacks a few things we need; they are added through its extension
mechanism (:class:`_FeedExtras`, :class:`_EntryExtras`): per-entry ``xml:lang``,
a complete ``atom:source``, the RFC 5005 ``fh:archive`` marker, RSS
``<source url>`` and ``dc:language``.

Rendering is deterministic: the same :class:`~aggregator.models.Document` always
gives the same bytes (no "now" anywhere), so unchanged feeds are not rewritten.

A story shows in many documents of one publish (the combined feed, its language's,
its tags', their archive pages): given a :data:`Fragments` cache, its entry is built
by feedgen once per format and its serialised bytes are reused. A document is its
head (feedgen's, without entries) with the entries' bytes spliced in: entries sit at
the same depth, under the same namespace declarations, in every document of a
format, so the bytes are those a whole-document serialisation gives.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree  # type: ignore[import-untyped]

from . import __version__
from .models import Document, Story

ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"
DC_NS = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATOR_URI = "https://github.com/welt-in-hannover/aggregator"


#: serialised entries of one publish, by format and story (the story object: its
#: ``id()``, the story kept with its bytes so that the id stays its own)
Fragments = MutableMapping[tuple[str, int], tuple[Story, bytes]]


def render_atom(document: Document, fragments: Fragments | None = None) -> bytes:
    generator = _generator(document, ".atom")
    generator.link(href=document.self_url + ".atom", rel="self", type="application/atom+xml")
    generator.link(href=document.home_url, rel="alternate", type="text/html")
    for rel, href in document.links:
        generator.link(href=href, rel=rel)
    head, _ = generator._create_atom()
    return _spliced(head, head, b"</feed>\n", "atom", document, fragments,
                    lambda entry: entry.atom_entry())


def _atom_entry(story: Story) -> FeedEntry:
    item = FeedEntry()
    item.register_extension("extras", _EntryExtras)
    _common(item, story)  # entry links are added by _EntryExtras (see there)
    if story.summary_html:
        item.summary(story.summary_html, type="html")
    item.content(story.content_html, type="html")
    item.extras.story = story
    return item


def _rss_entry(story: Story) -> FeedEntry:
    item = FeedEntry()
    item.register_extension("extras", _EntryExtras)
    _common(item, story)
    item.guid(story.uid, permalink=False)
    if story.link:
        item.link(href=story.link)
    item.description(story.summary_html or story.content_html)
    item.content(story.content_html, type="CDATA")
    item.source(url=story.source.feed_url, title=story.source.name)
    item.extras.story = story
    return item


def _spliced(root: Any, parent: Any, tail: bytes, kind: str, document: Document,
             fragments: Fragments | None, build: Callable[[FeedEntry], Any]) -> bytes:
    """The document whose head is ``root`` (entries go into ``parent``, the root or
    RSS's channel; ``tail`` closes it) with its stories' entries."""
    head = etree.tostring(root.getroottree(), pretty_print=True, encoding="UTF-8",
                          xml_declaration=True)
    if not document.stories:
        return bytes(head)
    if not head.endswith(tail):
        raise ValueError("unexpected feed head")
    cache: Fragments = {} if fragments is None else fragments
    made = _atom_entry if kind == "atom" else _rss_entry
    parts = [head[:-len(tail)]]
    for story in document.stories:
        key = (kind, id(story))
        known = cache.get(key)
        if known is None or known[0] is not story:
            known = cache[key] = (story, _fragment(root, parent, tail, build(made(story))))
        parts.append(known[1])
    parts.append(tail)
    return b"".join(parts)


def _fragment(root: Any, parent: Any, tail: bytes, element: Any) -> bytes:
    """One entry's bytes as a whole-document serialisation gives them: serialised in
    an empty copy of the document's root (same namespaces and attributes, same depth)."""
    holder = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
    inner = holder if parent is root else etree.SubElement(holder, parent.tag)
    inner.append(element)
    text = etree.tostring(holder, pretty_print=True, encoding="UTF-8")
    start = 0
    for _ in range(1 if parent is root else 2):  # past the root's (and channel's) start tag
        start = text.index(b"\n", start) + 1
    return bytes(text[start:len(text) - len(tail)])


def render_rss(document: Document, fragments: Fragments | None = None) -> bytes:
    generator = _generator(document, ".rss")
    # RSS takes the channel <link> from the last link given: the web page
    generator.link(href=document.self_url + ".rss", rel="self", type="application/rss+xml")
    generator.link(href=document.home_url, rel="alternate", type="text/html")
    generator.description(document.subtitle or document.title)
    generator.lastBuildDate(document.updated)
    generator.docs("https://www.rssboard.org/rss-specification")
    root, _ = generator._create_rss()
    return _spliced(root, root[0], b"  </channel>\n</rss>\n", "rss", document, fragments,
                    lambda entry: entry.rss_entry())


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

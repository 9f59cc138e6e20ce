"""The fast path of parsing: well-formed RSS 2.0 and Atom 1.0 in UTF-8, read with lxml.

feedparser reads every document with a SAX handler written in Python, about 0.6 ms an
entry; most partners send well-formed UTF-8 RSS 2.0 or Atom 1.0, which lxml reads in a
few microseconds an entry. :func:`read` builds from such a document what feedparser
would build (the same keys with the same values, for the keys :mod:`aggregator.parse`
reads), by following feedparser's own handlers for the elements it understands and
using feedparser's own date parser, URI joining and HTML guess, so the two paths
cannot drift apart on those.

It answers ``None``, and feedparser reads the document, whenever it is not sure:
anything lxml does not parse cleanly, a DOCTYPE, another encoding or version, an
``xml:base`` below a root that has none, XHTML or out-of-line content, an element
feedparser gives a meaning this module does not follow (iTunes, Media RSS titles,
GeoRSS...), or a single-valued element given twice. ``tests/test_fastparse.py``
compares both paths, field by field, on the project's fixtures, on documents written
to hit feedparser's quirks and on every file of the real-world corpus in
``../shared/corpus``; the output digest of ``bench/normalize.py`` does the same on the
benchmark corpus.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable
from typing import Any

import feedparser
from feedparser.datetimes import _parse_date
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin, make_safe_absolute_uri
from lxml import etree  # type: ignore[import-untyped]

Record = dict[str, Any]

_ATOM = "http://www.w3.org/2005/Atom"
_XML = "{http://www.w3.org/XML/1998/namespace}"
_PREFIXES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_HTML_TYPES = frozenset(_FeedParserMixin.html_types)
_looks_like_html: Callable[[str], bool] = _FeedParserMixin.looks_like_html
_map_type: Callable[[str], str] = _FeedParserMixin.map_content_type

#: element names (as feedparser spells them: ``prefix_local``) that feedparser handles
#: specially; any of them that this module neither reads nor knows to be harmless sends
#: the document to feedparser
_MEANINGFUL = frozenset(
    name.split("_", 2)[2] for name in dir(feedparser.api.StrictFeedParser)
    if name.startswith(("_start_", "_end_")))

_TYPES = frozenset({"text/plain", "text/html"})
_XML_MEDIA = frozenset({"", "application/rss+xml", "application/atom+xml", "application/xml",
                        "application/rdf+xml", "text/xml"})
_QUERY_REFERENCE = re.compile("&([A-Za-z0-9_]+);")
_C1 = re.compile("[\x80-\x9f]")
_BASE_ATTRIBUTE = re.compile(rb"[bB][aA][sS][eE]\s*=")

_PUBLISHED = frozenset({"pubdate", "published", "issued", "dcterms_issued"})
_UPDATED = frozenset({"updated", "modified", "lastbuilddate", "dc_date", "dcterms_modified"})
_AUTHORS = frozenset({"author", "dc_creator", "dc_author", "managingeditor"})
#: elements read at most once per entry or feed (by what they set): given twice, what
#: feedparser answers depends on their order and on what the first left behind (a
#: second author takes the first one's e-mail address), which is not followed here
_ONCE = {"title": "title", "dc_title": "title", "description": "description",
         "dc_description": "description", "summary": "summary", "content": "content",
         "content_encoded": "content", "guid": "id", "id": "id",
         **{name: "author" for name in _AUTHORS}}
#: elements feedparser handles whose values nothing downstream reads
_HARMLESS = frozenset({"enclosure", "source", "media_thumbnail", "media_content",
                       "contributor", "rights", "copyright", "generator", "cloud", "image",
                       "textinput", "webmaster", "expirationdate",
                       "created", "dcterms_created", "dcterms_valid", "cc_license",
                       "creativecommons_license", "feedburner_browserfriendly", "info",
                       "dc_publisher", "dc_rights", "dc_contributor"})
#: what the harmless containers may hold: these land in the channel's image or text
#: input, or the contributors list (any other child ends that state in feedparser)
_HARMLESS_CHILDREN = {
    "image": frozenset({"title", "link", "url", "width", "height", "description"}),
    "textinput": frozenset({"title", "link", "description", "name"}),
    "contributor": frozenset({"name", "email", "uri", "url", "homepage"}),
}
#: keys read downstream that an element feedparser does not know would overwrite
_READ_KEYS = frozenset({"links", "title_detail", "summary_detail", "subtitle_detail",
                        "published_parsed", "updated_parsed"})


class _Unsure(Exception):
    """This document is feedparser's to read."""


def read(body: bytes, content_type: str | None, *, max_tags: int) -> Record | None:
    """What ``feedparser.parse`` would answer for ``body`` (its ``version``, ``feed``
    and ``entries``), or None when the document is not one this path reads.
    ``max_tags``: categories kept per entry (see :data:`aggregator.parse.MAX_TAGS`)."""
    if not _accepted(body, content_type):
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None
    info = root.getroottree().docinfo
    if parser.error_log or (info.encoding or "utf-8").lower() not in ("utf-8", "utf8"):
        return None
    try:
        return _document(root, max_tags, check_bases=_BASE_ATTRIBUTE.search(body) is not None)
    except _Unsure:
        return None


def _accepted(body: bytes, content_type: str | None) -> bool:
    media, _, parameters = (content_type or "").lower().partition(";")
    charset = parameters.partition("charset=")[2].strip().strip("\"'")
    if media.strip() not in _XML_MEDIA or charset not in ("", "utf-8", "utf8"):
        return False
    if media.startswith("text/") and not charset:
        return False  # RFC 3023 says US-ASCII; feedparser goes by that
    return b"<!DOCTYPE" not in body  # entities declared there are feedparser's business


def _document(root: Any, max_tags: int, *, check_bases: bool) -> Record:
    attrs = _attributes(root)
    base = _base("", attrs)
    if check_bases and not base and any(
            key == f"{_XML}base" or key.lower() == "base"
            for element in root.iterdescendants() for key in element.attrib):
        # below a root without a base, feedparser keeps an element's base for the
        # elements after it too (its stack restores only a non-empty base)
        raise _Unsure
    is_atom = root.tag == f"{{{_ATOM}}}feed"
    reader = _Reader(max_tags, atom=is_atom)
    lang = _lang(attrs, None)
    if lang:
        reader.feed["language"] = lang.replace("_", "-")
    if root.tag == "rss" and attrs.get("version", "").startswith("2."):
        channels = list(root)
        if len(channels) != 1 or channels[0].tag != "channel":
            raise _Unsure
        channel = channels[0]
        channel_attrs = _container_attributes(channel)
        reader.container(channel, reader.feed, _lang(channel_attrs, lang),
                         _base(base, channel_attrs), entry_tag="item")
        version = "rss20"
    elif is_atom:
        reader.container(root, reader.feed, lang, base, entry_tag=f"{{{_ATOM}}}entry")
        version = "atom10"
    else:
        raise _Unsure
    return {"version": version, "feed": reader.feed, "entries": reader.entries, "bozo": 0}


@functools.lru_cache(maxsize=256)
def _joined_base(parent: str, given: str) -> str:
    if not parent:  # feedparser starts from no base
        return str(_urljoin(parent, given))
    return str(make_safe_absolute_uri(parent, given) or parent)


def _base(parent: str, attrs: dict[str, str]) -> str:
    """An element's base URI as feedparser tracks it: its ``xml:base`` (or ``base``)
    against its parent's, made safe (no ``javascript:``); without one, its parent's."""
    return _joined_base(parent, attrs.get("xml:base", attrs.get("base")) or parent)


def _name(element: Any) -> str:
    """The element's name as feedparser's handlers know it (``dc_creator``, ``title``)."""
    tag = element.tag
    if not isinstance(tag, str):
        raise _Unsure
    if tag[0] != "{":
        return tag.lower()
    uri, local = tag[1:].split("}", 1)
    prefix = _PREFIXES.get(uri.lower())
    if prefix is None:
        prefix = element.prefix or ""
    return f"{prefix.lower()}_{local.lower()}" if prefix else local.lower()


def _attributes(element: Any) -> dict[str, str]:
    """Attributes as feedparser sees them: lower-case names (and ``rel`` and ``type``
    values), ``xml:`` kept; any other namespaced attribute could shadow a plain one
    there, so such a document is not ours to read."""
    attrs: dict[str, str] = {}
    for key, value in element.attrib.items():
        if key.startswith(_XML):
            key = "xml:" + key[len(_XML):]
        elif key.startswith("{"):
            raise _Unsure
        key = key.lower()
        attrs[key] = value.lower() if key in ("rel", "type") else value
    return attrs


def _container_attributes(element: Any) -> dict[str, str]:
    """A channel's or item's attributes; feedparser reads a CDF date or link in them."""
    attrs = _attributes(element)
    if "lastmod" in attrs or "href" in attrs:
        raise _Unsure
    return attrs


def _lang(attrs: dict[str, str], inherited: str | None) -> str | None:
    lang = attrs.get("xml:lang", attrs.get("lang"))
    if lang == "":
        return None
    return inherited if lang is None else lang


def _leaf_text(element: Any) -> str:
    if len(element):
        raise _Unsure
    return element.text or ""


def _inert(element: Any) -> None:
    """Raise unless nothing under ``element`` is an element feedparser gives meaning."""
    if any(_name(child) in _MEANINGFUL for child in element.iterdescendants()):
        raise _Unsure


class _Reader:
    """Follows feedparser's handlers over one document (see feedparser's mixin.py and
    namespaces/_base.py: ``_start_link``, ``_end_guid``, ``pop`` and so on)."""

    def __init__(self, max_tags: int, *, atom: bool) -> None:
        self.base = ""  # the base URI of the element being read
        self.max_tags = max_tags
        self.atom = atom
        self.feed: Record = {}
        self.entries: list[Record] = []

    # -- containers -----------------------------------------------------------------

    def container(self, element: Any, record: Record, lang: str | None, base: str, *,
                  entry_tag: str | None = None) -> None:
        in_entry = entry_tag is None
        seen: set[str] = set()
        state = {"has_content": False}
        for child in element:
            if child.tag == entry_tag:
                entry: Record = {}
                self.entries.append(entry)
                attrs = _container_attributes(child)
                self.container(child, entry, _lang(attrs, lang), _base(base, attrs))
                continue
            name = _name(child)
            once = _ONCE.get(name)
            if once is not None:
                if once in seen:
                    raise _Unsure
                seen.add(once)
            attrs = _attributes(child)
            self.base = _base(base, attrs)
            self.element(name, child, attrs, record, _lang(attrs, lang), in_entry, state)

    def element(self, name: str, element: Any, attrs: dict[str, str], record: Record,
                lang: str | None, in_entry: bool, state: dict[str, bool]) -> None:
        if name in ("title", "dc_title"):
            self.text_content(element, attrs, record, "title", "text/plain", lang)
        elif name == "link":
            self.link(element, attrs, record, in_entry)
        elif name in ("guid", "id"):
            self.guid(element, attrs, record)
        elif name in ("description", "dc_description", "summary"):
            if not in_entry and name == "summary":
                raise _Unsure
            if "summary" in record and not state["has_content"]:
                self.content(element, attrs, record, lang, "text/plain", state)
            elif name == "summary":
                self.text_content(element, attrs, record, "summary", "text/plain", lang)
            else:
                self.text_content(element, attrs, record, "summary" if in_entry else "subtitle",
                                  "text/html", lang)
        elif name in ("content_encoded", "content"):
            if not in_entry:
                raise _Unsure
            self.content(element, attrs, record, lang,
                         "text/html" if name == "content_encoded" else "text/plain", state)
        elif name in ("subtitle", "tagline"):
            if in_entry:
                _inert(element)
            else:
                self.text_content(element, attrs, record, "subtitle", "text/plain", lang)
        elif name in _PUBLISHED:
            value = self.pop(_leaf_text(element))
            record["published"] = value
            record["published_parsed"] = _parse_date(value)
        elif name in _UPDATED:
            value = self.pop(_leaf_text(element))
            record["updated"] = value
            record["updated_parsed"] = _parse_date(value)
        elif name in _AUTHORS:
            self.author(element, record)
        elif name in ("category", "dc_subject"):
            self.category(element, attrs, record)
        elif name in ("language", "dc_language"):
            record["language"] = self.pop(_leaf_text(element))
        elif name in _HARMLESS:
            if name in _HARMLESS_CHILDREN:
                if in_entry and name != "contributor":
                    raise _Unsure  # an entry's image title is the entry's title there
                for child in element:
                    if _name(child) not in _HARMLESS_CHILDREN[name] or len(child):
                        raise _Unsure
            elif name == "source" or name.startswith("media_"):
                _leaf_text(element)
            else:
                _inert(element)
        elif name in _MEANINGFUL:
            raise _Unsure
        else:
            # An element feedparser does not know is kept under its own name; its
            # children would still meet feedparser's handlers.
            if name in _READ_KEYS:
                raise _Unsure
            if name == "ttl":
                record["ttl"] = self.pop(_leaf_text(element))
            _inert(element)

    # -- the handlers ---------------------------------------------------------------

    def pop(self, text: str, *, resolve: bool = False) -> str:
        """feedparser's ``pop`` for a text element: strip, resolve a URI (``link``,
        ``id``), undo UTF-8 read as Latin-1, map C1 controls to Windows-1252's
        characters. (Its HTML guess is :meth:`typed`'s.)"""
        output = text.strip()
        if resolve and output:
            output = _urljoin(self.base, output)
        if not output.isascii():
            with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                output = output.encode("iso-8859-1").decode("utf-8")
            if _C1.search(output):  # rare, and translate is slow on long text
                output = output.translate(feedparser.mixin._cp1252)
        return output

    def detail(self, attrs: dict[str, str], default: str, lang: str | None) -> Record:
        kind = _map_type(attrs.get("type", default))
        if kind not in _TYPES or attrs.get("mode") == "base64" or "src" in attrs:
            raise _Unsure
        return {"type": kind, "language": lang.replace("_", "-") if lang else lang,
                "base": self.base}

    def typed(self, element: Any, detail: Record) -> str:
        raw = _leaf_text(element).strip()
        if not self.atom and detail["type"] == "text/plain" and _looks_like_html(raw):
            detail["type"] = "text/html"
        value = self.pop(raw)
        detail["value"] = value
        return value

    def text_content(self, element: Any, attrs: dict[str, str], record: Record, key: str,
                     default: str, lang: str | None) -> None:
        detail = self.detail(attrs, default, lang)
        record[key] = self.typed(element, detail)
        record[f"{key}_detail"] = detail

    def content(self, element: Any, attrs: dict[str, str], record: Record,
                lang: str | None, default: str, state: dict[str, bool]) -> None:
        state["has_content"] = True
        detail = self.detail(attrs, default, lang)
        value = self.typed(element, detail)
        record.setdefault("content", []).append(detail)
        record.setdefault("summary", value)  # text or HTML content (all that gets here)

    def link(self, element: Any, attrs: dict[str, str], record: Record, in_entry: bool) -> None:
        link: Record = dict(attrs)
        link.setdefault("rel", "alternate")
        link.setdefault("type", "application/atom+xml" if link["rel"] == "self" else "text/html")
        href = link.get("url", link.get("uri", link.get("href")))
        if href:
            link.pop("url", None)
            link.pop("uri", None)
            link["href"] = href
        links = record.setdefault("links", [])
        links.append(link)
        if "href" in link:
            _inert(element)
            link["href"] = _urljoin(self.base, link["href"])
            if link["rel"] == "alternate" and _map_type(link["type"]) in _HTML_TYPES:
                record["link"] = link["href"]
            return
        output = self.pop(_leaf_text(element), resolve=True)
        if in_entry:
            output = _QUERY_REFERENCE.sub(r"&\g<1>", output.replace("&amp;", "&"))
            record["link"] = output
            if output:
                links[-1]["href"] = output
        else:
            output = _QUERY_REFERENCE.sub(r"&\g<1>", output)
            record["link"] = output
            links[-1]["href"] = output

    def guid(self, element: Any, attrs: dict[str, str], record: Record) -> None:
        is_link = attrs.get("ispermalink", "true") == "true"
        value = self.pop(_leaf_text(element), resolve=is_link)
        record["id"] = value
        if is_link:
            record.setdefault("link", value)

    def author(self, element: Any, record: Record) -> None:
        """RSS: the element's text. Atom: the person's "name (email)", or what they
        have of the two, else the element's own text (one author element only)."""
        person: dict[str, str] = {}
        own = [element.text or ""]
        for child in element:
            own.append(child.tail or "")
            part, text = _name(child), _leaf_text(child)
            if part in ("name", "email"):
                person[part] = text.strip()  # feedparser keeps these as they are
            elif part not in ("uri", "url", "homepage"):
                raise _Unsure
        record["author"] = self.pop("".join(own))
        name, email = person.get("name"), person.get("email")
        if name or email:
            record["author"] = f"{name} ({email})" if name and email else name or email

    def category(self, element: Any, attrs: dict[str, str], record: Record) -> None:
        tags: list[Record] = record.setdefault("tags", [])
        _add_tag(tags, attrs.get("term"), attrs.get("scheme", attrs.get("domain")),
                 attrs.get("label"), self.max_tags)
        value = self.pop(_leaf_text(element))
        if not value:
            return
        if tags and not tags[-1]["term"]:
            tags[-1]["term"] = value
        else:
            _add_tag(tags, value, None, None, self.max_tags)


def _add_tag(tags: list[Record], term: str | None, scheme: str | None, label: str | None,
             cap: int) -> None:
    """feedparser's ``_add_tag``, with :mod:`aggregator.parse`'s cap on categories."""
    if len(tags) >= cap or not (term or scheme or label):
        return
    tag = {"term": term, "scheme": scheme, "label": label}
    if tag not in tags:
        tags.append(tag)



"""OPML 2.0 subscription lists: writing ours (the standard library's ElementTree is
enough for a flat outline) and reading others' with listparser, which copes with
the OPML dialects real readers export.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

import listparser

from .models import SourceConfig, SourceKind


@dataclass(frozen=True, slots=True)
class ListedFeed:
    """One feed of an imported subscription list."""

    url: str
    title: str
    tags: tuple[str, ...]


def render_opml(title: str, base_url: str, sources: Iterable[SourceConfig]) -> bytes:
    """Every source as an ``outline``, grouped by tag (untagged ones under "other")."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = f"{title}: sources"
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    groups: dict[str, list[SourceConfig]] = {}
    for source in sources:
        for tag in source.tags or ("other",):
            groups.setdefault(tag, []).append(source)
    for tag in sorted(groups):
        group = ET.SubElement(body, "outline", text=tag, title=tag)
        for source in groups[tag]:
            # a scraped page or a calendar has no feed of its own: offer ours
            feed = (source.url if source.kind is SourceKind.FEED
                    else f"{base_url}source/{source.id}.atom")
            attributes = {"type": "rss", "text": source.name, "title": source.name,
                          "xmlUrl": feed, "htmlUrl": source.homepage or source.url,
                          "aggregatorFeed": f"{base_url}source/{source.id}.atom"}
            if source.language:
                attributes["language"] = source.language
            if source.tags:
                attributes["category"] = ",".join(f"/{tag}" for tag in source.tags)
            ET.SubElement(group, "outline", attributes)
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"


def read_opml(data: bytes) -> list[ListedFeed]:
    """The feeds of an OPML subscription list (listparser tolerates broken ones)."""
    result = listparser.parse(_as_utf8(data))
    feeds = []
    for feed in result.feeds:
        url = str(feed.get("url") or "").strip()
        if url:
            tags = tuple(dict.fromkeys(slug(tag) for tag in feed.get("tags", ()) if slug(tag)))
            feeds.append(ListedFeed(url=url, title=str(feed.get("title") or url), tags=tags))
    return feeds


def _as_utf8(data: bytes) -> bytes:
    """The document in UTF-8, declared so. listparser reads with lxml's HTML parser,
    which does not follow an XML declaration: a document without one became Latin-1
    ("کارگاه" -> "Ú©Ø§Ø±..."), one in ISO-8859-1 or windows-1256 lost its letters.
    The encoding is read as XML says (4.3.3, appendix F): a byte order mark, else
    the declaration's, else UTF-8; bytes that do not fit become U+FFFD."""
    for mark, codec in _BOMS:
        if data.startswith(mark):
            text = data[len(mark):].decode(codec, errors="replace")
            break
    else:
        declared = _ENCODING.match(data)
        try:
            text = data.decode(declared[1].decode("ascii") if declared else "utf-8",
                               errors="replace")
        except LookupError:  # an encoding Python does not know
            text = data.decode("utf-8", errors="replace")
    body = _DECLARATION.sub("", text, count=1)
    return ('<?xml version="1.0" encoding="utf-8"?>' + body).encode("utf-8")


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"),
         (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def slug(text: str) -> str:
    """A config id or tag from a name: ``"kargah e.V."`` -> ``"kargah-e-v"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:64]

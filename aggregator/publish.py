"""Rendering the database into feed documents. This module owns feedgen (Atom 1.0
and RSS 2.0 writers that take care of namespaces, escaping and date formats).

feedgen has no per-entry ``xml:lang`` and no full ``atom:source``: both are added
through its extension mechanism (:class:`_AttributionExtension`). Outputs are
written atomically (temporary file, fsync, rename) and only when their bytes
change, so their ETag and Last-Modified stay stable for readers' conditional GETs.
"""

from __future__ import annotations

import html
import logging
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from . import __version__
from .errors import PublishError
from .language import is_rtl
from .models import Settings, SourceConfig, SourceState, StoredEntry

log = logging.getLogger("aggregator.publish")

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EntryReader(Protocol):
    """What publishing needs from the database (the store provides it)."""

    def latest(self, limit: int, *, language: str | None = None,
               source_ids: Iterable[str] | None = None) -> list[StoredEntry]: ...

    def languages(self) -> dict[str, int]: ...

    def states(self) -> dict[str, SourceState]: ...


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed document to publish: its path under output_dir and what goes in it."""

    path: str
    title: str
    language: str | None = None  # only entries of this language; feed-level xml:lang
    source_ids: tuple[str, ...] | None = None


@dataclass(slots=True)
class PublishReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duration: float = 0.0


def feed_specs(settings: Settings, languages: Iterable[str]) -> list[FeedSpec]:
    """Every feed document the portal publishes."""
    specs = [FeedSpec("feed.atom", settings.title)]
    specs += [FeedSpec(f"lang/{code}.atom", f"{settings.title} ({code})", language=code)
              for code in languages]
    specs += [FeedSpec(f"source/{source.id}.atom", f"{settings.title}: {source.name}",
                       source_ids=(source.id,)) for source in settings.sources]
    tags = sorted({tag for source in settings.sources for tag in source.tags})
    specs += [FeedSpec(f"tag/{tag}.atom", f"{settings.title}: {tag}",
                       source_ids=tuple(s.id for s in settings.sources if tag in s.tags))
              for tag in tags]
    return specs


def publish_all(reader: EntryReader, settings: Settings) -> PublishReport:
    """Render every output from the database into ``settings.output_dir``."""
    started = time.monotonic()
    report = PublishReport()
    states = reader.states()
    for spec in feed_specs(settings, reader.languages()):
        entries = reader.latest(settings.max_entries, language=spec.language,
                                source_ids=spec.source_ids)
        document = render_atom(spec, entries, settings, states)
        target = settings.output_dir / spec.path
        (report.written if write_if_changed(target, document) else report.unchanged).append(
            spec.path)
    report.duration = time.monotonic() - started
    log.info("publish %d written, %d unchanged", len(report.written), len(report.unchanged),
             extra={"event": "publish", "written": len(report.written),
                    "unchanged": len(report.unchanged), "duration": round(report.duration, 3)})
    return report


def render_atom(spec: FeedSpec, entries: list[StoredEntry], settings: Settings,
                states: Mapping[str, SourceState]) -> bytes:
    """One Atom 1.0 document. Deterministic: the same entries give the same bytes."""
    sources = {source.id: source for source in settings.sources}
    self_url = settings.base_url + spec.path
    generator = FeedGenerator()
    generator.register_extension("attribution", _AttributionFeed, _AttributionExtension,
                                 atom=True, rss=False)
    generator.id(self_url)
    generator.title(spec.title)
    generator.link(href=self_url, rel="self", type="application/atom+xml")
    generator.link(href=settings.base_url, rel="alternate", type="text/html")
    generator.author({"name": settings.title, "uri": settings.base_url})
    generator.generator("aggregator", version=__version__)
    generator.updated(max((entry.updated for entry in entries), default=EPOCH))
    if spec.language:
        generator.language(spec.language)
    for stored in entries:
        source = sources.get(stored.entry.source_id) or SourceConfig(
            id=stored.entry.source_id, name=stored.entry.source_id, url=settings.base_url)
        _add_entry(generator, stored, source, states.get(source.id))
    return bytes(generator.atom_str(pretty=True))


def _add_entry(generator: FeedGenerator, stored: StoredEntry, source: SourceConfig,
               state: SourceState | None) -> None:
    entry = stored.entry
    item = generator.add_entry(order="append")
    item.id(stored.uid)
    item.title(entry.title)
    item.updated(stored.updated)
    item.published(stored.published)
    if entry.link:
        item.link(href=entry.link, rel="alternate", type="text/html")
    item.author({"name": entry.author or source.name})
    for category in entry.categories:
        item.category(term=category)
    if entry.summary_html:
        item.summary(entry.summary_html, type="html")
    item.content(credit_line(source) + _wrap(entry.content_html or entry.summary_html,
                                             entry.language), type="html")
    item.attribution.set(entry.language, _source_element_values(source, state, stored))


def credit_line(source: SourceConfig) -> str:
    """The partner's name, visible in every reader (many do not show atom:source)."""
    name = html.escape(source.name)
    link = source.homepage or source.url
    return f'<p class="credit"><a href="{html.escape(link)}">{name}</a></p>'


def _wrap(fragment: str, language: str | None) -> str:
    if not fragment:
        return ""
    lang = f' lang="{language}"' if language else ""
    direction = "rtl" if is_rtl(language) else "auto"
    return f'<div{lang} dir="{direction}">{fragment}</div>'


def _source_element_values(source: SourceConfig, state: SourceState | None,
                           stored: StoredEntry) -> dict[str, Any]:
    state = state or SourceState(id=source.id)
    feed_url = state.moved_to if state.moved_to and state.moved_from == source.url else source.url
    return {
        "id": state.feed_id or feed_url,
        "title": state.feed_title or source.name,
        "link": state.feed_link or source.homepage or feed_url,
        "self": feed_url,
        "updated": state.feed_updated or stored.updated,
    }


class _AttributionFeed(BaseExtension):  # type: ignore[misc]
    """Feed-level half of the extension: nothing to add."""


class _AttributionExtension(BaseEntryExtension):  # type: ignore[misc]
    """Adds ``xml:lang`` and a complete ``atom:source`` to an Atom entry."""

    def __init__(self) -> None:
        self.language: str | None = None
        self.source: dict[str, Any] = {}

    def set(self, language: str | None, source: dict[str, Any]) -> None:
        self.language = language
        self.source = source

    def extend_atom(self, entry: Any) -> Any:
        if self.language:
            entry.set(XML_LANG, self.language)
        if not self.source:
            return entry
        element = entry.makeelement(f"{{{ATOM_NS}}}source", {})
        if self.language:
            element.set(XML_LANG, self.language)
        for name in ("id", "title"):
            child = element.makeelement(f"{{{ATOM_NS}}}{name}", {})
            child.text = str(self.source[name])
            element.append(child)
        link = element.makeelement(f"{{{ATOM_NS}}}link",
                                   {"rel": "alternate", "href": str(self.source["link"])})
        element.append(link)
        self_link = element.makeelement(f"{{{ATOM_NS}}}link",
                                        {"rel": "self", "href": str(self.source["self"])})
        element.append(self_link)
        updated = element.makeelement(f"{{{ATOM_NS}}}updated", {})
        updated.text = self.source["updated"].isoformat()
        element.append(updated)
        entry.append(element)
        return entry


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write ``data`` to ``target`` atomically unless it already holds exactly that.
    Returns True when the file was written."""
    try:
        if target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as error:
        raise PublishError(f"cannot read {target}: {error.strerror}") from error
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                             suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise PublishError(f"cannot write {target}: {error.strerror or error}") from error
    return True

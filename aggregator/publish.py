"""Rendering the database into every published file.

Which documents exist (:func:`feed_specs`), what each story looks like in them
(:func:`present`), history in RFC 5005 archive pages, and writing files
atomically and only when their bytes change. The formats themselves live in
:mod:`aggregator.syndication` (Atom, RSS), :mod:`aggregator.jsonfeed`,
:mod:`aggregator.opml` and :mod:`aggregator.pages` (HTML).

Archives (RFC 5005): every feed's items, in arrival order, are cut into pages of
``max_entries``; page 1 holds the oldest. A page is final once full (a later
page only adds its ``next-archive`` link to it); the newest page fills up over
time. The subscription document (``feed.atom``) shows the newest ``max_entries``
by publication date and links the newest archive page with ``prev-archive``, so
following ``prev-archive`` from any feed reaches every item exactly once.

Publishing is incremental. The database logs what changed since the last publish
(triggers, see :mod:`aggregator.store`); only the feeds a change can reach are
read, and only narrowly (which entry shows each item, no content); a document is
rendered when it shows an item that changed, or when the items it shows or its
links differ from the digest recorded when it was last rendered (digests live in
the database too). Settings or program changes render everything; a publish with
nothing changed reads almost nothing. The outputs are the same as those of a
publish from scratch (``tests/test_incremental_publish.py``).
"""

from __future__ import annotations

import ast
import fcntl
import functools
import heapq
import html
import logging
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from .calendar import write_calendar
from .errors import PublishError
from .jsonfeed import render_json
from .language import is_rtl
from .models import (
    Attribution,
    Copy,
    Document,
    FeedItem,
    FeedQuery,
    PublishChanges,
    Settings,
    SourceConfig,
    SourceKind,
    SourceState,
    StoredEntry,
    Story,
)
from .opml import render_opml
from .pages import stories_page
from .sanitize import text_of
from .staleness import EVENT_ENDS, LANGUAGES, PUBLISHED, fingerprint
from .staleness import digest as _digest
from .syndication import render_atom, render_rss
from .urls import web_address

log = logging.getLogger("aggregator.publish")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TEASER_CHARACTERS = 400
FORMATS: dict[str, Callable[[Document], bytes]] = {
    ".atom": render_atom, ".rss": render_rss, ".json": render_json}
#: how many entries' items a publish reads from the database at a time
_READ_BATCH = 500
#: in the output folder: held by the publish under way (see :func:`_one_publisher`)
LOCK_FILE = ".publish.lock"
#: the end of a file's name while it is written (hidden: the server does not serve it)
_TEMPORARY = ".tmp"


class EntryReader(Protocol):
    """What publishing needs from the database (the store provides it)."""

    def publish_changes(self) -> PublishChanges: ...

    def has_publish_changes(self) -> bool: ...

    def feed_index(self, query: FeedQuery, *, priorities: Mapping[str, int] | None = None
                   ) -> list[tuple[int, int, str, str]]: ...

    def items_of(self, entry_ids: Sequence[int], *, merged: bool,
                 names: Mapping[str, str] | None = None) -> list[FeedItem]: ...

    def languages(self) -> dict[str, int]: ...

    def states(self) -> dict[str, SourceState]: ...

    def documents(self) -> dict[str, str]: ...

    def published(self, upto: int | None, digests: Mapping[str, str],
                  forget: Iterable[str] = ()) -> None: ...

    def events(self, ending_after: datetime, *,
               source_ids: Iterable[str] | None = None) -> list[StoredEntry]: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed: its path without extension and what goes into it."""

    stem: str  # "feed", "lang/de", "source/kargah", "tag/events"
    title: str
    query: FeedQuery = field(default_factory=FeedQuery)
    page: str | None = None  # path of its HTML page, if it has one


@dataclass(slots=True)
class PublishReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # files no longer published
    duration: float = 0.0
    cpu: float = 0.0  # seconds of processor time (of the thread that published)

    @property
    def changed_feeds(self) -> list[str]:
        """Subscription feeds (not archives, not pages) that were rewritten."""
        return [path for path in self.written
                if not path.startswith("archive/") and path.endswith(tuple(FORMATS))]


def feed_specs(settings: Settings, languages: Iterable[str]) -> list[FeedSpec]:
    """Every feed the portal publishes: combined, per language, per source, per tag."""
    specs = [FeedSpec("feed", settings.title, page="index.html")]
    specs += [FeedSpec(f"lang/{code}", f"{settings.title} ({code})", FeedQuery(language=code),
                       page=f"lang/{code}.html") for code in languages]
    specs += [FeedSpec(f"source/{source.id}", f"{settings.title}: {source.name}",
                       FeedQuery(merged=False, source_ids=(source.id,)),
                       page=f"source/{source.id}.html") for source in settings.sources]
    tags = sorted({tag for source in settings.sources for tag in source.tags})
    specs += [FeedSpec(f"tag/{tag}", f"{settings.title}: {tag}", FeedQuery(
        source_ids=tuple(s.id for s in settings.sources if tag in s.tags))) for tag in tags]
    return specs


def publish_all(reader: EntryReader, settings: Settings, *,
                open_reader: Callable[[], EntryReader] | None = None) -> PublishReport:
    """Render every output from the database into ``settings.output_dir``: the
    documents that a change since the last publish reaches (all of them when the
    settings or the program changed), and those whose files are missing.

    With ``open_reader`` (picklable: it opens another connection to the same
    database), a large publish renders the partners' own feeds in a second process
    while this one renders the combined, language and tag feeds: the two share no
    rendered story, so a full publish takes about half the time on two cores."""
    started, cpu_started = time.monotonic(), time.thread_time()
    report = PublishReport()
    with _one_publisher(settings.output_dir):
        changes = reader.publish_changes()  # first: whatever changes after it waits its turn
        context = _Context(settings, reader.states)
        output = _Output(settings.output_dir, reader.documents(), report)
        output.remove_leftovers()
        try:
            _publish(reader, settings, changes, context, output, open_reader)
        except BaseException:
            output.abort()
            raise
        reader.published(changes.upto, output.digests, output.forget)
    report.duration, report.cpu = time.monotonic() - started, time.thread_time() - cpu_started
    log.info("publish: %d files written, %d unchanged, %d removed", len(report.written),
             len(report.unchanged), len(report.removed), extra={
                 "event": "publish", "written": len(report.written),
                 "unchanged": len(report.unchanged), "removed": len(report.removed),
                 "duration": round(report.duration, 3)})
    return report


@contextmanager
def _one_publisher(folder: Path) -> Iterator[None]:
    """One publish at a time into ``folder``, across processes (`aggregator publish` or
    `fetch` beside `aggregator run`). Two at once could leave the older one's files:
    the later publish renders the newer changes and clears them from the log, then the
    earlier one puts its files, rendered before those changes, in place over them.
    The lock is the operating system's (``flock``) on a hidden file in the folder (the
    server does not serve hidden files): it ends with the process, however it ends."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / LOCK_FILE, "a")  # noqa: SIM115 - closed below
    except OSError as error:
        raise PublishError(f"cannot write to {folder}: {error}") from error
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits for the other publish
        yield  # closing the file lets the next one in


def _publish(reader: EntryReader, settings: Settings, changes: PublishChanges,
             context: _Context, output: _Output,
             open_reader: Callable[[], EntryReader] | None = None) -> None:
    languages = [code for code in reader.languages() if code]
    everything = output.known.get(PUBLISHED) != context.fingerprint
    # the language list is on every HTML page: a new language reaches every window
    new_languages = output.known.get(LANGUAGES) != repr(languages)
    chosen: list[tuple[FeedSpec, list[tuple[int, int, str, str]]]] = []
    for spec in feed_specs(settings, languages):
        query = spec.query
        if everything or new_languages or output.missing(spec, languages) or changes.reach(
                query.merged, query.language, query.source_ids):
            # one narrow query for the whole feed: which entry shows each item, in
            # arrival order; the subscription window and every archive page are cut
            # from it, and only the documents that must be rendered read their items
            chosen.append((spec, reader.feed_index(query, priorities=context.priorities)))
        else:
            output.skip(spec, languages)
    shown = None if everything else changes
    helper = None
    if open_reader is not None and everything:
        handed = _helper_share(chosen)
        if handed:
            helper = _start_helper(open_reader, settings, handed, languages, output.known)
            stems = {spec.stem for spec, _ in handed}
            chosen = [(spec, index) for spec, index in chosen if spec.stem not in stems]
    try:
        _render_feeds(chosen, reader, context, output, languages, shown)
    finally:
        if helper is not None:  # its files too are put in place, or removed, with ours
            output.absorb(_helper_result(helper))
    if everything or not output.exists("sources.opml"):  # (made of the settings alone)
        output.write("sources.opml", render_opml(settings.title, settings.base_url,
                                                 settings.sources))
    else:
        output.report.unchanged.append("sources.opml")
    for code in _gone(output.known.get(LANGUAGES), languages):
        stem = f"lang/{code}"
        output.drop(stem, [*_paths(stem, [f"{stem}.html"]), f"index.{code}.html"])
        output.forget_archives(stem, 0)
    _publish_events(reader, settings, output, datetime.now(UTC))
    output.commit()  # every file written: made durable, then renamed into place
    output.remember(PUBLISHED, context.fingerprint)
    output.remember(LANGUAGES, repr(languages))


def _render_feeds(chosen: Sequence[tuple[FeedSpec, list[tuple[int, int, str, str]]]],
                  reader: EntryReader, context: _Context, output: _Output,
                  languages: Sequence[str], changes: PublishChanges | None) -> None:
    """Render the feeds' documents that need it. Every feed's documents in the order
    of their newest item's arrival, not feed by feed: the documents showing a story
    (its partner's, the combined feed's, its language's and tags' pages) come close
    together, so a full publish holds the few thousand stories of the pages under way,
    not every story until the last feed."""
    for spec, index in chosen:  # how many documents show each entry (see _Context.done)
        context.expect(spec.query.merged, index)
    documents = [document for spec, index in chosen for document in _feed_documents(
        spec, index, reader, context, output, languages, changes)]
    documents.sort(key=lambda document: document[0])
    for _, render in documents:
        render()


#: a full publish hands partners' feeds to a helper process from this many of their items
_HELPER_FROM = 5000
#: the share of the partners' items handed over: measured on the benchmark portal
#: (bench/publish.py --full), the combined, language and tag feeds cost about as much
#: as a fifth of the partners' feeds, plus the helper's start
_HELPER_SHARE = 0.8


def _helper_share(chosen: Sequence[tuple[FeedSpec, list[tuple[int, int, str, str]]]]
                  ) -> list[tuple[FeedSpec, list[tuple[int, int, str, str]]]]:
    """The partners' feeds a helper process renders (pure): the largest first, until
    they hold ``_HELPER_SHARE`` of the partners' items; none below ``_HELPER_FROM``.
    Only partners' feeds: each entry shows in its partner's feed alone, while a story
    of the combined feed is rendered once for it, its language's and its tags'."""
    partners = sorted((feed for feed in chosen if not feed[0].query.merged),
                      key=lambda feed: -len(feed[1]))
    total = sum(len(index) for _, index in partners)
    if total < _HELPER_FROM:
        return []
    handed, items = [], 0
    for feed in partners:
        if items >= _HELPER_SHARE * total:
            break
        handed.append(feed)
        items += len(feed[1])
    return handed


@dataclass(frozen=True, slots=True)
class _Part:
    """What a helper process rendered: files written but not yet in place, the
    documents' digests, and its share of the report."""

    pending: dict[Path, Path]
    digests: dict[str, str]
    forget: list[str]
    gone: list[str]
    written: list[str]
    unchanged: list[str]


def _start_helper(open_reader: Callable[[], EntryReader], settings: Settings,
                  chosen: list[tuple[FeedSpec, list[tuple[int, int, str, str]]]],
                  languages: Sequence[str], known: Mapping[str, str]
                  ) -> tuple[ProcessPoolExecutor, Future[_Part]]:
    # "spawn": a fresh interpreter, not a fork of this process with its threads (the
    # parser pool's fork server preloads the parsing model, which publishing needs not)
    executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return executor, executor.submit(_render_part, open_reader, settings, chosen,
                                         list(languages), dict(known))
    except BaseException:
        executor.shutdown(cancel_futures=True)
        raise


def _helper_result(helper: tuple[ProcessPoolExecutor, Future[_Part]]) -> _Part:
    executor, future = helper
    try:
        return future.result()
    except BrokenProcessPool as error:
        raise PublishError(f"the process rendering the partners' feeds died: {error}") from error
    finally:
        executor.shutdown()


def _render_part(open_reader: Callable[[], EntryReader], settings: Settings,
                 chosen: list[tuple[FeedSpec, list[tuple[int, int, str, str]]]],
                 languages: list[str], known: dict[str, str]) -> _Part:
    """In the helper process: render these feeds (every document) into temporary
    files beside their targets; the caller puts them in place with its own."""
    reader = open_reader()
    try:
        report = PublishReport()
        output = _Output(settings.output_dir, known, report)
        try:
            _render_feeds(chosen, reader, _Context(settings, reader.states), output,
                          languages, None)
        except BaseException:
            output.abort()
            raise
        return _Part(dict(output.pending), output.digests, output.forget, output.gone,
                     report.written, report.unchanged)
    finally:
        reader.close()


def _publish_events(reader: EntryReader, settings: Settings, output: _Output,
                    now: datetime) -> None:
    """``events.ics``: every calendar's events that have not ended yet, for calendar apps;
    ``source/{id}.ics`` per calendar source. Past events leave these (not the feeds)."""
    upcoming = reader.events(now)
    output.write("events.ics", write_calendar(f"{settings.title}: events", upcoming))
    ends = [(stored.entry.event.end or stored.entry.event.start).astimezone(UTC)
            for stored in upcoming if stored.entry.event is not None]
    output.remember(EVENT_ENDS, min(ends).isoformat() if ends else "")
    for source in settings.sources:
        if source.kind is SourceKind.ICAL:
            output.write(f"source/{source.id}.ics", write_calendar(
                f"{settings.title}: {source.name}",
                [stored for stored in upcoming if stored.entry.source_id == source.id]))


def _feed_documents(spec: FeedSpec, index: Sequence[tuple[int, int, str, str]],
                    reader: EntryReader, context: _Context, output: _Output,
                    languages: Sequence[str], changes: PublishChanges | None
                    ) -> list[tuple[int, Callable[[], None]]]:
    """One feed's documents to render: those whose items or links changed, or that show
    an item that changed (``changes``; None: every document), each with the sequence
    of its newest item. Their digests are remembered now (kept only if the whole
    publish completes)."""
    settings = context.settings
    size = settings.max_entries
    query = spec.query
    archives = -(-len(index) // size)  # ceiling division
    documents: list[tuple[int, Callable[[], None]]] = []

    def changed(rows: Sequence[tuple[int, int, str, str]]) -> bool:
        if changes is None:
            return True
        shown = changes.stories if query.merged else changes.entries
        return any(row[0] in shown or row[2] in changes.states for row in rows)

    def items(rows: Sequence[tuple[int, int, str, str]]) -> list[Story]:
        return context.stories(reader, [row[1] for row in rows], query.merged)

    def newest(rows: Sequence[tuple[int, int, str, str]]) -> int:
        return max((row[0] for row in rows), default=0)

    # newest first (dates are stored in UTC: text order is time order)
    window = heapq.nlargest(size, index, key=lambda row: (row[3], row[0]))
    links = [("prev-archive", _archive_url(settings, spec, archives))] if archives else []
    # the combined page also comes in one variant per language, that language first,
    # for readers whose browser asks for it (Accept-Language on /)
    variants = {code: f"index.{code}.html" for code in languages} if spec.stem == "feed" else {}
    pages = [spec.page, *variants.values()] if spec.page else []
    digest = _digest(context.fingerprint, spec.stem, _shown(window), links, languages)

    def render_window() -> None:
        document = context.document(spec.stem, spec.title, items(window), query.language,
                                    links)
        for suffix in FORMATS:
            output.write(spec.stem + suffix, context.render(suffix, document))
        default_language = query.language or (settings.languages or ("de",))[0]
        if spec.page:
            output.write(spec.page, stories_page(
                document, base_url=settings.base_url, languages=languages,
                page_language=default_language, is_source=not query.merged).encode("utf-8"))
        for code, path in variants.items():
            first = sorted(document.stories, key=lambda story: story.language != code)
            output.write(path, stories_page(
                replace(document, stories=tuple(first)), base_url=settings.base_url,
                languages=languages, page_language=code).encode("utf-8"))
        context.done(query.merged, window)

    def archive_page(stem: str, title: str, rows: Sequence[tuple[int, int, str, str]],
                     page_links: list[tuple[str, str]]) -> Callable[[], None]:
        def render() -> None:
            document = context.document(stem, title, items(rows), query.language,
                                        page_links, archive=True)
            output.write(stem + ".atom", context.render(".atom", document))
            context.done(query.merged, rows)
        return render

    if changed(window) or output.stale(spec.stem, digest, _paths(spec.stem, pages)):
        documents.append((newest(window), render_window))
    output.remember(spec.stem, digest)
    for number in range(1, archives + 1):
        rows = index[(number - 1) * size:number * size]
        page_links = [("current", context.self_url(spec.stem) + ".atom")]
        if number > 1:
            page_links.append(("prev-archive", _archive_url(settings, spec, number - 1)))
        if number < archives:
            page_links.append(("next-archive", _archive_url(settings, spec, number + 1)))
        stem = f"archive/{spec.stem}/{number}"
        # a full page rarely changes: only when one of its items does
        digest = _digest(context.fingerprint, stem, _shown(rows), page_links)
        if changed(rows) or output.stale(stem, digest, [stem + ".atom"]):
            documents.append((newest(rows), archive_page(
                stem, f"{spec.title} (archive {number})", rows, page_links)))
        output.remember(stem, digest)
    output.forget_archives(spec.stem, archives)
    return documents


#: up to this many files written by a publish are synced one by one (see _Output.commit)
_SYNC_EACH_UP_TO = 64


def _shown(rows: Sequence[tuple[int, int, str, str]]) -> str:
    """Which items a document shows, through which entries (what else an item shows
    changes only with a change the log has)."""
    return " ".join(f"{row[0]}:{row[1]}" for row in rows)


def _gone(published: str | None, languages: Sequence[str]) -> list[str]:
    """The languages the last publish had feeds for and this one has no entry in (its
    last entries were removed, or read as another language): their documents go, as a
    publish from scratch would not make them."""
    before = ast.literal_eval(published) if published else []
    return [code for code in before if code not in languages]


def _paths(stem: str, pages: Sequence[str]) -> list[str]:
    return [stem + suffix for suffix in FORMATS] + list(pages)


def _archive_url(settings: Settings, spec: FeedSpec, number: int) -> str:
    return f"{settings.base_url}archive/{spec.stem}/{number}.atom"


class _Context:
    """What every document needs to know about the sources."""

    def __init__(self, settings: Settings,
                 states: Callable[[], Mapping[str, SourceState]]) -> None:
        self.settings = settings
        self._read_states = states
        self._states: Mapping[str, SourceState] | None = None
        self.sources = {source.id: source for source in settings.sources}
        self.priorities = {source.id: source.priority for source in settings.sources}
        # a story shows in many documents of a publish (combined, language, tags,
        # archives): read and presented once, each format's entry rendered once
        # (kept while a document still to render shows them: see done())
        self._stories: dict[tuple[bool, int], Story] = {}
        self._uses: dict[tuple[bool, int], int] = {}
        self._xml: dict[tuple[str, int], tuple[Story, bytes]] = {}
        self._json: dict[int, tuple[Story, str]] = {}
        self.fingerprint = fingerprint(settings)

    @property
    def states(self) -> Mapping[str, SourceState]:
        """The sources' states, read when a document is first rendered."""
        if self._states is None:
            self._states = self._read_states()
        return self._states

    @functools.cached_property
    def names(self) -> Mapping[str, str]:
        """Each partner's name for credit lines: as configured, and for a source removed
        from feeds.toml (its entries stay) the title of its feed."""
        left = {source_id: state.feed_title for source_id, state in self.states.items()
                if source_id not in self.sources and state.feed_title}
        return left | {source.id: source.name for source in self.settings.sources}

    def self_url(self, stem: str) -> str:
        return self.settings.base_url + stem

    def stories(self, reader: EntryReader, entry_ids: Sequence[int], merged: bool
                ) -> list[Story]:
        """The stories these entries show (in merged feeds, or in a partner's), read
        and presented once per publish."""
        known = self._stories
        wanted = [entry_id for entry_id in dict.fromkeys(entry_ids)
                  if (merged, entry_id) not in known]
        for start in range(0, len(wanted), _READ_BATCH):
            chunk = wanted[start:start + _READ_BATCH]
            items = reader.items_of(chunk, merged=merged, names=self.names)
            if len(items) != len(chunk):  # some entry went meanwhile: which one, one by one
                pairs = [(entry_id, item) for entry_id in chunk
                         for item in reader.items_of([entry_id], merged=merged,
                                                     names=self.names)]
            else:
                pairs = list(zip(chunk, items, strict=True))
            for entry_id, item in pairs:
                known[merged, entry_id] = present(
                    item, self.source(item.stored.entry.source_id),
                    self.states.get(item.stored.entry.source_id))
        return [known[merged, entry_id] for entry_id in entry_ids
                if (merged, entry_id) in known]

    def expect(self, merged: bool, index: Iterable[tuple[int, int, str, str]]) -> None:
        """A feed will be published: each of its entries shows in its archive page
        and, if among the newest, in its window (counted for all: at most)."""
        uses = self._uses
        rows = list(index)
        window = heapq.nlargest(self.settings.max_entries, rows, key=lambda row: (row[3], row[0]))
        for row in [*rows, *window]:
            key = (merged, row[1])
            uses[key] = uses.get(key, 0) + 1

    def done(self, merged: bool, rows: Iterable[tuple[int, int, str, str]]) -> None:
        """A document showing these entries is rendered: the stories no document
        still to render shows are forgotten, with their rendered fragments (a full
        publish keeps only what it will use again, not every story at once)."""
        uses, known = self._uses, self._stories
        for row in rows:
            key = (merged, row[1])
            left = uses.get(key, 0) - 1
            if left > 0:
                uses[key] = left
                continue
            uses.pop(key, None)
            story = known.pop(key, None)
            if story is not None:
                self._json.pop(id(story), None)
                for kind in ("atom", "rss"):
                    self._xml.pop((kind, id(story)), None)

    def render(self, suffix: str, document: Document) -> bytes:
        if suffix == ".json":
            return render_json(document, self._json)
        return (render_atom if suffix == ".atom" else render_rss)(document, self._xml)

    def document(self, stem: str, title: str, stories: Sequence[Story], language: str | None,
                 links: list[tuple[str, str]], *, archive: bool = False) -> Document:
        hub = self.settings.websub_hub
        return Document(
            path=stem, title=title, self_url=self.self_url(stem),
            home_url=self.settings.base_url, language=language, archive=archive,
            subtitle=self.settings.description,
            updated=max((story.updated for story in stories), default=EPOCH),
            stories=tuple(stories),
            links=tuple(links + ([("hub", hub)] if hub and not archive else [])))

    def source(self, source_id: str) -> SourceConfig:
        """A source as configured; one removed from feeds.toml keeps its entries, still
        credited to the partner: its feed's title and site, as last fetched."""
        configured = self.sources.get(source_id)
        if configured is not None:
            return configured
        state = self.states.get(source_id)
        site = state.feed_link if state else None
        return SourceConfig(id=source_id, name=self.names.get(source_id, source_id),
                            url=site or self.settings.base_url, homepage=site)


def present(item: FeedItem, source: SourceConfig, state: SourceState | None) -> Story:
    """How one stored entry appears in every format (pure). Links are published as
    web addresses every reader can follow (:func:`aggregator.urls.web_address`)."""
    entry = item.stored.entry
    link = web_address(entry.link) if entry.link else None
    copies, translations = _addressed(item.copies), _addressed(item.translations)
    teaser = entry.summary_html or _teaser(entry.content_html)
    body = entry.content_html or entry.summary_html if source.content == "full" else teaser
    more = "" if source.content == "full" or not link else (
        f'<p><a href="{html.escape(link)}" rel="noopener noreferrer">'
        f"{html.escape(source.name)} \u2192</a></p>")
    return Story(
        uid=item.uid, title=entry.title, link=link, summary_html=teaser,
        content_html=credit_line(source, copies) + _wrap(body + more, entry.language),
        summary_text=text_of(teaser)[:TEASER_CHARACTERS * 2],
        author=entry.author or source.name, categories=entry.categories,
        published=item.stored.published, updated=item.stored.updated,
        language=entry.language, source=attribution(source, state, item.stored.updated),
        copies=copies, rights=source.rights, translations=translations)


def _addressed(copies: Sequence[Copy]) -> tuple[Copy, ...]:
    return tuple(replace(copy, link=web_address(copy.link)) if copy.link else copy
                 for copy in copies)


def attribution(source: SourceConfig, state: SourceState | None,
                fallback_updated: datetime) -> Attribution:
    state = state or SourceState(id=source.id)
    feed_url = state.moved_to if state.moved_to and state.moved_from == source.url else source.url
    if source.kind is not SourceKind.FEED:
        feed_url = source.url  # a page or a calendar: its own URL
    return Attribution(
        source_id=source.id, name=source.name, homepage=source.homepage,
        feed_id=state.feed_id or feed_url, feed_title=state.feed_title or source.name,
        feed_link=web_address(state.feed_link or source.homepage or feed_url), feed_url=feed_url,
        feed_updated=state.feed_updated or fallback_updated)


def credit_line(source: SourceConfig, copies: Sequence[Copy]) -> str:
    """The partner's name, visible in every reader (many do not show atom:source),
    and every other partner who published the same story."""
    link = source.homepage or source.url
    credit = f'<a href="{html.escape(link)}">{html.escape(source.name)}</a>'
    if copies:
        others = ", ".join(
            f'<a href="{html.escape(copy.link)}">{html.escape(copy.name)}</a>' if copy.link
            else html.escape(copy.name) for copy in copies)
        credit += f", also published by {others}"
    return f'<p class="credit">{credit}</p>'


def _teaser(content_html: str) -> str:
    text = text_of(content_html)
    if not text:
        return ""
    if len(text) > TEASER_CHARACTERS:
        text = text[:TEASER_CHARACTERS].rsplit(" ", 1)[0] + " …"
    return f"<p>{html.escape(text)}</p>"


def _wrap(fragment: str, language: str | None) -> str:
    lang = f' lang="{language}"' if language else ""
    direction = "rtl" if is_rtl(language) else "auto"
    return f'<div{lang} dir="{direction}">{fragment}</div>'


class _Output:
    """Writes files under the output folder, only when their bytes change; knows the
    digests of the documents' inputs at the last publish and collects the new ones."""

    def __init__(self, root: Path, known: Mapping[str, str], report: PublishReport) -> None:
        self.root = root
        self.known = known
        self.report = report
        self.digests: dict[str, str] = {}
        self.forget: list[str] = []  # documents no longer published (their stems)...
        self.gone: list[str] = []  # ...and their files, which commit() deletes
        self._present: set[str] | None = None  # the files under root, found by one walk
        self._pending: dict[Path, Path] = {}  # target -> its new bytes, not yet in place
        self.archives: dict[str, list[str]] = {}  # feed stem -> its archive pages' stems
        for stem in known:
            if stem.startswith("archive/"):
                self.archives.setdefault(stem[len("archive/"):].rsplit("/", 1)[0],
                                         []).append(stem)

    def stale(self, stem: str, digest: str, paths: Sequence[str]) -> bool:
        """Whether a document must be rendered: its inputs differ from those of its
        files, or one of them is missing."""
        if self.known.get(stem) == digest and all(self.exists(path) for path in paths):
            self.report.unchanged.extend(paths)
            return False
        return True

    def missing(self, spec: FeedSpec, languages: Sequence[str]) -> bool:
        """Whether a feed's document or one of its files was never published."""
        return any(stem not in self.known or not self.exists(path)
                   for stem, path in self._files(spec, languages))

    def skip(self, spec: FeedSpec, languages: Sequence[str]) -> None:
        """A feed no change reaches: its files stay as they are."""
        self.report.unchanged.extend(path for _, path in self._files(spec, languages))

    def _files(self, spec: FeedSpec, languages: Sequence[str]) -> Iterator[tuple[str, str]]:
        pages = [spec.page] if spec.page else []
        if spec.stem == "feed":
            pages += [f"index.{code}.html" for code in languages]
        for path in _paths(spec.stem, pages):
            yield spec.stem, path
        for stem in self.archives.get(spec.stem, ()):
            yield stem, stem + ".atom"

    def exists(self, relative: str) -> bool:
        if self._present is None:
            self._present, _ = self._walk()
        return relative in self._present

    def remove_leftovers(self) -> None:
        """Remove the temporary files of a publish that was killed half-way (the
        container ran out of memory, ``kill -9``): no publish renames them into place
        any more, and a full publish leaves up to the size of all outputs. They are
        ours by their names (:func:`write_if_changed`: hidden, ending ``.tmp``); under
        the publish lock, before this publish writes any, no other publish has any.
        Only the publishing process calls this: its helper's walk (:meth:`exists`)
        would meet the temporary files the publish is writing. (The walk is the one
        :meth:`exists` needs anyway.)"""
        self._present, left = self._walk()
        for path in left:
            path.unlink(missing_ok=True)
        if left:
            log.warning("publish: removed %d temporary files of an interrupted publish",
                        len(left), extra={"event": "publish_leftovers", "removed": len(left)})

    def _walk(self) -> tuple[set[str], list[Path]]:
        """The files under the folder, by one walk; apart, the temporary files."""
        root, present, temporary = str(self.root), set(), []
        for folder, _, names in os.walk(root):
            for name in names:
                if name.startswith(".") and name.endswith(_TEMPORARY):
                    temporary.append(Path(folder, name))
                else:
                    present.add(f"{folder[len(root) + 1:]}/{name}".lstrip("/"))
        return present, temporary

    def remember(self, stem: str, digest: str) -> None:
        if self.known.get(stem) != digest:
            self.digests[stem] = digest

    def drop(self, stem: str, paths: Iterable[str]) -> None:
        """A document no longer published: its digest is forgotten, and :meth:`commit`
        deletes its files."""
        self.forget.append(stem)
        self.gone += paths

    def forget_archives(self, feed: str, count: int) -> None:
        """Archive pages past the last one (after entries were removed) are not
        published any more."""
        for stem in self.archives.get(feed, ()):
            if int(stem.rsplit("/", 1)[1]) > count:
                self.drop(stem, [stem + ".atom"])

    def write(self, relative: str, data: bytes) -> None:
        """Write a file unless it holds these bytes already: into a temporary file
        beside it, renamed into place by :meth:`commit`."""
        target = self.root / relative
        temporary = write_if_changed(target, data, durable=False)
        if temporary is not None:
            previous = self._pending.pop(target, None)
            if previous is not None:
                previous.unlink(missing_ok=True)
            self._pending[target] = temporary
        if self._present is not None:
            self._present.add(relative)
        (self.report.written if temporary else self.report.unchanged).append(relative)

    def commit(self) -> None:
        """Every file written so far made durable, then each renamed over its target: a
        reader sees a file whole, old or new, and never a partial one, even after a
        crash. A few files are synced one by one; many (a full publish) at once with
        one ``sync`` of everything, cheaper than thousands of fsync calls, but also
        flushing whatever else the system has not written yet. Then the files of
        documents no longer published go (no document left links them)."""
        if self._pending:
            self._put_in_place()
        for relative in self.gone:
            try:
                (self.root / relative).unlink(missing_ok=True)
            except OSError as error:
                raise PublishError(f"cannot remove {relative}: {error.strerror}") from error
            self.report.removed.append(relative)

    def _put_in_place(self) -> None:
        try:
            if len(self._pending) <= _SYNC_EACH_UP_TO:
                for temporary in self._pending.values():
                    descriptor = os.open(temporary, os.O_RDONLY)
                    try:
                        os.fsync(descriptor)
                    finally:
                        os.close(descriptor)
            else:
                os.sync()
        except OSError as error:
            raise PublishError(f"cannot make the new files durable: {error}") from error
        try:
            for target, temporary in self._pending.items():
                os.replace(temporary, target)
        except OSError as error:
            raise PublishError(f"cannot write {target}: {error.strerror or error}") from error
        self._pending.clear()

    @property
    def pending(self) -> Mapping[Path, Path]:
        return self._pending

    def absorb(self, part: _Part) -> None:
        """Take over what a helper process rendered: its files are put in place (or
        removed) with these."""
        self._pending.update(part.pending)
        self.digests.update(part.digests)
        self.forget += part.forget
        self.gone += part.gone
        self.report.written += part.written
        self.report.unchanged += part.unchanged

    def abort(self) -> None:
        """The publish failed: the files not yet renamed into place are removed."""
        for temporary in self._pending.values():
            temporary.unlink(missing_ok=True)
        self._pending.clear()


def write_if_changed(target: Path, data: bytes, *, durable: bool = True) -> Path | None:
    """Write ``data`` to ``target`` atomically unless it already holds exactly that.
    Returns the temporary file to rename into place when not ``durable`` (the
    caller syncs, then renames: see :meth:`_Output.commit`), else the target once
    written (fsynced, renamed); None when the target held these bytes already."""
    try:
        if target.read_bytes() == data:
            return None
    except FileNotFoundError:
        pass
    except OSError as error:
        raise PublishError(f"cannot read {target}: {error.strerror}") from error
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                             suffix=_TEMPORARY)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                if durable:
                    file.flush()
                    os.fsync(file.fileno())
            os.chmod(temporary, 0o644)
            if not durable:
                return Path(temporary)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise PublishError(f"cannot write {target}: {error.strerror or error}") from error
    return target

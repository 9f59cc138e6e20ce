"""Typed values passed between the steps of the pipeline.

config -> :class:`Settings` / :class:`SourceConfig`
store  -> :class:`SourceState`
fetch  -> :class:`FetchResult`      (a 304 is a value, not an exception)
parse  -> :class:`ParsedFeed` of :class:`ParsedEntry`
normalise -> :class:`Entry`
the spine -> :class:`UpdateResult`

All are frozen: a step returns a new value instead of changing the one it got.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path


class SourceKind(StrEnum):
    FEED = "feed"
    HTML = "html"
    ICAL = "ical"


@dataclass(frozen=True, slots=True)
class HtmlSelectors:
    """Where the items are on a news page without a feed (``[source.html]``)."""

    item: str
    title: str
    link: str | None = None
    date: str | None = None
    summary: str | None = None
    image: str | None = None
    date_format: str | None = None


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One ``[[source]]`` block of feeds.toml."""

    id: str
    name: str
    url: str
    homepage: str | None = None
    language: str | None = None
    kind: SourceKind = SourceKind.FEED
    interval: timedelta | None = None
    tags: tuple[str, ...] = ()
    html: HtmlSelectors | None = None
    content: str = "summary"  # "summary": a teaser with a link back; "full": the whole text
    rights: str | None = None  # shown with each entry, atom:rights
    priority: int = 0  # among copies of one story, the highest priority is shown
    merge: bool = True  # False: this source's entries never join other partners' stories
    language_param: str | None = None  # "lang", "clang": the link names the version's language
    language_values: tuple[tuple[str, str], ...] = ()  # that parameter's values -> languages


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """What a server gets from us at most: time, bytes, hops."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 60.0  # total seconds for one fetch, whatever the server does
    max_body_bytes: int = 15 * 1024 * 1024  # counted after decompression
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Settings:
    """The ``[aggregator]`` table with environment overrides applied, plus the sources."""

    config_path: Path
    title: str
    base_url: str
    database: Path
    output_dir: Path
    interval: timedelta
    max_entries: int
    languages: tuple[str, ...]
    sources: tuple[SourceConfig, ...]
    contact: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    limits: FetchLimits = field(default_factory=FetchLimits)
    concurrency: int = 8
    per_host: int = 2
    description: str | None = None
    websub_hub: str | None = None
    keep_apart: tuple[str, ...] = ()  # entry ids that never join another partner's story
    allow_private_networks: bool = False  # fetch from loopback/private addresses too
    parse_workers: int = 2  # processes that parse; 0: parse in this process, no time budget
    parse_timeout: float = 30.0  # seconds one document may take to parse

    def source(self, source_id: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.id == source_id), None)


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the database remembers about a source between fetches."""

    id: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    moved_to: str | None = None  # where a permanent redirect (301/308) led
    moved_from: str | None = None  # the configured URL that redirect started from
    last_fetch: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_code: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0
    next_fetch: datetime | None = None
    retired: bool = False
    feed_title: str | None = None
    feed_link: str | None = None
    feed_id: str | None = None
    feed_updated: datetime | None = None
    warning: str | None = None  # the last fetch worked, but something was off
    entry_count: int = 0
    discovered_url: str | None = None  # the feed that autodiscovery found on the page...
    discovered_from: str | None = None  # ...at this configured URL
    unparsed_dates: int = 0  # dates on the last fetched page that could not be read
    #: how feeds.toml said to fetch and read the source when this state was made
    #: (:func:`aggregator.decide.reading_key`; None: before m012)
    reading: str | None = None


@dataclass(frozen=True, slots=True)
class FetchRequest:
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What came back from a server: bytes, or "not modified"."""

    url: str  # the final URL after redirects
    status: int
    body: bytes | None  # None on 304
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: str | None = None  # target of a 301/308 chain, if every hop was permanent
    cache_control: str | None = None
    expires: str | None = None
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True, slots=True)
class FeedLink:
    """A feed a web page points to with ``<link rel="alternate" type="...">``."""

    url: str  # absolute
    type: str  # "atom", "rss" or "json"
    title: str | None = None
    language: str | None = None  # from hreflang, when the page says


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What a web page says about itself: for autodiscovery and ``aggregator check``."""

    url: str
    title: str | None
    language: str | None  # <html lang>
    feeds: tuple[FeedLink, ...]
    generator: str | None = None  # <meta name="generator">: the CMS, when it says


@dataclass(frozen=True, slots=True)
class Event:
    """When and where a calendar entry happens. Times are aware; an all-day event
    starts at midnight of its first day and ``end`` is exclusive (the next midnight)."""

    start: datetime
    end: datetime | None = None
    all_day: bool = False
    location: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One item as the feed says it, before any cleaning. HTML fields are untrusted."""

    id: str | None
    link: str | None
    title: str | None
    title_is_html: bool
    summary: str | None
    summary_is_html: bool
    content: str | None
    content_is_html: bool
    author: str | None
    published: datetime | None
    updated: datetime | None
    language: str | None
    categories: tuple[str, ...] = ()
    base: str | None = None  # xml:base in effect for this entry
    alternates: tuple[tuple[str, str], ...] = ()  # (hreflang, href): the other language versions
    event: Event | None = None  # set for calendar entries
    date_text: str | None = None  # its date as written, when the feed parser could not read it


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    format: str  # e.g. "rss20", "atom10" (feedparser's version names)
    title: str | None
    link: str | None
    id: str | None
    updated: datetime | None
    language: str | None
    entries: tuple[ParsedEntry, ...]
    warning: str | None = None  # set when the feed was malformed but usable
    ttl_minutes: int | None = None
    unparsed_dates: tuple[str, ...] = ()  # date texts that could not be read (pages)


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry, cleaned and ready to store and publish.

    ``key`` identifies the entry within its source; ``content_hash`` tells whether
    it changed. Text fields are plain text, HTML fields are sanitised.
    """

    source_id: str
    key: str
    guid: str | None
    link: str | None
    title: str
    summary_html: str
    content_html: str
    author: str | None
    published: datetime | None  # None: not given or not believable; the store uses first-seen
    updated: datetime | None
    language: str | None
    language_origin: str  # "entry", "feed", "detected", "corrected", "source" or "unknown"
    categories: tuple[str, ...]
    content_hash: str
    language_confidence: float | None = None  # for "detected" and "corrected" languages
    event: Event | None = None  # when and where, for calendar entries
    # set by the deduplication step, for finding the same story at other partners:
    canonical_link: str | None = None
    story_text: str = ""  # the plain text compared
    fingerprint: bytes | None = None  # MinHash signature of title + text
    bands: tuple[int, ...] = ()  # LSH band keys: entries sharing one are candidates
    translation_key: str | None = None  # the same for a partner's versions of one article


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """A stored entry that may tell the same story as a new one."""

    entry_id: int
    story_id: int
    source_id: str
    canonical_link: str | None
    title: str
    text: str
    published: datetime
    fingerprint: bytes | None


@dataclass(frozen=True, slots=True)
class StoryChoice:
    """Which story a new entry joins (None: a story of its own) and why; ``also``:
    other stories it tells the same as, which become one with ``story_id`` (two
    copies at one partner are never compared with each other, so a third partner's
    copy is what shows they are one story)."""

    story_id: int | None
    reason: str | None = None
    score: float | None = None
    also: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class StoryPolicy:
    """How the store files new entries into stories: ``choose`` decides (a pure
    function); entries of ``apart_sources`` and the entries ``apart_uids`` never join
    others' stories, and others never join theirs."""

    choose: Callable[[Entry, Sequence[StoryCandidate]], StoryChoice]
    apart_sources: frozenset[str] = frozenset()
    apart_uids: frozenset[str] = frozenset()
    window: timedelta = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry as the database keeps it: with our stable public id and real dates."""

    uid: str  # our atom:id, e.g. "urn:uuid:..."; never changes once given
    entry: Entry
    published: datetime
    updated: datetime
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class StoreCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """The outcome of one source update, for logs, metrics and the CLI summary."""

    source_id: str
    url: str
    outcome: str  # "ok", "not_modified", "unchanged_body", "error", "retired", "skipped"
    counts: StoreCounts = StoreCounts()
    error: str | None = None
    error_code: str | None = None
    warning: str | None = None
    status: int | None = None
    bytes: int = 0
    duration: float = 0.0
    next_fetch: datetime | None = None  # None: never again (retired)

    @property
    def changed(self) -> bool:
        return self.counts.new > 0 or self.counts.updated > 0


@dataclass(frozen=True, slots=True)
class EntryRef:
    """A stored entry as an operator names it: its id, partner, title and link."""

    uid: str  # urn:uuid:..., the entry's id in its partner's feed
    source_id: str
    title: str
    link: str | None


# -- publishing --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Copy:
    """Another partner's copy of the same story."""

    source_id: str
    name: str
    link: str | None
    language: str | None


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """Which entries one feed holds."""

    merged: bool = True  # one item per story; False: every entry (a partner's own feed)
    language: str | None = None
    source_ids: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class FeedItem:
    """A stored entry as a feed shows it: under the story's id in merged feeds (with
    the other partners' copies), under its own id in a partner's feed."""

    uid: str
    stored: StoredEntry
    sequence: int  # arrival order, for archive pages
    copies: tuple[Copy, ...] = ()
    translations: tuple[Copy, ...] = ()  # the story in other languages


@dataclass(frozen=True, slots=True)
class Attribution:
    """Where an entry came from, for ``atom:source``, RSS ``<source>`` and credit lines."""

    source_id: str
    name: str
    homepage: str | None
    feed_id: str
    feed_title: str
    feed_link: str
    feed_url: str
    feed_updated: datetime | None


@dataclass(frozen=True, slots=True)
class Story:
    """One entry ready for every output format: all fields final, HTML sanitised."""

    uid: str
    title: str
    link: str | None
    summary_html: str  # the teaser
    content_html: str  # what readers see as the body: credit line + content or teaser
    summary_text: str  # plain-text teaser (JSON Feed ``summary``)
    author: str
    categories: tuple[str, ...]
    published: datetime
    updated: datetime
    language: str | None
    source: Attribution
    copies: tuple[Copy, ...] = ()
    rights: str | None = None
    translations: tuple[Copy, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """One feed document in any format: its metadata, links and stories."""

    path: str  # without extension, e.g. "feed", "lang/de", "archive/feed/3"
    title: str
    self_url: str  # without extension; each format adds its own
    home_url: str
    updated: datetime
    stories: tuple[Story, ...]
    language: str | None = None
    subtitle: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # (rel, href): prev-archive, current, hub, ...
    archive: bool = False


@dataclass(frozen=True, slots=True)
class PublishChanges:
    """What changed in the database since the last publish, and which feeds that can
    reach. ``upto``: the last change counted (None: nothing changed). A merged feed's
    item is a story (it shows every member), a partner's feed's item an entry."""

    upto: int | None = None
    entries: frozenset[int] = frozenset()  # entries inserted, updated or deleted
    stories: frozenset[int] = frozenset()  # stories any of whose members changed
    states: frozenset[str] = frozenset()  # sources whose attribution changed
    entry_sources: frozenset[str] = frozenset()  # sources of those entries (before, after)
    entry_languages: frozenset[str | None] = frozenset()
    member_sources: frozenset[str] = frozenset()  # sources of those stories' members
    member_languages: frozenset[str | None] = frozenset()

    def reach(self, merged: bool, language: str | None,
              source_ids: Sequence[str] | None) -> bool:
        """Whether a feed of this selection may show anything that changed."""
        if self.upto is None:
            return False
        sources, languages = ((self.member_sources, self.member_languages) if merged
                              else (self.entry_sources, self.entry_languages))
        return (language is None or language in languages) and (
            source_ids is None or not sources.isdisjoint(source_ids))

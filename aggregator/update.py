"""The spine: the whole way of one source, top to bottom.

    state -> fetch (-> a page? its feed: autodiscovery) -> (unchanged?)
          -> parse (by kind: feed, news page, calendar) -> normalise -> store

Only this module knows the order; the steps do not import each other. Network
waits run on the event loop, parsing in a CPU pool, database work on one
dedicated thread (SQLite likes a single writer). A pass over many sources reads
their states in one trip to that thread and does not wait for saves of a state
alone (a 304): those trips, not the saves, were about a third of a pass where every
source answers 304. The parsing steps
(:mod:`aggregator.reading`) are imported where they run (the worker processes load
them up front, see preload.py), so a process that only sees 304 answers never loads
them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from . import decide, discover
from .errors import NoFeedLinkError, NotAFeedError, SourceError, StoreError
from .fetch import Fetcher, user_agent
from .models import (
    Entry,
    FetchRequest,
    FetchResult,
    Settings,
    SourceConfig,
    SourceKind,
    SourceState,
    StoreCounts,
    StoryPolicy,
    UpdateResult,
)
from .pool import WorkerPool
from .reading import parse_and_normalize
from .store import Store

log = logging.getLogger("aggregator.update")
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


async def fetch_source(fetcher: Fetcher, source: SourceConfig, state: SourceState,
                       url: str) -> tuple[FetchResult, str | None]:
    """The fetch step, with autodiscovery for a feed source whose URL is a web page:
    the feed the page links to is fetched (a second request) and remembered; next time
    it is fetched directly, and looked for again on the page when it breaks. Returns
    what was fetched and the discovered feed's URL (None: ``url`` itself was fetched)."""
    remembered = discover.remembered_feed(source.url, state)
    broken: SourceError | None = None
    if remembered and source.kind is SourceKind.FEED:
        try:
            fetched = await fetcher.fetch(FetchRequest(
                remembered, etag=state.etag, last_modified=state.last_modified))
            if fetched.body is None or not discover.is_page(fetched.body, fetched.content_type):
                return _as_discovered(fetched, remembered)
            broken = NotAFeedError(f"the feed found earlier at {remembered} is a web page now")
        except SourceError as error:
            if not discover.should_rediscover(error):
                raise
            broken = error
        log.info("source %s: the discovered feed broke (%s); looking again on %s",
                 source.id, broken, url, extra={"event": "rediscover", "source": source.id})
    validators = {} if remembered else {"etag": state.etag,
                                        "last_modified": state.last_modified}
    fetched = await fetcher.fetch(FetchRequest(url, **validators))
    if (source.kind is not SourceKind.FEED or fetched.body is None
            or not discover.is_page(fetched.body, fetched.content_type)):
        return fetched, None
    from .scrape import read_page

    page = read_page(fetched.body, fetched.url, fetched.content_type)
    chosen = discover.choose_feed(page.feeds, source.language or page.language)
    if chosen is None:
        raise NoFeedLinkError(
            f"the server sent an HTML page, not a feed, and the page links to no feed (no "
            f"<link rel=\"alternate\"> of RSS, Atom or JSON Feed) at {fetched.url}; give the "
            "feed's own URL, or use kind = \"html\" with selectors (aggregator check URL "
            "helps)")
    if broken is not None and chosen.url == remembered:
        raise broken
    feed = await fetcher.fetch(FetchRequest(chosen.url))
    if feed.body is not None and discover.is_page(feed.body, feed.content_type):
        raise NotAFeedError(f"the page {fetched.url} names {chosen.url} as its feed, but "
                            "that is a web page too")
    return _as_discovered(feed, chosen.url)


def _as_discovered(fetched: FetchResult, discovered: str) -> tuple[FetchResult, str]:
    """A discovered feed that moved for good is remembered at its new address; the
    configured page has not moved."""
    if fetched.permanent_redirect:
        return replace(fetched, permanent_redirect=None), fetched.permanent_redirect
    return fetched, discovered


def body_hash(body: bytes | None, source: SourceConfig, now: datetime) -> str | None:
    """What tells an unchanged body. A calendar is read again once a day even when it
    did not change, so its window of (recurring) events moves on."""
    if body is None:
        return None
    digest = hashlib.sha256(body)
    if source.kind is SourceKind.ICAL:
        digest.update(now.date().isoformat().encode())
    return digest.hexdigest()


class Pipeline:
    """What the spine needs at hand: settings, the HTTP client, the database thread and
    a CPU pool. Use ``async with Pipeline(settings) as pipeline``."""

    def __init__(self, settings: Settings, *, fetcher: Fetcher | None = None,
                 cpu: Executor | WorkerPool | None = None,
                 clock: Callable[[], datetime] = utcnow,
                 rng: random.Random | None = None) -> None:
        self.settings = settings
        self.fetcher = fetcher or Fetcher(settings.limits, user_agent(settings.contact),
                                          allow_private=settings.allow_private_networks)
        # parsing runs in worker processes with a time budget, unless told otherwise
        self._own_pool = cpu is None and settings.parse_workers > 0
        self._cpu = WorkerPool(settings.parse_workers, settings.parse_timeout) \
            if self._own_pool else cpu
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aggregator-db")
        self.clock = clock
        self.rng = rng or random.Random()
        self._store: Store | None = None
        self._unwaited: list[Future[None]] = []  # saves of a state alone, in a batch
        self._batching = False
        self._global = asyncio.Semaphore(settings.concurrency)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.per_host))

    @functools.cached_property
    def policy(self) -> StoryPolicy:
        """How new entries are filed into stories (deduplication is loaded on first use)."""
        from . import dedupe

        return dedupe.policy(self.settings)

    async def __aenter__(self) -> Pipeline:
        self._store = await asyncio.get_running_loop().run_in_executor(
            self._db, Store.open, self.settings.database)
        # the operator's overrides in feeds.toml also undo merges made before them
        if self.settings.keep_apart or any(not s.merge for s in self.settings.sources):
            await self.db(Store.separate, self.policy.apart_uids, self.policy.apart_sources)
        return self

    def end_parsing(self) -> None:
        """Stop the parser worker processes (and with the last of them the fork server
        holding the language model) when this run parses nothing more: publishing
        then has that memory. Nothing may be parsed after this."""
        if self._own_pool and isinstance(self._cpu, WorkerPool):
            self._cpu.close()

    async def __aexit__(self, *exc_info: object) -> None:
        if self._own_pool and isinstance(self._cpu, WorkerPool):
            self._cpu.close()
        await self.fetcher.aclose()
        if self._store is not None:
            await self.db(Store.close)
        self._db.shutdown(wait=True)

    async def db(self, method: Callable[..., T], *args: Any) -> T:
        """Run ``method(store, *args)`` on the database thread."""
        store = self._store
        assert store is not None, "use the pipeline inside 'async with'"
        return await asyncio.get_running_loop().run_in_executor(self._db, method, store, *args)

    async def cpu(self, function: Callable[..., T], *args: Any) -> T:
        """Run a CPU-bound step: in the worker pool (with its time budget), or in the
        given executor."""
        if isinstance(self._cpu, WorkerPool):
            return await self._cpu.run(function, *args)
        return await asyncio.get_running_loop().run_in_executor(self._cpu, function, *args)

    async def save(self, state: SourceState, entries: Sequence[Entry] | None,
                   now: datetime) -> StoreCounts:
        """Save a source's update. In a pass over many sources (a batch), a save of the
        state alone is handed to the database thread without waiting for it: if it
        fails, the pass reports the source with the batch's lost updates."""
        if entries or not self._batching:
            return await self.db(Store.save, state, entries, now,
                                 self.policy if entries else None)
        assert self._store is not None, "use the pipeline inside 'async with'"
        self._unwaited.append(self._db.submit(Store.save_state, self._store, state, now))
        return StoreCounts()

    async def update(self, source: SourceConfig, state: SourceState | None = None
                     ) -> UpdateResult:
        """Update one source once a global and a per-host slot are free, so a partner's
        small server never sees more than ``per_host`` requests at once. The host's slot
        comes first: waiting for a busy host must not hold a global slot, or one slow host
        would keep every other host waiting. ``state``: the source's, if already read
        (and adjusted by :func:`decide.for_source`)."""
        host = urlsplit(source.url).hostname or ""
        async with self._hosts[host], self._global:
            if state is None:
                state = decide.for_source(await self.db(Store.state, source.id), source)
            return await update_source(self, source, state)

    async def update_many(self, sources: Iterable[SourceConfig],
                          done: Callable[[UpdateResult], None] | None = None,
                          states: Mapping[str, SourceState] | None = None
                          ) -> list[UpdateResult]:
        """Update sources concurrently, within the global and per-host limits.
        ``states``: theirs, as :func:`decide.for_sources` gives them (read here if not
        given); a source without one is new."""
        sources = list(sources)
        if states is None:
            states = decide.for_sources(sources, await self.db(Store.states))

        async def one(source: SourceConfig) -> UpdateResult:
            state = states.get(source.id) or decide.for_source(SourceState(id=source.id),
                                                               source)
            result = await self.update(source, state)
            if done is not None:
                done(result)
            return result
        await self.db(Store.begin_batch)  # many saves per commit: see aggregator.store
        self._batching = True
        try:
            results = list(await asyncio.gather(*(one(source) for source in sources)))
        finally:
            self._batching = False
            with contextlib.suppress(StoreError):  # its sources are lost: see below
                await self.db(Store.end_batch)  # after the unwaited saves: one thread
            unwaited, self._unwaited = self._unwaited, []
            for future in unwaited:
                future.result()  # a bug in one is raised here (a StoreError is lost)
        lost = await self.db(Store.take_lost)
        for message in set(lost.values()):
            log.error("%s", message, extra={"event": "store_error", "sources": sorted(lost)})
        return [_rolled_back(result, lost[result.source_id])
                if result.source_id in lost and result.error is None else result
                for result in results]


def _rolled_back(result: UpdateResult, message: str) -> UpdateResult:
    """A source's update that was saved, then lost with its batch's failed commit."""
    return replace(result, outcome="error", error=message, error_code="store",
                   counts=StoreCounts())


async def update_source(pipeline: Pipeline, source: SourceConfig, state: SourceState
                        ) -> UpdateResult:
    """Fetch, parse, normalise and store one source, from its ``state``. A SourceError
    is recorded on the source and returned as a result (a bug that a document runs into
    while it is read is one: ``parse_crash``, see
    :func:`~aggregator.reading.parse_and_normalize`); anything else is a bug and
    propagates."""
    started = time.monotonic()
    url = decide.fetch_url(source.url, state)
    interval = source.interval or pipeline.settings.interval
    try:
        fetched, discovered = await fetch_source(pipeline.fetcher, source, state, url)
        now = pipeline.clock()
        digest = body_hash(fetched.body, source, now)
        parsed, entries = None, None
        if fetched.body is not None and digest != state.body_hash:
            parsed, entries = await pipeline.cpu(
                parse_and_normalize, fetched.body, fetched.url, fetched.content_type, source,
                now, pipeline.settings.languages)
        wait = decide.polling_interval(
            interval, cache_control=fetched.cache_control,
            ttl_minutes=parsed.ttl_minutes if parsed else None, now=now)
        new_state = decide.after_success(
            state, fetched, configured_url=source.url, body_hash=digest, feed=parsed,
            now=now, wait=wait, spread=pipeline.rng.random())
        new_state = discover.after_fetch(new_state, source.url, discovered)
        counts = await pipeline.save(new_state, entries, now)
        outcome = ("not_modified" if fetched.not_modified
                   else "unchanged_body" if parsed is None else "ok")
        result = UpdateResult(
            source_id=source.id, url=fetched.url, outcome=outcome, counts=counts,
            warning=parsed.warning if parsed else None, status=fetched.status,
            bytes=len(fetched.body or b""), duration=time.monotonic() - started,
            next_fetch=new_state.next_fetch)
    except StoreError as error:
        # the database cannot be written (disk full, read-only): nothing was half
        # applied; say so and try again at the next interval
        log.error("source %s: %s", source.id, error,
                  extra={"event": "store_error", "source": source.id})
        result = UpdateResult(
            source_id=source.id, url=url, outcome="error", error=str(error),
            error_code="store", duration=time.monotonic() - started,
            next_fetch=pipeline.clock() + interval)
    except SourceError as error:
        now = pipeline.clock()
        new_state = decide.after_failure(state, error, now=now, interval=interval,
                                         spread=pipeline.rng.random())
        try:
            await pipeline.save(new_state, None, now)
        except StoreError as store_error:
            log.error("source %s: %s", source.id, store_error,
                      extra={"event": "store_error", "source": source.id})
        result = UpdateResult(
            source_id=source.id, url=url, outcome="retired" if new_state.retired else "error",
            error=str(error), error_code=error.code,
            status=getattr(error, "status", None), duration=time.monotonic() - started,
            next_fetch=None if new_state.retired else new_state.next_fetch)
    _log(result)
    return result


def _log(result: UpdateResult) -> None:
    level = logging.WARNING if result.error or result.warning else logging.INFO
    log.log(level, "fetch %s %s", result.source_id, result.outcome, extra={
        "event": "fetch", "source": result.source_id, "url": result.url,
        "outcome": result.outcome, "status": result.status,
        "duration": round(result.duration, 3), "bytes": result.bytes,
        "new": result.counts.new, "updated": result.counts.updated,
        "error": result.error, "warning": result.warning})

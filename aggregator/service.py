"""The commands' work, composed from the spine, the scheduler and the server.

* :func:`fetch_once`: every source once, then publish if anything changed
  (``aggregator fetch``)
* :func:`publish_once`: render outputs from the database (``aggregator publish``)
* :func:`serve_only`: the HTTP server alone (``aggregator serve``)
* :func:`run_service`: scheduler + server until SIGTERM/SIGINT (``aggregator run``)

Publishing is skipped when it would change nothing (:func:`aggregator.staleness.needed`:
the database logged no change since the last publish, the settings are those it was
made with, no upcoming event has ended).
Modules needed only by some commands (the server, the scheduler, the renderers) are
imported when used, so a pass of 304 answers starts fast. Every command's event loop
is uvloop's where it is installed (:func:`run`); this module owns uvloop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from . import decide
from .errors import AggregatorError, PublishError, StoreError
from .fetch import Fetcher
from .models import EntryRef, Settings, SourceConfig, UpdateResult
from .store import Store
from .update import Pipeline

if TYPE_CHECKING:
    from . import web
    from .metrics import Metrics
    from .publish import PublishReport
    from .schedule import Worker

log = logging.getLogger("aggregator.service")
T = TypeVar("T")

#: how long in-flight fetches may finish after SIGTERM before they are abandoned
STOP_GRACE = 5.0


async def fetch_once(settings: Settings, sources: Sequence[SourceConfig],
                     progress: Callable[[UpdateResult], None] | None = None, *,
                     include_retired: bool = False
                     ) -> tuple[list[UpdateResult], PublishReport | None]:
    """Update the sources once, then publish if anything the outputs show changed.
    The report is None when nothing did, so nothing was published."""
    async with Pipeline(settings) as pipeline:
        states = decide.for_sources(sources, await pipeline.db(Store.states))
        skipped = [source for source in sources
                   if not include_retired and source.id in states and states[source.id].retired]
        results = [UpdateResult(source_id=s.id, url=s.url, outcome="retired",
                                error=f"retired: {states[s.id].last_error}",
                                error_code="retired") for s in skipped]
        for result in results:
            if progress:
                progress(result)
        todo = [source for source in sources if source not in skipped]
        results += await pipeline.update_many(todo, progress, states)
        order = {source.id: index for index, source in enumerate(sources)}
        results.sort(key=lambda result: order[result.source_id])
        await asyncio.to_thread(pipeline.end_parsing)
        report = await _publish_if_needed(pipeline)
        if report is not None:
            await announce(pipeline.fetcher, settings, report)
    return results, report


def publish_once(settings: Settings) -> PublishReport:
    store = Store.open(settings.database)
    try:
        return publish(store, settings)
    finally:
        store.close()


def remove_entries(settings: Settings, names: Sequence[str], reason: str
                   ) -> tuple[dict[str, list[EntryRef]], dict[str, list[EntryRef]],
                              PublishReport | None]:
    """Remove for good the entries an operator names (a partner asked, or the law
    does): each name an entry id (``urn:uuid:...``, the prefix may be left out) or a
    link (every stored copy of that page, in any spelling with the same canonical
    URL). A tombstone keeps each from coming back with its feed; then the outputs
    are published without them (archive pages included). A link that several entries
    of one partner share (a listing page its feed gives for every item) removes
    nothing: those are named by id. Returns what each name removed (nothing: no such
    entry), the entries of the links that were too wide, and the publish, if anything
    went."""
    from .urls import canonical_url, is_http_url

    store = Store.open(settings.database)
    try:
        now = datetime.now(UTC)
        removed: dict[str, list[EntryRef]] = {}
        too_wide: dict[str, list[EntryRef]] = {}
        for name in names:
            found = store.entries_named(
                uid=_entry_id(name),
                canonical_link=canonical_url(name) if is_http_url(name) else None)
            removed[name] = []
            if len({entry.source_id for entry in found}) < len(found):
                too_wide[name] = found
                continue
            for entry in found:
                if store.remove(entry.uid, reason, now):  # (not if an earlier name did)
                    removed[name].append(entry)
        report = publish(store, settings) if any(removed.values()) else None
    finally:
        store.close()
    return removed, too_wide, report


def restore_entries(settings: Settings, uids: Sequence[str]
                    ) -> tuple[dict[str, str | None], list[UpdateResult], PublishReport | None]:
    """Take back removals (:func:`remove_entries`) by entry id, then fetch the sources
    they came from now, so each entry comes back at once if its feed still has it.
    Returns each id's source (None: no removed entry has that id), the fetches and the
    publish, if anything changed."""
    store = Store.open(settings.database)
    try:
        restored = {uid: store.restore(_entry_id(uid)) for uid in uids}
    finally:
        store.close()
    sources = [source for source in settings.sources if source.id in restored.values()]
    results, report = run(fetch_once(settings, sources, include_retired=True)) \
        if sources else ([], None)
    return restored, results, report


def _entry_id(name: str) -> str:
    """An entry id as an operator may type it: with or without ``urn:uuid:``."""
    return name if name.startswith("urn:uuid:") else f"urn:uuid:{name}"


def publish(store: Store, settings: Settings) -> PublishReport:
    from .publish import publish_all

    return publish_all(store, settings,
                       open_reader=functools.partial(Store.open, settings.database))


async def _publish_if_needed(pipeline: Pipeline) -> PublishReport | None:
    """Publish unless it would change nothing; None when it was skipped."""
    from .staleness import needed

    settings = pipeline.settings
    if await pipeline.db(needed, settings, datetime.now(UTC)):
        return await pipeline.db(publish, settings)
    log.info("publish: nothing changed, outputs left as they are",
             extra={"event": "publish_skipped"})
    return None


def serve_only(settings: Settings) -> None:
    run(_serve(settings, worker=False))


def run_service(settings: Settings) -> None:
    _check_xml_parser()
    run(_serve(settings, worker=True))


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on uvloop's event loop where it is installed (a dependency: faster
    sockets for the fetches and the server), else on asyncio's."""
    try:
        import uvloop
    except ImportError:  # a platform without uvloop's wheels
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def _check_xml_parser() -> None:
    from .parse import xml_parser_warning

    warning = xml_parser_warning()
    if warning:
        log.warning(warning, extra={"event": "xml_parser"})


async def _serve(settings: Settings, *, worker: bool) -> None:
    from . import web
    from .metrics import Metrics

    metrics = Metrics()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with Pipeline(settings) as pipeline:
        await _publish_if_needed(pipeline)  # outputs exist before the first request
        scheduler: Worker | None = None
        if worker:
            # the long-running worker loads deduplication now, not inside its first save
            # (a fetch in flight at SIGTERM has a few seconds to finish)
            await asyncio.to_thread(lambda: pipeline.policy)
            scheduler = _worker(pipeline, metrics)
            scheduler.start(settings.sources, decide.for_sources(
                settings.sources, await pipeline.db(Store.states)))
        app = web.create_app(settings, metrics,
                             scheduler_running=(lambda: scheduler.running) if scheduler else None)
        server = web.server(settings, app)
        serving = asyncio.create_task(_run_server(server, settings))
        log.info("serving %s on http://%s:%d/ (combined feed: %sfeed.atom; %s)",
                 settings.output_dir, settings.host, settings.port, settings.base_url,
                 web.stack(), extra={"event": "start", "worker": worker})
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
        log.info("stopping", extra={"event": "stop"})
        if scheduler is not None:
            await scheduler.stop(STOP_GRACE)
        server.should_exit = True
        await serving
        stopped.cancel()


async def _run_server(server: web.Server, settings: Settings) -> None:
    try:
        await server.serve()
    except SystemExit as exit_:
        # uvicorn exits this way when it cannot bind; caught here, inside the task,
        # because a SystemExit escaping a task tears the event loop down with a traceback
        raise AggregatorError(
            f"the HTTP server could not start on {settings.host}:{settings.port} "
            "(is the port in use? set AGGREGATOR_PORT)") from exit_


def _worker(pipeline: Pipeline, metrics: Metrics) -> Worker:
    from .schedule import Worker

    settings = pipeline.settings

    async def run_source(source: SourceConfig) -> tuple[bool, datetime | None]:
        result = await pipeline.update(source)
        metrics.observe_fetch(result)
        return result.changed, result.next_fetch

    pings: set[asyncio.Task[None]] = set()

    async def publish_job() -> None:
        try:
            report = await pipeline.db(publish, settings)
        except (PublishError, StoreError) as error:
            # the last complete outputs stay in place and keep being served
            log.error("publish failed: %s", error, extra={"event": "publish_error"})
            raise
        metrics.observe_publish(report.duration, len(report.written))
        # pinging the hub (with its retries) must not hold up the worker
        task = asyncio.create_task(announce(pipeline.fetcher, settings, report))
        pings.add(task)
        task.add_done_callback(pings.discard)

    shortest = min([s.interval or settings.interval for s in settings.sources],
                   default=settings.interval)
    return Worker(run_source, publish_job,
                  publish_every=min(timedelta(seconds=10), shortest),
                  start_spread=min(timedelta(seconds=60), shortest))


async def announce(fetcher: Fetcher, settings: Settings, report: PublishReport) -> None:
    """Ping the configured WebSub hub for every subscription feed that changed."""
    if not settings.websub_hub or not report.changed_feeds:
        return
    topics = [settings.base_url + path for path in report.changed_feeds]
    refused = await fetcher.ping_hub(settings.websub_hub, topics)
    log.log(logging.WARNING if refused else logging.INFO,
            "websub: pinged %s for %d feeds, %d refused", settings.websub_hub, len(topics),
            len(refused), extra={"event": "websub", "refused": refused or None})


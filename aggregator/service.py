"""The commands' work, composed from the spine, the scheduler and the server.

* :func:`fetch_once`: every source once, then publish if anything changed
  (``aggregator fetch``)
* :func:`publish_once`: render outputs from the database (``aggregator publish``)
* :func:`serve_only`: the HTTP server alone (``aggregator serve``)
* :func:`run_service`: scheduler + server until SIGTERM/SIGINT (``aggregator run``)

Publishing is skipped when it would change nothing: no source stored anything new,
changed or removed, and nothing else the outputs show changed since the last publish
(:func:`publish_inputs`: the settings, what each source's attribution shows, the
upcoming events, the package version), as recorded in ``output_dir/.published``.
Modules needed only by some commands (the server, the scheduler, the renderers) are
imported when used, so a pass of 304 answers starts fast. Every command's event loop
is uvloop's where it is installed (:func:`run`); this module owns uvloop.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import signal
import tempfile
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import __version__
from .errors import AggregatorError, PublishError, StoreError
from .fetch import Fetcher
from .models import FetchLimits, Settings, SourceConfig, SourceState, UpdateResult
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
        states = await pipeline.db(Store.states)
        skipped = [source for source in sources
                   if not include_retired and source.id in states and states[source.id].retired]
        results = [UpdateResult(source_id=s.id, url=s.url, outcome="retired",
                                error=f"retired: {states[s.id].last_error}",
                                error_code="retired") for s in skipped]
        for result in results:
            if progress:
                progress(result)
        todo = [source for source in sources if source not in skipped]
        # a run that stops between storing and publishing leaves no stamp: the next
        # one publishes whatever it finds
        stamp = take_stamp(settings.output_dir)
        results += await pipeline.update_many(todo, progress)
        order = {source.id: index for index, source in enumerate(sources)}
        results.sort(key=lambda result: order[result.source_id])
        await asyncio.to_thread(pipeline.end_parsing)
        report = await _publish_if_needed(pipeline, results, stamp)
        if report is not None:
            await announce(pipeline.fetcher, settings, report)
    return results, report


def publish_once(settings: Settings) -> PublishReport:
    store = Store.open(settings.database)
    try:
        return publish(store, settings)
    finally:
        store.close()


def publish(store: Store, settings: Settings) -> PublishReport:
    """Render every output, then stamp them with the inputs they were made from."""
    from .publish import publish_all

    inputs = publish_inputs(store, settings)
    report = publish_all(store, settings)
    write_stamp(settings.output_dir, inputs)
    return report


async def _publish_if_needed(pipeline: Pipeline, results: Sequence[UpdateResult],
                             stamp: str | None) -> PublishReport | None:
    settings = pipeline.settings
    inputs = await pipeline.db(publish_inputs, settings)
    if publish_needed(results, stamp, inputs, (settings.output_dir / "feed.atom").exists(),
                      await pipeline.db(Store.has_publish_changes)):
        return await pipeline.db(publish, settings)
    write_stamp(settings.output_dir, inputs)
    log.info("publish: nothing changed, outputs left as they are",
             extra={"event": "publish_skipped"})
    return None


def publish_needed(results: Sequence[UpdateResult], stamp: str | None, inputs: str,
                   outputs_exist: bool, logged: bool = False) -> bool:
    """Whether publishing could change an output (pure): a source stored new or
    changed entries, or the database logged a change since the last publish
    (``logged``: a removal or a separation by an operator), or the other inputs differ
    from those the outputs were made from (``stamp``; None: unknown), or the outputs
    are not there."""
    return (not outputs_exist or logged or stamp != inputs
            or any(result.changed for result in results))


def inputs_digest(settings: Settings, states: Mapping[str, SourceState],
                  upcoming_events: Sequence[str]) -> str:
    """A digest of what the outputs show besides the entries' own content (pure): the
    settings that shape documents, of each source's state what attribution shows and
    how many entries it has (an entry removed or stored by a run that never published
    changes it), the events that have not ended yet (``events.ics`` drops past ones),
    and the package version."""
    shaping = replace(settings, config_path=Path(), database=Path(), contact=None,
                      host="", port=0, limits=FetchLimits(), concurrency=0, per_host=0,
                      parse_workers=0, parse_timeout=0.0)
    shown = sorted((key, state.feed_id, state.feed_title, state.feed_link,
                    state.feed_updated, state.moved_to, state.moved_from,
                    state.discovered_url, state.discovered_from, state.retired,
                    state.entry_count) for key, state in states.items())
    text = repr((__version__, shaping, shown, list(upcoming_events)))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def publish_inputs(store: Store, settings: Settings) -> str:
    """:func:`inputs_digest` of the database as it is now."""
    upcoming = [stored.uid for stored in store.events(datetime.now(UTC))]
    return inputs_digest(settings, store.states(), upcoming)


STAMP = ".published"  # in output_dir; a dot file is never served


def read_stamp(output_dir: Path) -> str | None:
    try:
        return (output_dir / STAMP).read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def take_stamp(output_dir: Path) -> str | None:
    """Read the stamp and remove it until the outputs are known to be current again."""
    stamp = read_stamp(output_dir)
    if stamp is not None:
        (output_dir / STAMP).unlink(missing_ok=True)
    return stamp


def write_stamp(output_dir: Path, inputs: str) -> None:
    """Record the inputs the outputs are made from (atomically; unchanged: untouched)."""
    if read_stamp(output_dir) == inputs:
        return
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=output_dir, prefix=STAMP, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(inputs + "\n")
        os.replace(temporary, output_dir / STAMP)
    except OSError as error:
        # without a stamp the next run publishes again: slower, never wrong
        log.warning("cannot record the published inputs in %s: %s", output_dir, error,
                    extra={"event": "stamp_error"})


async def _publish_at_start(pipeline: Pipeline) -> None:
    """Outputs exist before the first request; republished only when out of date."""
    settings = pipeline.settings
    inputs = await pipeline.db(publish_inputs, settings)
    if publish_needed((), read_stamp(settings.output_dir), inputs,
                      (settings.output_dir / "feed.atom").exists(),
                      await pipeline.db(Store.has_publish_changes)):
        await pipeline.db(publish, settings)
    else:
        log.info("outputs are up to date; not publishing at start",
                 extra={"event": "publish_skipped"})


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
        await _publish_at_start(pipeline)
        scheduler: Worker | None = None
        if worker:
            # the long-running worker loads deduplication now, not inside its first save
            # (a fetch in flight at SIGTERM has a few seconds to finish)
            await asyncio.to_thread(lambda: pipeline.policy)
            scheduler = _worker(pipeline, metrics)
            scheduler.start(settings.sources, await pipeline.db(Store.states))
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


"""The commands' work, composed from the spine, the scheduler and the server.

* :func:`fetch_once`: every source once, then publish (``aggregator fetch``)
* :func:`publish_once`: render outputs from the database (``aggregator publish``)
* :func:`serve_only`: the HTTP server alone (``aggregator serve``)
* :func:`run_service`: scheduler + server until SIGTERM/SIGINT (``aggregator run``)
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from . import web
from .errors import AggregatorError, PublishError, StoreError
from .fetch import Fetcher
from .metrics import Metrics
from .models import Settings, SourceConfig, UpdateResult
from .publish import PublishReport, publish_all
from .schedule import Worker
from .store import Store
from .update import Pipeline

log = logging.getLogger("aggregator.service")

#: how long in-flight fetches may finish after SIGTERM before they are abandoned
STOP_GRACE = 5.0


async def fetch_once(settings: Settings, sources: Sequence[SourceConfig],
                     progress: Callable[[UpdateResult], None] | None = None, *,
                     include_retired: bool = False
                     ) -> tuple[list[UpdateResult], PublishReport]:
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
        results += await pipeline.update_many(todo, progress)
        order = {source.id: index for index, source in enumerate(sources)}
        results.sort(key=lambda result: order[result.source_id])
        report = await pipeline.db(publish_all, settings)
        await announce(pipeline.fetcher, settings, report)
    return results, report


def publish_once(settings: Settings) -> PublishReport:
    store = Store.open(settings.database)
    try:
        return publish_all(store, settings)
    finally:
        store.close()


def serve_only(settings: Settings) -> None:
    asyncio.run(_serve(settings, worker=False))


def run_service(settings: Settings) -> None:
    _check_xml_parser()
    asyncio.run(_serve(settings, worker=True))


def _check_xml_parser() -> None:
    from .parse import xml_parser_warning

    warning = xml_parser_warning()
    if warning:
        log.warning(warning, extra={"event": "xml_parser"})


async def _serve(settings: Settings, *, worker: bool) -> None:
    metrics = Metrics()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with Pipeline(settings) as pipeline:
        await pipeline.db(publish_all, settings)  # outputs exist before the first request
        scheduler: Worker | None = None
        if worker:
            scheduler = _worker(pipeline, metrics)
            scheduler.start(settings.sources, await pipeline.db(Store.states))
        app = web.create_app(settings, metrics,
                             scheduler_running=(lambda: scheduler.running) if scheduler else None)
        server = web.server(settings, app)
        serving = asyncio.create_task(_run_server(server, settings))
        log.info("serving %s on http://%s:%d/ (combined feed: %sfeed.atom)",
                 settings.output_dir, settings.host, settings.port, settings.base_url,
                 extra={"event": "start", "worker": worker})
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
    settings = pipeline.settings

    async def run_source(source: SourceConfig) -> tuple[bool, datetime | None]:
        result = await pipeline.update(source)
        metrics.observe_fetch(result)
        return result.changed, result.next_fetch

    pings: set[asyncio.Task[None]] = set()

    async def publish() -> None:
        try:
            report = await pipeline.db(publish_all, settings)
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
    return Worker(run_source, publish,
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


"""The real scheduler (APScheduler's AsyncIOScheduler in :class:`Worker`) with
sub-second intervals against the local fixture server and a real SQLite file: due
times stored and honoured across restarts, retired sources left alone, the per-host
bound, one run per source at a time, and a graceful stop."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from aggregator import decide
from aggregator.metrics import Metrics
from aggregator.models import Settings, SourceConfig, SourceState
from aggregator.schedule import Worker
from aggregator.service import _worker
from aggregator.store import Store
from aggregator.update import Pipeline

from conftest import feed_route, load_settings
from httpfixture import FixtureServer, Route
from misbehaviours import Gauge, answer, held, slow, until

ATOM = "{http://www.w3.org/2005/Atom}"
FAST = timedelta(milliseconds=300)


def settings_for(folder: Path, sources: list[dict[str, object]], **extra: object) -> Settings:
    return load_settings(folder, sources, **{"interval": "300ms", "timeout": "10s",
                                             "deadline": "20s", **extra})


def states(settings: Settings) -> dict[str, SourceState]:
    store = Store.open(settings.database)
    try:
        return store.states()
    finally:
        store.close()


@asynccontextmanager
async def running(settings: Settings, grace: float = 10.0) -> AsyncIterator[Worker]:
    """The worker exactly as ``aggregator run`` composes it, started on the stored states."""
    async with Pipeline(settings) as pipeline:
        worker = _worker(pipeline, Metrics())
        worker.start(settings.sources, await pipeline.db(Store.states))
        try:
            yield worker
        finally:
            if worker.running:
                await worker.stop(grace)


def run(coroutine: Callable[[], object]) -> None:
    asyncio.run(coroutine())  # type: ignore[arg-type]


def test_sources_are_fetched_again_and_again_at_their_own_due_time(
        server: FixtureServer, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, [
        {"id": "etag", "name": "ETag", "url": server.add("/etag", feed_route("uk-rss2.xml"))},
        {"id": "plain", "name": "Plain", "url": server.add(
            "/plain", feed_route("kargah-rss2-de.xml", etag=None, last_modified=None))},
        {"id": "broken", "name": "Broken", "url": server.add("/broken", Route(status=500))},
        {"id": "hourly", "name": "Hourly", "interval": "1h",
         "url": server.add("/hourly", feed_route("ru-atom.atom"))},
    ])

    async def scenario() -> None:
        async with running(settings):
            await until(lambda: min(server.hits("/etag"), server.hits("/plain")) >= 4,
                        "four fetches of each healthy source")

    run(scenario)
    # after the first answer, the worker asks conditionally
    conditional = [seen.headers.get("if-none-match") for seen in server.requests
                   if seen.path == "/etag"]
    assert conditional[0] is None and set(conditional[1:]) == {'"uk-rss2.xml-1"'}
    saved = states(settings)
    for source_id in ("etag", "plain"):
        state = saved[source_id]
        assert state.failures == 0 and state.last_success == state.last_fetch
        assert state.next_fetch is not None and state.last_fetch is not None
        assert FAST * 0.9 <= state.next_fetch - state.last_fetch <= FAST * 1.1
    # the failing source backs off: its stored due time follows its failure count
    broken = saved["broken"]
    assert broken.failures == server.hits("/broken") >= 1
    assert broken.last_error_code == "http_500"
    assert broken.next_fetch is not None and broken.last_fetch is not None
    wait = decide.backoff(broken.failures, FAST)
    assert wait * 0.9 <= broken.next_fetch - broken.last_fetch <= wait * 1.1
    # a source with a long interval is fetched once, at start
    assert server.hits("/hourly") == 1
    hourly = saved["hourly"]
    assert hourly.next_fetch is not None and hourly.last_fetch is not None
    assert timedelta(minutes=54) <= hourly.next_fetch - hourly.last_fetch <= timedelta(minutes=66)
    # what changed was published
    root = etree.fromstring((settings.output_dir / "feed.atom").read_bytes())
    assert len(root.findall(f"{ATOM}entry")) == 2 + 5 + 2


def test_a_restart_honours_the_stored_due_times(server: FixtureServer, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, [
        {"id": "hourly", "name": "Hourly", "interval": "1h",
         "url": server.add("/hourly", feed_route("uk-rss2.xml"))},
        {"id": "fast", "name": "Fast", "url": server.add("/fast", feed_route("ru-atom.atom"))},
    ])

    async def first() -> None:
        async with running(settings):
            await until(lambda: server.hits("/hourly") == 1 and server.hits("/fast") >= 2,
                        "the first fetches")

    run(first)
    due = states(settings)["hourly"].next_fetch
    assert due is not None and due > datetime.now(UTC) + timedelta(minutes=50)
    fast_before = server.hits("/fast")

    async def second() -> None:
        async with running(settings) as worker:
            job = worker.scheduler.get_job("source:hourly")
            assert job is not None and job.next_run_time == due
            await until(lambda: server.hits("/fast") >= fast_before + 3,
                        "the overdue source to be fetched again after the restart")

    run(second)
    assert server.hits("/hourly") == 1  # not fetched again just because we restarted
    assert states(settings)["hourly"].next_fetch == due


def test_a_retired_source_is_not_scheduled_again(server: FixtureServer,
                                                 tmp_path: Path) -> None:
    settings = settings_for(tmp_path, [
        {"id": "gone", "name": "Gone", "url": server.add("/gone", Route(status=410))},
        {"id": "fast", "name": "Fast", "url": server.add("/fast", feed_route("ru-atom.atom"))},
    ])

    async def first() -> None:
        async with running(settings) as worker:
            await until(lambda: server.hits("/gone") == 1 and server.hits("/fast") >= 4,
                        "the gone source to be tried and the other to go on")
            fast = server.hits("/fast")
            await until(lambda: server.hits("/fast") >= fast + 3, "more fetches of the other")
            # (a source has no job while it runs: the next is added when the run ends)
            assert worker.scheduler.get_job("source:gone") is None

    run(first)
    assert states(settings)["gone"].retired
    fast_before = server.hits("/fast")

    async def second() -> None:
        async with running(settings) as worker:
            assert worker.scheduler.get_job("source:gone") is None
            await until(lambda: server.hits("/fast") >= fast_before + 3, "more fetches")

    run(second)
    assert server.hits("/gone") == 1


def test_a_host_never_sees_more_than_per_host_requests_nor_a_source_two_at_once(
        server: FixtureServer, tmp_path: Path) -> None:
    gauge = Gauge()
    sources: list[dict[str, object]] = [
        {"id": f"slow{n}", "name": f"Slow {n}",
         "url": server.add(f"/slow{n}", Route(behaviour=slow(feed_route("uk-rss2.xml"), 0.3,
                                                              gauge)))}
        for n in range(5)]
    other = server.add("/other", feed_route("ru-atom.atom")).replace("127.0.0.1", "localhost")
    settings = settings_for(tmp_path, [*sources, {"id": "other", "name": "O", "url": other}],
                            per_host=2)

    async def scenario() -> None:
        async with running(settings):
            await until(lambda: min(server.hits(f"/slow{n}") for n in range(5)) >= 3,
                        "three fetches of every slow source")

    run(scenario)
    assert gauge.peak == settings.per_host == 2
    assert max(gauge.path_peaks.values()) == 1  # max_instances=1: never a source twice
    assert server.hits("/other") > server.hits("/slow0")  # the other host is not held up


def test_stop_lets_a_running_fetch_finish_and_publishes_it(server: FixtureServer,
                                                          tmp_path: Path) -> None:
    gate, gauge = threading.Event(), Gauge()
    route = Route(behaviour=held(feed_route("uk-rss2.xml"), gate, gauge))
    settings = settings_for(tmp_path, [{"id": "slow", "name": "S",
                                        "url": server.add("/slow", route)}])

    async def scenario() -> None:
        async with running(settings) as worker:
            await until(lambda: gauge.now == 1, "the fetch to be in flight")
            stopping = asyncio.create_task(worker.stop(grace=20))
            await until(lambda: not worker.running, "the worker to refuse new work")
            gate.set()  # the partner's server answers after all
            await asyncio.wait_for(stopping, 30)

    try:
        run(scenario)
    finally:
        gate.set()
    state = states(settings)["slow"]
    assert state.last_success is not None and state.entry_count == 2
    assert server.hits("/slow") == 1
    root = etree.fromstring((settings.output_dir / "feed.atom").read_bytes())
    assert len(root.findall(f"{ATOM}entry")) == 2


def test_stop_abandons_a_fetch_that_outlives_the_grace(server: FixtureServer,
                                                       tmp_path: Path) -> None:
    gate, gauge = threading.Event(), Gauge()
    route = Route(behaviour=held(feed_route("uk-rss2.xml"), gate, gauge))
    settings = settings_for(tmp_path, [
        {"id": "stuck", "name": "Stuck", "url": server.add("/stuck", route)},
        {"id": "fast", "name": "Fast", "url": server.add("/fast", feed_route("ru-atom.atom"))},
    ], timeout="60s", deadline="60s")

    async def scenario() -> None:
        async with running(settings) as worker:
            await until(lambda: gauge.now == 1 and server.hits("/fast") >= 2,
                        "a stuck fetch beside a working source")
            await asyncio.wait_for(worker.stop(grace=0.2), 20)
            fast = server.hits("/fast")
            assert not worker.running
            # nothing runs any more: a fresh fetch would have been due every 300 ms
            await asyncio.sleep(1.0)
            assert server.hits("/fast") == fast

    try:
        run(scenario)
    finally:
        gate.set()
    saved = states(settings)
    assert "stuck" not in saved  # abandoned: no half-recorded attempt
    assert saved["fast"].last_success is not None


def test_a_bug_in_a_run_is_seen_and_the_source_is_polled_again(
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[datetime] = []
    published: list[datetime] = []

    async def run_source(source: SourceConfig) -> tuple[bool, datetime | None]:
        calls.append(datetime.now(UTC))
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return len(calls) == 2, datetime.now(UTC) + FAST

    async def publish() -> None:
        published.append(datetime.now(UTC))

    source = SourceConfig(id="s", name="S", url="http://127.0.0.1:9/", interval=FAST)

    async def scenario() -> None:
        worker = Worker(run_source, publish, publish_every=timedelta(milliseconds=100),
                        start_spread=timedelta(0))
        worker.start([source], {})
        await until(lambda: len(calls) >= 4, "the source to be polled after the bug")
        await until(lambda: len(published) == 1, "the change to be published")
        await worker.stop()

    run(scenario)
    assert any("a bug" in record.getMessage() or (record.exc_info and "a bug" in str(
        record.exc_info[1])) for record in caplog.records)
    assert len(published) == 1  # only the second run changed something


def test_a_source_slower_than_its_interval_keeps_being_polled(server: FixtureServer,
                                                             tmp_path: Path) -> None:
    """Parsing and storing can take longer than the interval, so the next due time is
    already past when a run ends. The next run must still happen (APScheduler counts
    the ending run as still running, and would skip, and for a date trigger drop, a run
    that falls due before it is over)."""
    served = []

    def changing(handler: BaseHTTPRequestHandler) -> None:
        served.append(1)
        body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>C</title>'
                f"<link>https://c.example/</link><item><title>Meldung {len(served)}</title>"
                f"<link>https://c.example/{len(served)}</link></item></channel></rss>").encode()
        answer(handler, Route(body=body, headers={"Content-Type": "application/rss+xml"}))

    settings = settings_for(tmp_path, [{"id": "changing", "name": "C",
                                        "url": server.add("/changing", Route(
                                            behaviour=changing))}])

    class Slow(ThreadPoolExecutor):
        """Parsing that takes twice the interval."""

        def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
                   ) -> Future[Any]:
            def slowly() -> Any:
                time.sleep(2 * FAST.total_seconds())
                return fn(*args, **kwargs)
            return super().submit(slowly)

    async def scenario() -> None:
        with Slow(max_workers=1) as cpu:
            async with Pipeline(settings, cpu=cpu) as pipeline:
                worker = _worker(pipeline, Metrics())
                worker.start(settings.sources, {})
                try:
                    await until(lambda: server.hits("/changing") >= 4,
                                "the slow source to be polled again and again")
                finally:
                    await worker.stop()

    run(scenario)
    assert states(settings)["changing"].entry_count >= 3


def test_a_run_that_ends_after_its_next_due_time_is_followed_by_the_next() -> None:
    calls: list[datetime] = []

    async def run_source(source: SourceConfig) -> tuple[bool, datetime | None]:
        calls.append(datetime.now(UTC))
        return False, datetime.now(UTC) - timedelta(seconds=1)  # due before it ended

    async def publish() -> None:
        pass

    source = SourceConfig(id="s", name="S", url="http://127.0.0.1:9/", interval=FAST)

    async def scenario() -> None:
        worker = Worker(run_source, publish, start_spread=timedelta(0))
        worker.start([source], {})
        try:
            await until(lambda: len(calls) >= 5, "five runs in a row")
        finally:
            await worker.stop()

    run(scenario)

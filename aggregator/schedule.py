"""When each source is fetched. This module owns APScheduler 3 (its asyncio
scheduler: date-triggered jobs, coalescing, ``max_instances=1``, misfire handling).

Every source is one job, due at the time stored in the database (``next_fetch``),
so a restart neither re-fetches everything at once nor forgets a backoff. After a
run the job is scheduled again at the time the update decided (interval, server
hints, backoff, jitter). A retired source (410 Gone) gets no job. Another job
publishes the outputs when something changed, ``publish_every`` after the last did.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from .models import SourceConfig, SourceState

log = logging.getLogger("aggregator.schedule")

RunSource = Callable[[SourceConfig], Awaitable[tuple[bool, datetime | None]]]
Publish = Callable[[], Awaitable[None]]


class Worker:
    """Runs ``run_source`` for each source when it is due, and ``publish`` every
    ``publish_every`` when a run changed something.

    ``run_source`` returns ``(changed, next_fetch)``; ``next_fetch`` None retires it.
    """

    def __init__(self, run_source: RunSource, publish: Publish, *,
                 publish_every: timedelta = timedelta(seconds=10),
                 start_spread: timedelta = timedelta(seconds=60),
                 rng: random.Random | None = None) -> None:
        self._run_source = run_source
        self._publish = publish
        self._publish_every = publish_every
        self._start_spread = start_spread
        self._rng = rng or random.Random()
        self._dirty = False
        self._inflight: set[asyncio.Task[object]] = set()
        self._stopping = False
        self.scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running) and not self._stopping

    def start(self, sources: Iterable[SourceConfig], states: dict[str, SourceState],
              now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        self.scheduler.start()
        for source in sources:
            state = states.get(source.id)
            if state is not None and state.retired:
                log.info("source %s is retired (410 Gone); not scheduled", source.id,
                         extra={"source": source.id})
                continue
            due = state.next_fetch if state is not None and state.next_fetch else None
            if due is None:
                # never fetched: spread first fetches so they do not all fire at once
                spread = min(self._start_spread, source.interval or self._start_spread)
                due = now + spread * self._rng.random()
            self._schedule(source, max(due, now))
        self._schedule_publish()

    def _schedule_publish(self) -> None:
        """The publish job, ``publish_every`` after the last one ended: a date job that
        schedules the next one, like the sources' (an interval job would log a warning
        at every tick that falls while a long publish is still running)."""
        if self._stopping:
            return
        self.scheduler.add_job(self._publish_job, "date",
                               run_date=datetime.now(UTC) + self._publish_every,
                               id="publish", replace_existing=True)

    def _schedule(self, source: SourceConfig, when: datetime) -> None:
        if self._stopping:
            return
        self.scheduler.add_job(self._job, "date", run_date=when, args=[source],
                               id=f"source:{source.id}", replace_existing=True)

    @contextmanager
    def _tracked(self) -> Iterator[None]:
        """Mark the running job as in flight, so :meth:`stop` lets it finish."""
        task = asyncio.current_task()
        assert task is not None
        self._inflight.add(task)
        try:
            yield
        finally:
            self._inflight.discard(task)

    async def _job(self, source: SourceConfig) -> None:
        with self._tracked():
            try:
                changed, next_fetch = await self._run_source(source)
            except Exception:
                # a bug, not a bad source: keep polling it, and let the error be seen
                self._schedule_after_run(
                    source, datetime.now(UTC) + (source.interval or timedelta(minutes=30)))
                raise
            self._dirty = self._dirty or changed
            if next_fetch is not None:
                self._schedule_after_run(source, next_fetch)

    def _schedule_after_run(self, source: SourceConfig, when: datetime) -> None:
        """Schedule the next run once this one has ended. Until then APScheduler counts
        it as running (``max_instances=1``): a next run due before that (parsing and
        storing took longer than the interval) would be skipped, and a skipped date job
        is dropped, so the source would never be fetched again. The executor's own
        done-callback was added first, so it has released the instance when ours runs."""
        self._after_run(lambda: self._schedule(source, when))

    @staticmethod
    def _after_run(callback: Callable[[], None]) -> None:
        task = asyncio.current_task()
        assert task is not None
        task.add_done_callback(lambda _: callback())

    async def _publish_job(self) -> None:
        self._after_run(self._schedule_publish)
        await self._publish_if_dirty()

    async def _publish_if_dirty(self) -> None:
        if self._dirty:
            with self._tracked():
                self._dirty = False
                try:
                    await self._publish()
                except BaseException:
                    self._dirty = True  # try again next time
                    raise

    async def stop(self, grace: float = 5.0) -> None:
        """Take no new fetches; let running ones finish within ``grace`` seconds, then
        abandon them; publish what changed."""
        self._stopping = True
        if not self.scheduler.running:
            return
        # pause, not shutdown: the asyncio executor's shutdown cancels running jobs at once
        self.scheduler.pause()
        if self._inflight:
            _, pending = await asyncio.wait(set(self._inflight), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self.scheduler.shutdown(wait=False)
        if self._dirty:
            self._dirty = False
            await self._publish()

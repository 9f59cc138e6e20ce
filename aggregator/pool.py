"""Worker processes for the CPU-bound middle of the spine, each call with a time
budget. This module owns multiprocessing.

Parsing strangers' documents can take pathological time (feedparser has known slow
paths, for example on crafted author strings). A thread cannot be stopped, so the
parse runs in a worker process; a call that overruns its budget has its worker
killed and replaced, and the caller gets a :class:`~aggregator.errors.ParseError`
with a plain message. The other calls in flight are not disturbed. Workers also let
the two cores parse at once.

Workers start from a fork server (a clean, single-threaded process), never by
forking the event-loop process with its threads. The fork server loads the parsing
code and the language model once (:mod:`aggregator.preload`); the workers share those
pages with it. Nothing starts until a document needs parsing.

Memory stays bounded: a worker is replaced by a fresh one after ``max_calls`` calls
(what parsing leaves behind in caches and a fragmented heap goes with it), and when the
last pool of the process closes, the fork server stops too. A pool that has had
nothing to parse for ``rest_after`` seconds stops its workers, and the fork server
when no pool has any left: the long-running worker of a small portal, whose few
sources change a few times an hour, holds about 90 MB between fetches instead of
about 230 MB (PSS of the process tree, measured with six sources). Starting them
again costs about a second of CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.spawn
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from .errors import ParseError

T = TypeVar("T")

log = logging.getLogger(__name__)

#: a pool stops its processes after this long with nothing to parse (see above)
REST_AFTER = 60.0


def _serve(connection: Connection) -> None:
    """A worker's loop: run calls until the pipe closes."""
    while True:
        try:
            function, args = connection.recv()
        except (EOFError, OSError):
            return
        try:
            outcome: tuple[str, Any] = ("ok", function(*args))
        except Exception as error:  # sent back to the caller, who raises it
            outcome = ("error", error)
        try:
            connection.send(outcome)
        except Exception as error:  # an answer that cannot be pickled: say so instead
            connection.send(("error", ParseError(f"the worker's answer could not be sent "
                                                 f"back: {error!r}", code="parse_crash")))


def _ready() -> bool:
    return True


class _Worker:
    def __init__(self, context: Any) -> None:
        self.connection, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.calls = 0

    def call(self, function: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
        self.connection.send((function, args))
        result: tuple[str, Any] = self.connection.recv()
        return result

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


_open_pools: set[WorkerPool] = set()
_open_lock = threading.Lock()
_start_lock = threading.Lock()


def _stop_fork_server() -> None:
    """Stop multiprocessing's fork server (it holds the preloaded model): the next
    worker started, if any, starts a new one. ``_stop`` is what CPython's own tests
    use; where it is missing the server simply lives until the process exits."""
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()


class WorkerPool:
    """At most ``workers`` calls at once, each in its own process, each within
    ``budget`` seconds; a worker serves at most ``max_calls`` calls; after
    ``rest_after`` seconds without a call (None: never) the processes stop until the
    next. Use ``async with`` or call :meth:`close`."""

    def __init__(self, workers: int | None = None, budget: float = 30.0,
                 max_calls: int = 16, rest_after: float | None = REST_AFTER) -> None:
        self.size = max(1, workers or os.cpu_count() or 1)
        self.budget = budget
        self.max_calls = max(1, max_calls)
        self.rest_after = rest_after
        self._calls = 0  # calls in flight or waiting for a worker
        self._rest: asyncio.TimerHandle | None = None
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["aggregator.preload"])
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._slots = asyncio.Semaphore(self.size)
        self._waiters = ThreadPoolExecutor(max_workers=self.size,
                                           thread_name_prefix="aggregator-pool")
        self._closed = False
        with _open_lock:
            _open_pools.add(self)

    async def __aenter__(self) -> WorkerPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        self._calls += 1
        if self._rest is not None:
            self._rest.cancel()
            self._rest = None
        try:
            return await self._run(loop, function, args)
        finally:
            self._calls -= 1
            if not self._calls and self.rest_after is not None and not self._closed:
                self._rest = loop.call_later(self.rest_after, self._rest_when_idle, loop)

    async def _run(self, loop: asyncio.AbstractEventLoop, function: Callable[..., T],
                   args: tuple[Any, ...]) -> T:
        async with self._slots:
            # starting a worker (the first one starts the fork server) is not the call's
            # time: the budget only counts once the worker is there
            worker = await loop.run_in_executor(self._waiters, self._take)
            worker.calls += 1
            waiting = loop.run_in_executor(self._waiters, worker.call, function, args)
            try:
                status, value = await asyncio.wait_for(waiting, self.budget)
            except TimeoutError:
                self._discard(worker)
                raise ParseError(
                    f"reading the document took longer than {self.budget:g} s and was "
                    "stopped; it may be pathological or far too large", code="parse_timeout"
                ) from None
            except (EOFError, OSError) as error:  # the worker died (out of memory?)
                self._discard(worker)
                raise ParseError(f"the worker reading the document died ({error!r})",
                                 code="parse_crash") from error
            except BaseException:
                self._discard(worker)  # cancelled mid-call: its answer would be stale
                raise
            if worker.calls >= self.max_calls:
                # its successor starts clean, when needed
                await loop.run_in_executor(self._waiters, self._discard, worker)
            else:
                with self._lock:
                    self._idle.append(worker)
        if status == "error":
            raise value
        result: T = value
        return result

    def _take(self) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        try:
            with _start_lock:  # one at a time: the fork server is shared, and its
                # client code races when it finds the server dead and starts another
                worker = _Worker(self._context)
                with self._lock:  # counted from now: the fork server is not stopped
                    self._all.add(worker)  # under a worker that is still starting
        except (EOFError, OSError) as error:  # the fork server could not start or died
            # (it may die while this process waits for the new worker's pid: EOFError)
            raise ParseError(
                f"no parser process could be started ({error!r}); check that "
                f"{multiprocessing.spawn.get_executable()} can be run by this user",
                code="parse_worker") from error
        try:
            worker.call(_ready, ())  # wait until it runs
        except (EOFError, OSError) as error:
            self._discard(worker)
            raise ParseError(f"a parser process died while starting ({error!r})",
                             code="parse_worker") from error
        return worker

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def _rest_when_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        """(On the event loop, ``rest_after`` after the last call ended.)"""
        self._rest = None
        if not self._calls and not self._closed:
            # (closed meanwhile, from another thread: the executor refuses; nothing to do)
            with contextlib.suppress(RuntimeError):
                loop.run_in_executor(self._waiters, self._stop_idle_processes)

    def _stop_idle_processes(self) -> None:
        """Stop the idle workers, and the fork server when no pool has a worker left
        (the next call starts them again)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._all.difference_update(idle)
        for worker in idle:
            worker.kill()
        # The fork server lives as long as any process it started (each holds a
        # descriptor whose end it waits for): it is stopped only with none left, and
        # no worker starts meanwhile.
        with _start_lock:
            with _open_lock:
                pools = list(_open_pools)
            last = not any(pool.processes for pool in pools)
            if last:
                _stop_fork_server()
        log.info("nothing to parse for %g s: stopped %d parser %s%s", self.rest_after,
                 len(idle), "process" if len(idle) == 1 else "processes",
                 " and the fork server" if last else "", extra={"event": "parsers_rest"})

    @property
    def processes(self) -> int:
        """How many worker processes are running now."""
        with self._lock:
            return len(self._all)

    def close(self) -> None:
        """Stop the workers (and the fork server, when no other pool is open)."""
        with self._lock:
            workers, self._all, self._idle = list(self._all), set(), []
        for worker in workers:
            worker.kill()
        self._waiters.shutdown(wait=False, cancel_futures=True)
        with _open_lock:
            if self._closed:
                return
            self._closed = True
            _open_pools.discard(self)
            last = not _open_pools
        if last:
            _stop_fork_server()

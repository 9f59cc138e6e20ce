"""Parsing in worker processes with a time budget: a pathological document costs its
own source an error and nothing else."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import threading
import time
from datetime import UTC, datetime
from multiprocessing import resource_tracker
from pathlib import Path

import pytest

from aggregator import pool as pool_module
from aggregator.errors import NotAFeedError, ParseError
from aggregator.models import Entry, ParsedFeed, SourceConfig
from aggregator.pool import WorkerPool
from aggregator.reading import parse_and_normalize
from aggregator.service import fetch_once

from conftest import feed_route, load_settings
from httpfixture import FixtureServer, Route


def spin(seconds: float) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"


def die() -> None:
    os._exit(3)


def refuse() -> None:
    raise NotAFeedError("not a feed at all")


def pid() -> int:
    return os.getpid()


def test_a_call_over_budget_is_stopped_and_the_others_finish() -> None:
    async def go() -> tuple[list[object], float]:
        async with WorkerPool(workers=2, budget=5.0) as pool:
            started = time.monotonic()
            results = await asyncio.gather(pool.run(spin, 60), pool.run(spin, 0.2),
                                           return_exceptions=True)
            return results, time.monotonic() - started

    (slow, quick), took = asyncio.run(go())
    assert isinstance(slow, ParseError) and slow.code == "parse_timeout"
    assert "longer than 5 s" in str(slow)
    assert quick == "done"
    assert took < 30  # stopped at the budget, not after the minute it asked for


def test_the_pool_recovers_after_a_worker_is_killed_or_dies() -> None:
    async def go() -> tuple[object, object, str, set[int]]:
        async with WorkerPool(workers=1, budget=3.0) as pool:
            first = await pool.run(pid)
            timed_out = await asyncio.gather(pool.run(spin, 30), return_exceptions=True)
            crashed = await asyncio.gather(pool.run(die), return_exceptions=True)
            after = await pool.run(spin, 0.01)
            return timed_out[0], crashed[0], after, {first, await pool.run(pid)}

    timed_out, crashed, after, pids = asyncio.run(go())
    assert isinstance(timed_out, ParseError) and timed_out.code == "parse_timeout"
    assert isinstance(crashed, ParseError) and crashed.code == "parse_crash"
    assert after == "done"
    assert len(pids) == 2  # a fresh worker replaced the killed one


def test_errors_keep_their_type() -> None:
    async def go() -> None:
        async with WorkerPool(workers=1) as pool:
            await pool.run(refuse)

    with pytest.raises(NotAFeedError, match="not a feed at all"):
        asyncio.run(go())


def huge_rss(items: int, repeat: int = 20) -> bytes:
    entries = "".join(
        f"<item><guid>{n}</guid><title>Meldung {n}</title><link>https://x.example/{n}</link>"
        f"<description>&lt;p&gt;{'Text der Meldung. ' * repeat}&lt;/p&gt;</description></item>"
        for n in range(items))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<link>https://x.example/</link><description>d</description>{entries}"
            f"</channel></rss>").encode()


def test_a_parser_process_sends_back_the_feed_head_and_the_entries_only() -> None:
    """What travels back from a parser process: the feed's head and the normalised
    entries, not the raw parsed entries as well (a third of the bytes to pickle)."""
    source = SourceConfig(id="x", name="X", url="https://x.example/feed.xml")

    async def go() -> tuple[ParsedFeed, list[Entry]]:
        async with WorkerPool(workers=1) as pool:
            return await pool.run(parse_and_normalize, huge_rss(50), source.url,
                                  "application/rss+xml", source,
                                  datetime(2026, 11, 27, tzinfo=UTC), ("de",))

    parsed, entries = asyncio.run(go())
    assert (parsed.format, parsed.title, parsed.link) == ("rss20", "t", "https://x.example/")
    assert parsed.entries == ()
    assert [entry.guid for entry in entries] == [str(n) for n in range(50)]


def test_a_document_over_budget_fails_its_source_only(server: FixtureServer,
                                                      tmp_path: Path) -> None:
    # 1,000 items (the most read from one document) of 9 KB each: seconds of parsing
    server.add("/huge", Route(body=huge_rss(1000, repeat=500),
                              headers={"Content-Type": "application/rss+xml"}))
    settings = load_settings(tmp_path, [
        {"id": "huge", "name": "Huge", "url": server.url("/huge")},
        {"id": "good", "name": "Good", "url": server.add("/good", feed_route("uk-rss2.xml"))},
    ], parse_timeout="1s", max_body_size="50MiB")
    results, _ = asyncio.run(fetch_once(settings, settings.sources))
    by_id = {result.source_id: result for result in results}
    assert by_id["huge"].error_code == "parse_timeout"
    assert "took longer than 1 s" in str(by_id["huge"].error)
    assert by_id["good"].error is None and by_id["good"].counts.new == 2


def test_workers_start_when_needed_and_are_replaced_after_max_calls() -> None:
    async def go() -> tuple[int, list[int], int]:
        async with WorkerPool(workers=1, budget=10.0, max_calls=2) as pool:
            before = pool.processes
            pids = [await pool.run(pid) for _ in range(5)]
            return before, pids, pool.processes

    before, pids, after = asyncio.run(go())
    assert before == 0  # nothing starts until there is something to parse
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
    assert after == 1


def descendants() -> set[int]:
    """The ids of this process's descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:  # "pid (name) state ppid ...": the name may hold spaces and ")"
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # it ended meanwhile
    found: set[int] = set()
    level = {os.getpid()}
    while level:
        level = {child for child, parent in parents.items() if parent in level} - found
        found |= level
    return found


def test_an_idle_pool_stops_its_processes_and_starts_them_again_when_needed() -> None:
    """The worker of a small portal keeps no parser processes between its fetches: after
    ``rest_after`` seconds with nothing to parse, the workers and the fork server (with
    the language model) stop; the next document starts them again."""
    async def go() -> tuple[int, set[int], int, set[int], int, int]:
        async with WorkerPool(workers=1, budget=10.0, rest_after=0.5) as pool:
            first = await pool.run(pid)
            busy = descendants()
            await asyncio.sleep(0.2)
            before_rest = pool.processes
            deadline = time.monotonic() + 10  # (it takes a fraction of a second)
            while len(busy - descendants()) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            resting = descendants()
            processes = pool.processes
            return first, busy, before_rest, resting, processes, await pool.run(pid)

    first, busy, before_rest, resting, processes, second = asyncio.run(go())
    assert first in busy and before_rest == 1  # not before rest_after
    assert processes == 0 and first not in resting
    assert len(busy - resting) == 2  # the worker and the fork server
    assert resting <= busy  # (the resource tracker stays)
    assert second != first  # started again


def slow_ready() -> bool:
    time.sleep(1.0)
    return True


def test_a_pool_that_rests_while_a_worker_starts_leaves_that_worker_and_its_server(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The rest (stopping the idle workers and the fork server) may run while a call is
    starting a worker. The fork server lives as long as any process it started, so
    stopping it then would wait for that worker for good, holding the lock that every
    start takes: the pool must count a worker from its start."""
    monkeypatch.setattr(pool_module, "_ready", slow_ready)  # a worker takes 1 s to start

    async def go() -> tuple[int, bool, int]:
        async with WorkerPool(workers=1, budget=10.0, rest_after=None) as pool:
            call = asyncio.ensure_future(pool.run(pid))
            await asyncio.sleep(0.3)  # its worker is starting now
            rest = threading.Thread(target=pool._stop_idle_processes, daemon=True)
            rest.start()
            first = await call
            await asyncio.to_thread(rest.join, 10)
            return first, rest.is_alive(), await pool.run(pid)

    first, rest_hangs, second = asyncio.run(go())
    assert not rest_hangs
    assert second == first  # the same worker: nothing was stopped under it


def test_parser_processes_that_cannot_start_fail_the_sources_with_a_clear_error(
        server: FixtureServer, tmp_path: Path) -> None:
    """An interpreter this user may not run (seen as a non-root user with Python under
    /root): each source gets an error that says so, the pass goes on, nothing crashes."""
    not_runnable = tmp_path / "python"
    not_runnable.write_text("#!/bin/sh\n")
    not_runnable.chmod(0o644)
    settings = load_settings(tmp_path, [
        {"id": "a", "name": "A", "url": server.add("/a", feed_route("uk-rss2.xml"))},
        {"id": "b", "name": "B", "url": server.add("/b", feed_route("uk-rss2.xml"))},
    ])
    # multiprocessing's resource tracker is started with the same interpreter the first
    # time a process is: started now, it is not the one that fails (run alone, this
    # test would otherwise start it with the bad interpreter, and the recovery below
    # would meet its "relaunching" warning)
    resource_tracker.ensure_running()
    multiprocessing.set_executable(str(not_runnable))
    try:
        results, _ = asyncio.run(fetch_once(settings, settings.sources))
    finally:
        multiprocessing.set_executable(sys.executable)
    assert [result.error_code for result in results] == ["parse_worker", "parse_worker"]
    assert all(str(not_runnable) in str(result.error) for result in results)
    results, _ = asyncio.run(fetch_once(settings, settings.sources))  # and it recovers
    assert [(result.error, result.counts.new) for result in results] == [(None, 2)] * 2

"""10,000 sources at a 30-minute interval on the real scheduler, in compressed time.

The real :class:`aggregator.schedule.Worker` (APScheduler 3, one date job per source,
rescheduled after every run, the periodic publish job) runs with a stub
``run_source``: it records how late it was called (now - the due time it returned
last time), sleeps ``--fetch-ms`` (a conditional GET in flight) and answers
"changed" for 10 % of the calls (``--changed``) and 304 for the rest; the next due
time is ``now + interval`` moved by the pipeline's own jitter
(``aggregator.decide.jittered``). The stub ``publish`` only counts.

Time is compressed by ``--compress`` (default 100): the 30-minute interval becomes
18 s and the simulated hour 36 s, so the scheduler does in 36 s the work of an hour.
Figures in real time: average CPU = CPU seconds used during the simulated hour /
3600 s (the work per fetch does not depend on the compression); due-time lag =
measured lag x compression (conservative: the compressed run has 100 times the
arrival rate, so its queues are longer than the real ones). Peak memory: the
process's PSS, sampled. Sources start in steady state: their first due times
spread evenly over one interval, as after a restart of a long-running service; the
measured hour starts one interval after the start, when the first source is due
(adding the jobs takes seconds, and must not make a backlog of its own).

This measures the scheduler's own cost, not the pipeline's: the cost of the fetches
themselves (a 304 is about a millisecond or two of CPU, a changed feed a parse) is in
``bench/ingest.py``'s warm and cold figures; ``bench/run.py`` adds them up into an
estimate of the whole service.

    python bench/scale.py [--sources 10000] [--compress 100] [--hours 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import resource
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from aggregator.decide import jittered
from aggregator.models import SourceConfig, SourceState
from aggregator.schedule import Worker


async def simulate(sources: int, compress: float, hours: float, fetch_ms: float,
                   changed: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    interval = timedelta(minutes=30) / compress
    duration = 3600 * hours / compress
    now = datetime.now(UTC)
    configs = [SourceConfig(id=f"s{index:05d}", name=f"Source {index}",
                            url=f"http://127.0.1.{1 + index % 200}/feeds/{index}.xml",
                            interval=interval) for index in range(sources)]
    # steady state: first due times spread evenly over one interval, the interval after
    # the one in which the jobs are added (which takes seconds)
    due = {config.id: now + interval + interval * rng.random() for config in configs}
    states = {config.id: SourceState(id=config.id, next_fetch=due[config.id])
              for config in configs}
    lags: list[float] = []
    in_flight = 0
    most_in_flight = 0
    publishes = 0
    measuring = False

    async def run_source(source: SourceConfig) -> tuple[bool, datetime | None]:
        nonlocal in_flight, most_in_flight
        started = datetime.now(UTC)
        if measuring:
            lags.append((started - due[source.id]).total_seconds())
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        await asyncio.sleep(fetch_ms / 1000)
        in_flight -= 1
        finished = datetime.now(UTC)
        due[source.id] = jittered(finished, interval, rng.random())
        return rng.random() < changed, due[source.id]

    async def publish() -> None:
        nonlocal publishes
        publishes += 1

    process = psutil.Process()
    worker = Worker(run_source, publish, publish_every=timedelta(seconds=10) / compress * 10,
                    start_spread=interval)
    setup_started = time.perf_counter()
    worker.start(configs, states, now=now)
    setup = time.perf_counter() - setup_started
    # adding 10,000 jobs takes a while: the measured time starts with the first due time
    await asyncio.sleep(max(0.0, (now + interval - datetime.now(UTC)).total_seconds()))
    peak = 0
    cpu_before = process.cpu_times()
    measuring = True
    started = time.perf_counter()
    while time.perf_counter() - started < duration:
        await asyncio.sleep(0.25)
        peak = max(peak, process.memory_full_info().pss)
    measuring = False
    cpu_after = process.cpu_times()
    wall = time.perf_counter() - started
    await worker.stop(1.0)
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    lags.sort()

    def pct(q: float) -> float:
        return lags[min(len(lags) - 1, int(q * len(lags)))] if lags else float("nan")

    real_seconds = 3600 * hours
    return {
        "sources": sources, "compress": compress, "interval_s": interval.total_seconds(),
        "simulated_hours": hours, "wall_s": wall, "setup_s": setup, "runs": len(lags),
        "expected_runs": sources * real_seconds / 1800, "publishes": publishes,
        "most_in_flight": most_in_flight,
        "cpu_s": cpu, "cpu_share_compressed": cpu / wall,
        "cpu_share_real": cpu / real_seconds,
        "peak_pss_mb": peak / 2**20,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "lag_p50_s": pct(0.5) * compress, "lag_p99_s": pct(0.99) * compress,
        "lag_max_s": (lags[-1] if lags else float("nan")) * compress,
        "lag_mean_s": (statistics.fmean(lags) if lags else float("nan")) * compress,
        "lag_p99_compressed_s": pct(0.99), "threads": threading.active_count(),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--compress", type=float, default=100)
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--fetch-ms", type=float, default=5.0)
    parser.add_argument("--changed", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a quarter of the hour")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.quick:
        args.hours = 0.25
    # "skipped: maximum number of running instances" of the publish job is APScheduler
    # saying the previous publish still runs; counted by the publishes figure instead
    logging.getLogger("apscheduler").setLevel(logging.CRITICAL)
    result = asyncio.run(simulate(args.sources, args.compress, args.hours, args.fetch_ms,
                                  args.changed, args.seed))
    print(f"{result['sources']} sources, interval {result['interval_s']:.1f} s "
          f"(30 min / {args.compress:g}), {result['simulated_hours']:g} simulated hour(s) "
          f"in {result['wall_s']:.1f} s (start: {result['setup_s']:.1f} s): {result['runs']} runs "
          f"(expected {result['expected_runs']:.0f}), {result['publishes']} publishes")
    print(f"CPU {result['cpu_s']:.2f} s = {100 * result['cpu_share_compressed']:.1f} % of a "
          f"core compressed = {100 * result['cpu_share_real']:.2f} % of a core in real time; "
          f"peak PSS {result['peak_pss_mb']:.1f} MB")
    print(f"due-time lag (real-time equivalent, x{args.compress:g}): p50 "
          f"{result['lag_p50_s']:.1f} s, p99 {result['lag_p99_s']:.1f} s, max "
          f"{result['lag_max_s']:.1f} s (p99 compressed {result['lag_p99_compressed_s']:.3f} s)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

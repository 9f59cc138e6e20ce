"""The HTTP stack alone: CPU of 500 conditional GETs that all answer 304, two ways:

* ``ours``: our ``Fetcher`` (a GET handed straight to httpx's transport);
* ``httpx-client``: httpx's client on the same kind of transport, the way ``Fetcher``
  fetched before 66f63f1.

Both leave a 304's empty body unread, so httpcore closes its connection (see
``Fetcher._get``).

The benchmark corpus (``bench/corpus.py``) is served by ``bench/feedserver.py`` on its
loopback hosts. Every URL is fetched once for its ETag; then each run is a fresh
Python process that imports what it needs, starts a clock, sends every conditional
GET (``--concurrency`` at once, default 16, as the ingest benchmark's feeds.toml) on
uvloop as ``aggregator fetch`` does (``--loop asyncio``: on asyncio's own loop), and
reports the CPU time and wall time of the requests alone (no imports, no database,
no parsing). The two alternate ``--rounds`` times (default 5); medians are printed.

    python bench/fetch.py [--feeds 500] [--rounds 5] [--concurrency 16] [--loop asyncio]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import feedserver

SIDES = ("ours", "httpx-client")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(side: str, tags_file: Path, concurrency: int, loop: str) -> dict[str, Any]:
    import asyncio

    import httpx

    from aggregator import service
    from aggregator.fetch import Fetcher
    from aggregator.models import FetchLimits, FetchRequest

    tags: dict[str, str] = json.loads(tags_file.read_text())
    limits = FetchLimits(connect_timeout=10, read_timeout=10, deadline=60,
                         max_body_bytes=16 * 1024 * 1024)

    pool = httpx.Limits(max_connections=100, max_keepalive_connections=20)

    async def ours() -> list[int]:
        async with Fetcher(limits, "bench", allow_private=True) as fetcher:
            gate = asyncio.Semaphore(concurrency)

            async def one(url: str, etag: str) -> int:
                async with gate:
                    return (await fetcher.fetch(FetchRequest(url, etag=etag))).status
            return list(await asyncio.gather(*(one(u, t) for u, t in tags.items())))

    async def httpx_client() -> list[int]:
        async with httpx.AsyncClient(limits=pool, trust_env=False) as client:
            gate = asyncio.Semaphore(concurrency)

            async def one(url: str, etag: str) -> int:
                async with gate, client.stream(
                        "GET", url, headers={"If-None-Match": etag}) as response:
                    return response.status_code
            return list(await asyncio.gather(*(one(u, t) for u, t in tags.items())))

    started, cpu = time.perf_counter(), cpu_seconds()
    work = ours() if side == "ours" else httpx_client()
    statuses = service.run(work) if loop == "uvloop" else asyncio.run(work)
    return {"wall_s": time.perf_counter() - started, "cpu_s": cpu_seconds() - cpu,
            "not_modified": statuses.count(304), "requests": len(statuses)}


def etags(urls: list[str]) -> dict[str, str]:
    import urllib.request

    found = {}
    for url in urls:
        with urllib.request.urlopen(url, timeout=10) as answer:
            found[url] = answer.headers["ETag"]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument("--child", choices=SIDES)
    parser.add_argument("--tags", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.tags, args.concurrency, args.loop)))
        return
    corpus_path = corpus.corpus_dir(args.feeds, args.seed)
    infos = corpus.generate(corpus_path, args.feeds, args.seed)
    figures: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    with feedserver.running(corpus_path, corpus.HOSTS) as port, \
            tempfile.TemporaryDirectory() as scratch:
        tags_file = Path(scratch) / "etags.json"
        tags_file.write_text(json.dumps(etags(
            [f"http://{info.host}:{port}{info.path}" for info in infos])))
        for _ in range(args.rounds):
            for side in SIDES:
                done = subprocess.run(
                    [sys.executable, __file__, "--child", side, "--tags", str(tags_file),
                     "--concurrency", str(args.concurrency), "--loop", args.loop],
                    capture_output=True, text=True, check=True)
                run = json.loads(done.stdout.strip().splitlines()[-1])
                if run["not_modified"] != run["requests"]:
                    raise SystemExit(f"{side}: not every answer was a 304: {run}")
                figures[side].append(run)
                print(f"  {side:13} wall {run['wall_s']:.3f} s  cpu {run['cpu_s']:.3f} s",
                      flush=True)
    print(f"\n{len(infos)} conditional GETs, all 304, concurrency {args.concurrency}, "
          f"on {args.loop}, medians of {args.rounds}:")
    for side in SIDES:
        cpu = statistics.median(run["cpu_s"] for run in figures[side])
        wall = statistics.median(run["wall_s"] for run in figures[side])
        print(f"  {side:13} cpu {cpu:.3f} s ({cpu / len(infos) * 1000:.2f} ms per request), "
              f"wall {wall:.3f} s")


if __name__ == "__main__":
    main()

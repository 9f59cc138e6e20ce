"""The worker's memory over a few hundred fetches.

Runs the real worker (the scheduler, the pipeline and publishing, composed as
`aggregator run` composes them) with sub-second intervals against a local HTTP
server that serves the fixture feeds of tests/data/feeds three ways: with an ETag
(answered 304), without validators (the same body again: not parsed again), and one
feed that gains an entry on every request (parsed, stored and published every time).
Prints the resident set size (VmRSS) after start-up and every 100 fetches.

    python bench/worker.py            # 300 fetches
    python bench/worker.py -n 1000

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.server
import os
import tempfile
import threading
import time
from pathlib import Path

from aggregator import config
from aggregator.metrics import Metrics
from aggregator.service import _worker
from aggregator.store import Store
from aggregator.update import Pipeline

FEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "feeds"


def rss_kib(pid: str = "self", file: str = "status", field: str = "VmRSS:") -> int:
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid: str) -> int:
    """Proportional set size: shared pages (forked from one parent) counted once."""
    return rss_kib(pid, "smaps_rollup", "Pss:")


def children_rss_kib() -> tuple[int, int]:
    """Our descendants' memory together (the parser worker processes and the process
    they are forked from; proportional set size), and how many there are."""
    parents: dict[str, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[stat.parent.name] = fields[1]
    mine, found = {str(os.getpid())}, True
    while found:
        found = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                found = True
    mine.discard(str(os.getpid()))
    return sum(pss_kib(pid) for pid in mine), len(mine)


class Feeds(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    changing = 0
    lock = threading.Lock()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        kind, _, name = self.path.strip("/").partition("/")
        if kind == "changing":
            with self.lock:
                Feeds.changing += 1
                count = Feeds.changing
            items = "".join(f"<item><title>Meldung {n}</title><link>https://c.example/{n}</link>"
                            f"<description>Neu: Nummer {n}</description></item>"
                            for n in range(max(0, count - 50), count))
            body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>C</title>'
                    f"<link>https://c.example/</link>{items}</channel></rss>").encode()
            return self.send(200, body, {})
        path = FEEDS / name
        if not path.is_file():
            return self.send(404, b"not found", {})
        body = path.read_bytes()
        if kind == "etag":
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                return self.send(304, b"", {"ETag": etag})
            return self.send(200, body, {"ETag": etag})
        return self.send(200, body, {})

    def send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)


async def run(fetches: int, folder: Path, port: int) -> None:
    names = sorted(p.name for p in FEEDS.iterdir() if p.suffix in (".xml", ".atom", ".rdf")
                   and p.name not in ("empty.xml",))
    sources = [{"id": f"{kind}-{index}", "name": f"{kind} {index}",
                "url": f"http://127.0.0.1:{port}/{kind}/{name}"}
               for kind in ("etag", "plain") for index, name in enumerate(names)]
    sources.append({"id": "changing", "name": "Changing",
                    "url": f"http://127.0.0.1:{port}/changing/feed"})
    document = {"aggregator": {"title": "Bench", "base_url": "http://bench.test/",
                               "interval": "300ms", "per_host": 4,
                               "allow_private_networks": True},  # the feeds are on loopback
                "source": sources}
    settings = config.parse(document, folder / "feeds.toml", {})
    metrics = Metrics()
    print(f"{len(sources)} sources, interval 300 ms; VmRSS at start {rss_kib() / 1024:.1f} MiB")

    def done() -> int:
        return int(sum(sample.value for family in metrics.registry.collect()
                       if family.name == "aggregator_fetches"
                       for sample in family.samples if sample.name.endswith("_total")))

    started = time.monotonic()
    async with Pipeline(settings) as pipeline:
        worker = _worker(pipeline, metrics)
        worker.start(settings.sources, await pipeline.db(Store.states))
        mark = 100
        while done() < fetches:
            await asyncio.sleep(0.05)
            if done() >= mark:
                children, count = children_rss_kib()
                print(f"{done():5d} fetches, {time.monotonic() - started:6.1f} s: "
                      f"VmRSS {rss_kib() / 1024:.1f} MiB; {count} child processes (parser "
                      f"workers) {children / 1024:.1f} MiB PSS together")
                mark += 100
        await worker.stop()
        entries = await pipeline.db(Store.count)
    outcomes = {sample.labels["outcome"]: int(sample.value)
                for family in metrics.registry.collect() if family.name == "aggregator_fetches"
                for sample in family.samples if sample.name.endswith("_total")}
    print(f"{done()} fetches in {time.monotonic() - started:.1f} s {outcomes}; "
          f"{entries} entries stored; VmRSS at the end {rss_kib() / 1024:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--fetches", type=int, default=300)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feeds)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(run(args.fetches, Path(folder), server.server_address[1]))
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()

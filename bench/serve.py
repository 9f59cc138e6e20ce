"""How many conditional GETs of /feed.atom `aggregator serve` answers per second.

Sets up a portal in a temporary folder (the fixture feeds of tests/data/feeds served
on 127.0.0.1, `aggregator fetch`, then `aggregator serve` on a free port), or uses a
running server (``--url``). Then C keep-alive connections (raw asyncio sockets, so the
client costs little next to the server) send N requests in all, each with the
ETag the server gave (``If-None-Match``), and the script prints requests per second
and latency percentiles. ``--full`` sends plain GETs (200, gzip) instead.

    python bench/serve.py                      # 64 connections, 20000 requests
    python bench/serve.py -c 16 -n 5000 --full
    python bench/serve.py --url http://127.0.0.1:8080/feed.atom

Prints figures; asserts nothing. Client and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.server
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

FEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "feeds"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def portal() -> Iterator[str]:
    """A published portal served by `aggregator serve`; yields the URL of /feed.atom."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    feeds = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        Quiet, directory=str(FEEDS)))
    threading.Thread(target=feeds.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as folder:
        names = sorted(p.name for p in FEEDS.iterdir() if p.suffix in (".xml", ".atom", ".rdf"))
        blocks = "".join(
            f'\n[[source]]\nid = "s{index}"\nname = "Partner {index}"\n'
            f'url = "http://127.0.0.1:{feeds.server_address[1]}/{name}"\n'
            for index, name in enumerate(names))
        config = Path(folder) / "feeds.toml"
        config.write_text('[aggregator]\ntitle = "Bench"\nbase_url = "http://bench.test/"\n'
                          'allow_private_networks = true\n'
                          'interval = "30m"\n' + blocks, encoding="utf-8")
        command = [sys.executable, "-m", "aggregator"]
        subprocess.run([*command, "fetch", "--config", str(config)], check=True,
                       capture_output=True, cwd=folder)
        port = free_port()
        server = subprocess.Popen([*command, "serve", "--config", str(config)], cwd=folder,
                                  env={**os.environ, "AGGREGATOR_PORT": str(port)},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2).read()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("aggregator serve did not come up") from None
                    time.sleep(0.05)
            yield base + "/feed.atom"
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
            feeds.shutdown()


async def connection(host: str, port: int, request: bytes, count: int,
                     latencies: list[float], statuses: Counter[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(count):
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses[int(lines[0].split()[1])] += 1
    finally:
        writer.close()


async def load(url: str, connections: int, total: int, full: bool) -> None:
    with urllib.request.urlopen(url, timeout=10) as response:
        etag = response.headers["ETag"]
        size = len(response.read())
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    headers = [f"GET {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}",
               "User-Agent: bench/serve.py", "Accept-Encoding: gzip"]
    if not full:
        headers.append(f"If-None-Match: {etag}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    shares = [total // connections + (1 if i < total % connections else 0)
              for i in range(connections)]
    started = time.perf_counter()
    await asyncio.gather(*(connection(host, port, request, share, latencies, statuses)
                           for share in shares if share))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    kind = "GET (gzip)" if full else "conditional GET (If-None-Match)"
    print(f"{kind} {url} ({size:,} bytes uncompressed), ETag {etag}")
    print(f"{len(latencies):,} requests over {connections} keep-alive connections "
          f"in {elapsed:.2f} s; status counts {dict(statuses)}")
    print(f"throughput: {len(latencies) / elapsed:,.0f} requests/s")
    print(f"latency: mean {statistics.fmean(latencies) * 1000:.1f} ms, p50 {percentile(50):.1f} "
          f"ms, p90 {percentile(90):.1f} ms, p99 {percentile(99):.1f} ms, "
          f"max {latencies[-1] * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--connections", type=int, default=64)
    parser.add_argument("-n", "--requests", type=int, default=20_000)
    parser.add_argument("--url", help="a running server's /feed.atom (default: start one)")
    parser.add_argument("--full", action="store_true", help="plain GETs instead of 304s")
    parser.add_argument("--warmup", type=int, default=500, help="requests before measuring")
    args = parser.parse_args()

    def run(url: str) -> None:
        if args.warmup:
            with open(os.devnull, "w") as quiet:
                stdout, sys.stdout = sys.stdout, quiet
                try:
                    asyncio.run(load(url, min(args.connections, args.warmup), args.warmup,
                                     args.full))
                finally:
                    sys.stdout = stdout
        asyncio.run(load(url, args.connections, args.requests, args.full))

    if args.url:
        run(args.url)
    else:
        with portal() as url:
            run(url)


if __name__ == "__main__":
    main()

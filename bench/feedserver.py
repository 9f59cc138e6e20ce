"""A small, fast HTTP/1.1 server for the benchmark corpus, on loopback addresses only.

Serves ``<corpus>/feeds/*.xml`` at ``/feeds/NNNN.xml`` on every address given (the
corpus puts each partner on its own 127.0.1.x), with ``ETag`` and ``Last-Modified``
taken from the file (mtime and size: a file rewritten by a benchmark is a new version)
and ``304 Not Modified`` for ``If-None-Match`` / ``If-Modified-Since``; keep-alive;
no compression (so the server spends little of the machine's two cores). Optionally
every response waits ``--latency`` seconds first, like a far-away server.

It is one asyncio process, so it costs the measured clients little CPU, and it
counts requests by status (``GET /_stats`` answers them as JSON).

    python bench/feedserver.py --corpus DIR --port 8700 --hosts 200 [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path


class Files:
    """The corpus files, read when their mtime or size changes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, tuple[tuple[int, int], bytes, str, str, float]] = {}

    def get(self, path: str) -> tuple[bytes, str, str, float] | None:
        if not path.startswith("/feeds/") or "/" in path[7:] or ".." in path:
            return None
        file = self.root / "feeds" / path[7:]
        try:
            stat = os.stat(file)
        except OSError:
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self.cache.get(path)
        if cached is None or cached[0] != key:
            etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
            cached = (key, file.read_bytes(), etag, formatdate(stat.st_mtime, usegmt=True),
                      float(int(stat.st_mtime)))
            self.cache[path] = cached
        return cached[1], cached[2], cached[3], cached[4]


def content_type(body: bytes) -> bytes:
    return b"application/atom+xml" if b"<feed" in body[:400] else b"application/rss+xml"


class Server:
    def __init__(self, files: Files, latency: float) -> None:
        self.files = files
        self.latency = latency
        self.counts: Counter[int] = Counter()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, version = ([*lines[0].split(" "), "", ""])[:3]
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                if length:
                    await reader.readexactly(length)
                if self.latency:
                    await asyncio.sleep(self.latency)
                status, extra, body = self.answer(method, target.split("?")[0], headers)
                self.counts[status] += 1
                close = (headers.get("connection", "").lower() == "close"
                         or version == "HTTP/1.0")
                reason = {200: b"OK", 304: b"Not Modified", 404: b"Not Found"}.get(
                    status, b"Other")
                out = [b"HTTP/1.1 %d %s\r\n" % (status, reason),
                       b"Server: bench-feedserver\r\n",
                       b"Content-Length: %d\r\n" % len(body),
                       *extra,
                       b"Connection: close\r\n\r\n" if close else b"\r\n"]
                writer.write(b"".join(out))
                if method != "HEAD" and body:
                    writer.write(body)
                await writer.drain()
                if close:
                    return
        except ConnectionError:
            return
        finally:
            writer.close()

    def answer(self, method: str, path: str, headers: dict[str, str]
               ) -> tuple[int, list[bytes], bytes]:
        if path == "/_stats":
            return 200, [b"Content-Type: application/json\r\n"], json.dumps(
                {str(k): v for k, v in self.counts.items()}).encode()
        found = self.files.get(path)
        if found is None:
            return 404, [b"Content-Type: text/plain\r\n"], b"not found\n"
        body, etag, modified, mtime = found
        validators = [b"ETag: %s\r\n" % etag.encode(),
                      b"Last-Modified: %s\r\n" % modified.encode()]
        match = headers.get("if-none-match")
        if match is not None:
            if etag in [tag.strip() for tag in match.split(",")] or match.strip() == "*":
                return 304, validators, b""
        elif headers.get("if-modified-since"):
            try:
                since = parsedate_to_datetime(headers["if-modified-since"]).timestamp()
            except (TypeError, ValueError):
                since = None
            if since is not None and mtime <= since:
                return 304, validators, b""
        return 200, [b"Content-Type: %s; charset=utf-8\r\n" % content_type(body),
                     *validators], body


async def serve(corpus: Path, port: int, hosts: list[str], latency: float) -> None:
    server = Server(Files(corpus), latency)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    listening = await asyncio.start_server(server.handle, host=hosts, port=port,
                                           backlog=1024, reuse_address=True)
    print("ready", flush=True)
    async with listening:
        await stop.wait()


def loopback_hosts(count: int) -> list[str]:
    return ["127.0.0.1", *(f"127.0.1.{1 + index}" for index in range(count))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(corpus: Path, hosts: int, latency: float = 0.0, port: int | None = None
            ) -> Iterator[int]:
    """Start the server in its own process (on ``port``, or a free one); yield its port;
    stop it."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--corpus", str(corpus), "--port", str(port),
         "--hosts", str(hosts), "--latency", str(latency)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise SystemExit("the feed server did not start")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stats", timeout=5) as answer:
        return dict(json.loads(answer.read()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(serve(args.corpus, args.port, loopback_hosts(args.hosts), args.latency))


if __name__ == "__main__":
    main()

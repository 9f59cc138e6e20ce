"""Conditional GETs of /feed.atom with 64 connections: `aggregator serve` next to nginx.

Both serve the same published ``output_dir`` on 127.0.0.1: ``aggregator serve``
(started with ``AGGREGATOR_PORT``), then nginx (Debian's package; 2 worker processes,
``etag on``, access log off, no gzip) as the reference for static serving. The load generator
is wrk (Debian's package), a C program, with 2 threads and 64 keep-alive connections,
each request carrying the ETag the server gave (``If-None-Match``), so every answer is
a 304. wrk and the server share the machine's 2 cores. Prints requests/s, latency
percentiles (wrk ``--latency``) and the server's CPU use; ``--full`` adds plain GETs
(200, whole document, gzip where the server offers it).

    python bench/serving.py --workdir DIR     # a portal: feeds.toml, aggregator.db, public/
    python bench/serving.py                   # makes a small portal from the corpus first

The same by hand, against a running server::

    ETAG=$(curl -sI http://127.0.0.1:8080/feed.atom | sed -n 's/^[Ee][Tt]ag: //p' | tr -d '\\r')
    wrk -t2 -c64 -d10s --latency -H "If-None-Match: $ETAG" http://127.0.0.1:8080/feed.atom
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import feedserver
import publish

NGINX = """
worker_processes 2;
user root;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    etag on;
    gzip off;  # on-the-fly gzip of a 165 kB file would measure zlib, not serving
    types {{ application/atom+xml atom; application/rss+xml rss; application/json json;
             text/html html; }}
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
    }}
}}
"""


def wait_up(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 1800  # `aggregator serve` publishes first when out of date
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"{what} did not come up") from None
            time.sleep(0.2)


@contextmanager
def aggregator_server(workdir: Path) -> Iterator[tuple[str, int, float]]:
    port = feedserver.free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "aggregator", "serve", "--config", str(workdir / "feeds.toml")],
        cwd=workdir, env={**os.environ, "AGGREGATOR_PORT": str(port)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(f"http://127.0.0.1:{port}/healthz", process, "aggregator serve")
        yield f"http://127.0.0.1:{port}/feed.atom", process.pid, time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def nginx_server(root: Path) -> Iterator[tuple[str, int]]:
    port = feedserver.free_port()
    prefix = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    (prefix / "tmp").mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX.format(prefix=prefix, port=port, root=root.resolve()), "utf-8")
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(prefix)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(f"http://127.0.0.1:{port}/feed.atom", process, "nginx")
        yield f"http://127.0.0.1:{port}/feed.atom", process.pid
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(prefix, ignore_errors=True)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        return float("nan")
    return float(match[1]) * _UNITS[match[2]]


def wrk(url: str, headers: dict[str, str], connections: int, seconds: float,
        server_pid: int) -> dict[str, Any]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    server = psutil.Process(server_pid)
    tree = [server, *server.children(recursive=True)]
    before = sum(sum(p.cpu_times()[:2]) for p in tree)
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    after = sum(sum(p.cpu_times()[:2]) for p in tree)
    figures: dict[str, Any] = {"server_cpu_share": (after - before) / seconds}
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    figures["rps"] = float(match[1]) if match else float("nan")
    for percent in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{percent}%\s+(\S+)", output, re.MULTILINE)
        figures[f"p{percent}_ms"] = _ms(match[1]) if match else float("nan")
    match = re.search(r"(\d+) requests in", output)
    figures["requests"] = int(match[1]) if match else 0
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["bad"] = int(match[1]) if match else 0
    errors = re.search(r"Socket errors: (.*)", output)
    figures["socket_errors"] = errors[1] if errors else ""
    return figures


def probe(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], int]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), len(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), 0


def bench_server(name: str, url: str, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    status, headers, size = probe(url, {})
    etag = headers.get("ETag") or headers.get("etag")
    if not etag:
        raise SystemExit(f"{name} sent no ETag for {url}")
    check, _, _ = probe(url, {"If-None-Match": etag})
    result: dict[str, Any] = {"status": status, "bytes": size, "etag": etag,
                              "conditional_status": check}
    wrk(url, {"If-None-Match": etag}, args.connections, 2, pid)  # warm-up
    result["conditional"] = wrk(url, {"If-None-Match": etag}, args.connections,
                                args.seconds, pid)
    if args.full:
        result["full"] = wrk(url, {"Accept-Encoding": "gzip"}, args.connections,
                             args.seconds, pid)
    return result


def describe(name: str, kind: str, figures: dict[str, Any]) -> str:
    return (f"{name:10} {kind:11} {figures['rps']:9.0f} req/s  p50 {figures['p50_ms']:6.2f} ms"
            f"  p99 {figures['p99_ms']:6.2f} ms"
            f"  server CPU {100 * figures['server_cpu_share']:4.0f} %"
            f"  ({figures['requests']} requests, {figures['bad']} not 2xx/3xx"
            f"{', socket errors ' + figures['socket_errors'] if figures['socket_errors'] else ''})")


def small_portal(scratch: Path) -> Path:
    corpus_path = corpus.corpus_dir(500, 1)
    corpus.generate(corpus_path, 500, 1)
    folder, _ = publish.portal(3000, corpus_path, scratch, 16, 2)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, help="a published portal (feeds.toml ...)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--full", action="store_true", help="also plain GETs (200)")
    parser.add_argument("--scratch", type=Path, default=corpus.CACHE / "serve")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("nginx") is None:
        raise SystemExit("needs wrk and nginx: apt-get install -y wrk nginx")
    workdir = args.workdir or small_portal(args.scratch)
    results: dict[str, Any] = {"connections": args.connections, "seconds": args.seconds}
    with aggregator_server(workdir) as (url, pid, startup):
        results["aggregator"] = bench_server("aggregator", url, pid, args)
        results["aggregator"]["startup_s"] = startup
    with nginx_server(workdir / "public") as (url, pid):
        results["nginx"] = bench_server("nginx", url, pid, args)
    for name in ("aggregator", "nginx"):
        print(f"{name}: /feed.atom {results[name]['bytes']} bytes, conditional GET answers "
              f"{results[name]['conditional_status']}" + (
                  f"; up after {results[name]['startup_s']:.1f} s (publishing first if out of date)"
                  if "startup_s" in results[name] else ""))
        for kind in ("conditional", "full"):
            if kind in results[name]:
                print("  " + describe(name, kind, results[name][kind]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

"""More ways for the fixture server (tests/httpfixture.py) to behave: requests held
until the test lets them go, a gauge of requests in progress, a big body sent slowly.
Also the polling helpers the worker and server tests wait with (never a bare sleep)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler

from httpfixture import Behaviour, Route

#: a generous bound for "eventually" on a loaded 2-core machine
EVENTUALLY = 30.0


class Gauge:
    """Requests in progress on the fixture server: now, the peak, and the peak per path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self._paths: Counter[str] = Counter()
        self.path_peaks: Counter[str] = Counter()

    @contextmanager
    def track(self, path: str) -> Iterator[None]:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self._paths[path] += 1
            self.path_peaks[path] = max(self.path_peaks[path], self._paths[path])
        try:
            yield
        finally:
            with self._lock:
                self.now -= 1
                self._paths[path] -= 1


def answer(handler: BaseHTTPRequestHandler, route: Route) -> None:
    """Answer like a static route: 304 on a matching If-None-Match, else the body."""
    validators = {"ETag": route.etag} if route.etag else {}
    if route.last_modified:
        validators["Last-Modified"] = route.last_modified
    if route.etag and handler.headers.get("If-None-Match") == route.etag:
        status, body, headers = 304, b"", validators
    else:
        status, body, headers = route.status, route.body, {**route.headers, **validators}
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    if status != 304:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    with suppress(OSError):
        handler.wfile.write(body)


def held(route: Route, gate: threading.Event, gauge: Gauge,
         timeout: float = EVENTUALLY) -> Behaviour:
    """Count the request as in progress, wait until ``gate`` is set, then answer."""
    def behave(handler: BaseHTTPRequestHandler) -> None:
        with gauge.track(handler.path):
            gate.wait(timeout)
            answer(handler, route)
    return behave


def slow(route: Route, seconds: float, gauge: Gauge) -> Behaviour:
    """Count the request as in progress, take ``seconds`` to think, then answer."""
    def behave(handler: BaseHTTPRequestHandler) -> None:
        with gauge.track(handler.path):
            time.sleep(seconds)
            answer(handler, route)
    return behave


class Progress:
    """How many bytes a slow body has sent so far (read from the test thread)."""

    def __init__(self) -> None:
        self.sent = 0
        self.requests = 0


def slow_body(body: bytes, progress: Progress, chunk: int = 64 * 1024,
              pause: float = 0.05, content_type: str = "application/rss+xml") -> Behaviour:
    """The whole ``Content-Length`` at once, then the body ``chunk`` bytes per ``pause``."""
    def behave(handler: BaseHTTPRequestHandler) -> None:
        progress.requests += 1
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            for start in range(0, len(body), chunk):
                handler.wfile.write(body[start:start + chunk])
                handler.wfile.flush()
                progress.sent += len(body[start:start + chunk])
                time.sleep(pause)
        except OSError:
            pass
    return behave


def wait_for(condition: Callable[[], bool], what: str, timeout: float = EVENTUALLY) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


async def until(condition: Callable[[], bool], what: str, timeout: float = EVENTUALLY) -> None:
    """:func:`wait_for` for code running on an event loop."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.02)

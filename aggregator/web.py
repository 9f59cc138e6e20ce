"""The HTTP server. This module owns Starlette (a small ASGI toolkit) and uvicorn
(the ASGI server, with httptools, the fast HTTP parser). The service runs it on uvloop
(:func:`aggregator.service.run`).

Published files are served from ``output_dir`` with a strong ETag computed from
their bytes, Last-Modified, 304 answers to ``If-None-Match``/``If-Modified-Since``,
gzip when the client asks (``Vary: Accept-Encoding``), ``Cache-Control`` near the
polling interval, and CORS on feeds so partner websites can show them. Files are
cached in memory with their response headers made once, keyed by (mtime, size):
a conditional GET costs one ``stat`` and no disk read.

A client has ``REQUEST_HEADERS_SECONDS`` to send each request's line and headers
(:class:`_Protocol`); uvicorn itself only closes connections idle between requests.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .decide import for_sources
from .language import primary_code
from .metrics import Metrics
from .models import Settings, SourceState
from .pages import sources_page
from .store import Store

CONTENT_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
FEED_SUFFIXES = {".atom", ".rss", ".json", ".opml", ".ics"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src https: http: data:; "
                               "style-src 'unsafe-inline'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True, slots=True)
class _Cached:
    body: bytes
    gzipped: bytes | None
    etag: str
    modified: datetime
    key: tuple[int, int]
    headers: Mapping[str, str]  # what every answer for this file carries
    media_type: str


class FileCache:
    """Published files in memory, refreshed when their mtime or size changes.
    ``headers(relative)`` gives the response headers of a file, made once per version."""

    def __init__(self, root: Path, headers: Callable[[str], dict[str, str]] | None = None
                 ) -> None:
        self.root = root.resolve()
        self._headers = headers or (lambda relative: {})
        self._files: dict[str, tuple[str, _Cached]] = {}  # relative -> (real path, file)
        self._lock = threading.Lock()

    def get(self, relative: str) -> _Cached | None:
        known = self._files.get(relative)
        if known is not None:
            path, cached = known
            try:
                stat = os.stat(path)
            except OSError:
                return None
            if (stat.st_mtime_ns, stat.st_size) == cached.key:
                return cached  # the usual case: one stat, nothing read
        return self._load(relative)

    def _load(self, relative: str) -> _Cached | None:
        try:
            path = (self.root / relative).resolve()
        except (OSError, ValueError):  # "feed.atom%00.html": a NUL no file name holds
            return None
        if not path.is_relative_to(self.root) or path.name.startswith("."):
            return None
        try:
            stat = path.stat()
            if not path.is_file():
                return None
            body = path.read_bytes()
        except OSError:
            return None
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        modified = datetime.fromtimestamp(stat.st_mtime, UTC).replace(microsecond=0)
        headers = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True),
                   **self._headers(relative)}
        cached = _Cached(
            body=body,
            gzipped=gzip.compress(body, 6, mtime=0) if len(body) > 512 else None,
            etag=etag, modified=modified, key=(stat.st_mtime_ns, stat.st_size),
            headers=headers,
            media_type=CONTENT_TYPES.get(Path(relative).suffix, "application/octet-stream"),
        )
        with self._lock:
            self._files[relative] = (str(path), cached)
        return cached


def _not_modified(request: Request, cached: _Cached) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        return cached.etag in tags or "*" in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            # a moment still to come is no time a file had (RFC 2616, 14.25: invalid,
            # so a normal GET): a client with a wrong clock would keep an old copy
            return cached.modified <= parsedate_to_datetime(since) <= datetime.now(UTC)
        except (TypeError, ValueError):
            return False
    return False


def accepted_languages(header: str) -> list[str]:
    """Primary language codes from an Accept-Language header, most wanted first:
    ``"fa-IR,fa;q=0.9,en;q=0.5"`` -> ``["fa", "en"]``."""
    weighted = [(-quality, position, code)
                for position, (tag, quality) in enumerate(_weighted(header))
                if quality > 0 and tag not in ("", "*") and (code := primary_code(tag))]
    return list(dict.fromkeys(code for _, _, code in sorted(weighted)))


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header lets us send gzip: it names gzip with a
    weight above 0, or names no gzip and ``*`` above 0. ``"gzip;q=0"`` refuses it."""
    weights: dict[str, float] = {}
    for coding, quality in _weighted(header):
        weights.setdefault(coding, quality)  # the first mention counts
    named = weights.get("gzip", weights.get("x-gzip"))
    return (named if named is not None else weights.get("*", 0.0)) > 0


def _weighted(header: str) -> list[tuple[str, float]]:
    """The members of an Accept-* header with their weights, in order (RFC 9110,
    12.4.2): ``"gzip;q=0, br"`` -> ``[("gzip", 0.0), ("br", 1.0)]``; a weight that is
    no number counts as 0."""
    members = []
    for part in header.split(","):
        token, _, parameters = part.strip().partition(";")
        quality, parameters = 1.0, parameters.strip()
        if parameters.startswith("q="):
            try:
                quality = float(parameters[2:])
            except ValueError:
                quality = 0.0
        members.append((token.strip().lower(), quality))
    return members


def _path_for(url_path: str) -> str:
    relative = url_path.lstrip("/")
    if not relative or relative.endswith("/"):
        relative += "index.html"
    return relative


def create_app(settings: Settings, metrics: Metrics | None = None,
               scheduler_running: Callable[[], bool] | None = None) -> Starlette:
    """The ASGI app. ``scheduler_running`` tells readiness whether the worker is alive
    (None when the server runs alone)."""
    max_age = int(min(settings.interval.total_seconds(), 3600))
    metrics = metrics or Metrics()

    def file_headers(relative: str) -> dict[str, str]:
        """The headers of a published file that do not depend on the request."""
        suffix = Path(relative).suffix
        headers = {"Cache-Control": f"public, max-age={max_age}",
                   "Vary": "Accept-Encoding", **SECURITY_HEADERS}
        if suffix in FEED_SUFFIXES:
            headers["Access-Control-Allow-Origin"] = "*"
        if settings.websub_hub and suffix in (".atom", ".rss", ".json"):
            # WebSub discovery in the HTTP header too, for subscribers that only look there
            headers["Link"] = (f'<{settings.websub_hub}>; rel="hub", '
                               f'<{settings.base_url}{relative}>; rel="self"')
        return headers

    files = FileCache(settings.output_dir, file_headers)

    def open_store() -> Store:
        return Store.open(settings.database)

    def read_states() -> dict[str, SourceState]:
        """The configured sources' states, as the worker goes on from them."""
        store = open_store()
        try:
            return for_sources(settings.sources, store.states())
        finally:
            store.close()

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(request: Request) -> Response:
        checks: dict[str, str] = {}
        try:
            store = await asyncio.to_thread(open_store)
            store.close()
            checks["database"] = "ok"
        except Exception as error:  # readiness reports, it never crashes
            checks["database"] = f"failed: {error}"
        if scheduler_running is not None:
            checks["scheduler"] = "ok" if scheduler_running() else "not running"
        checks["outputs"] = "ok" if files.get("feed.atom") else "feed.atom not published yet"
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    async def metrics_endpoint(request: Request) -> Response:
        metrics.observe_states(await asyncio.to_thread(read_states))
        return Response(metrics.render(), media_type=metrics.content_type)

    async def sources(request: Request) -> Response:
        states = await asyncio.to_thread(read_states)
        page = sources_page(settings.title, settings.base_url, settings.sources, states,
                            datetime.now(UTC))
        return HTMLResponse(page, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})

    async def published(request: Request) -> Response:
        relative = _path_for(request.url.path)
        preferred = None
        if relative == "index.html":
            # the reader's language first (the others follow), when the browser says
            for code in accepted_languages(request.headers.get("accept-language", "")):
                if files.get(f"index.{code}.html") is not None:
                    relative, preferred = f"index.{code}.html", code
                    break
        cached = files.get(relative)
        if cached is None:
            return PlainTextResponse("not found\n", status_code=404)
        headers = dict(cached.headers)
        if request.url.path in ("/", "/index.html"):
            headers["Vary"] = "Accept-Encoding, Accept-Language"
            if preferred:
                headers["Content-Language"] = preferred
        if _not_modified(request, cached):
            return Response(status_code=304, headers=headers)
        body = cached.body
        if cached.gzipped is not None and accepts_gzip(request.headers.get("accept-encoding", "")):
            body, headers["Content-Encoding"] = cached.gzipped, "gzip"
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(body))
            return Response(status_code=200, headers=headers, media_type=cached.media_type)
        return Response(body, headers=headers, media_type=cached.media_type)

    return Starlette(routes=[
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
        Route("/sources", sources),
        Route("/{path:path}", published, methods=["GET", "HEAD"]),
    ])


#: a client must send a request's line and headers within this time of connecting, or
#: of its first byte on a kept-alive connection: a client that never finishes (slowloris)
#: would hold its connection, and with enough of them the server's file descriptors,
#: for ever. Browsers and feed readers send theirs at once.
REQUEST_HEADERS_SECONDS = 10.0


class _Protocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request's headers (uvicorn
    has none: its issue #157). Between requests uvicorn's keep-alive timeout (5 s)
    closes an idle connection; from a request's first byte to its last header, or from
    the connection to its first request, this deadline does."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(REQUEST_HEADERS_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        self.transport.close()


class Server(uvicorn.Server):
    """uvicorn's server without its own signal handling: the service decides how to
    stop (and uvicorn would re-raise the signal after shutdown, exiting non-zero)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def server(settings: Settings, app: Starlette) -> Server:
    return Server(uvicorn.Config(app, host=settings.host, port=settings.port,
                                 log_config=None, access_log=False, lifespan="off",
                                 server_header=False, http=_Protocol))


def stack() -> str:
    """The event loop and HTTP parser serving, for the start-up log line."""
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    return f"{loop} + httptools"



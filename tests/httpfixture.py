"""A real HTTP server on 127.0.0.1 for tests: static fixture routes with ETag /
Last-Modified / 304, and routes that misbehave on purpose."""

from __future__ import annotations

import contextlib
import gzip
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Behaviour = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    behaviour: Behaviour | None = None  # takes over the whole answer


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes = b""


class FixtureServer:
    """Plain HTTP, or HTTPS when given a server-side ``tls`` context."""

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                server.requests.append(Seen(self.path, {k.lower(): v for k, v in
                                                        self.headers.items()},
                                            self.rfile.read(length)))
                route = server.routes.get(self.path)
                status = route.status if route is not None else 404
                self._send(status, b"", {"Content-Type": "text/plain"})

            def do_GET(self) -> None:
                server.requests.append(Seen(self.path, {k.lower(): v for k, v in
                                                        self.headers.items()}))
                route = server.routes.get(self.path)
                if route is None:
                    self._send(404, b"not found", {"Content-Type": "text/plain"})
                    return
                if route.behaviour is not None:
                    route.behaviour(self)
                    return
                validators = {}
                if route.etag:
                    validators["ETag"] = route.etag
                if route.last_modified:
                    validators["Last-Modified"] = route.last_modified
                if (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                        route.last_modified and not route.etag
                        and self.headers.get("If-Modified-Since") == route.last_modified):
                    self._send(304, b"", validators)
                    return
                self._send(route.status, route.body, {**route.headers, **validators})

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for seen in self.requests if seen.path == path)

    def start(self) -> FixtureServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- misbehaviours -------------------------------------------------------------

def trickle(body: bytes, every: float = 0.5) -> Behaviour:
    """Headers at once, then one byte every ``every`` seconds."""
    def behave(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            for byte in body:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(every)
        except OSError:
            pass
    return behave


def stall_after_headers(seconds: float = 30) -> Behaviour:
    def behave(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.flush()
        time.sleep(seconds)
    return behave


def raw(answer: bytes) -> Behaviour:
    """These bytes as the whole answer, whatever they are, then hang up."""
    def behave(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(answer)
        handler.wfile.flush()
        handler.close_connection = True
    return behave


def endless(chunk: bytes = b"<item>" + b"x" * 8192 + b"</item>") -> Behaviour:
    """A chunked body that never ends (until the client hangs up)."""
    def behave(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        try:
            handler.wfile.write(b"%x\r\n<rss><channel>\r\n" % len(b"<rss><channel>"))
            for _ in range(1_000_000):
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass
    return behave


def gzip_bomb(uncompressed: int = 200 * 1024 * 1024) -> Behaviour:
    """A small gzip body that inflates to ``uncompressed`` bytes."""
    bomb = gzip.compress(b"\0" * uncompressed, 9)

    def behave(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(bomb)))
        handler.end_headers()
        with contextlib.suppress(OSError):
            handler.wfile.write(bomb)
    return behave


def redirect(location: str, status: int = 302) -> Route:
    return Route(status=status, headers={"Location": location, "Content-Type": "text/plain"},
                 body=b"moved")

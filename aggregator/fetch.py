"""Getting a source's bytes over HTTP. This module owns httpx (async, HTTP/1.1,
streaming, fine-grained timeouts, pluggable transports for tests).

What a server gets from us, whatever it does (see :class:`FetchLimits`):

* a descriptive User-Agent with a contact URL, conditional requests
  (``If-None-Match`` / ``If-Modified-Since``, sent back verbatim);
* connect and read timeouts, plus a total deadline for the whole fetch, because
  a server that trickles one byte a second never trips a read timeout;
* a body cap counted *after* decompression, enforced while streaming: we
  decompress gzip/deflate ourselves, a bounded slice at a time, so a gzip bomb
  stops at the cap instead of filling memory;
* redirects followed by hand, at most ``max_redirects`` hops, http(s) only, and
  reported as "permanent" only when every hop was a 301/308.

A 304 is a :class:`FetchResult` with ``status == 304``; everything else that goes
wrong raises a :class:`~aggregator.errors.FetchError` with a plain message.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from . import imports

imports.load("httpx", without=["httpx._main"])  # not its command-line client

import httpx

from . import __version__, network
from .errors import (
    FetchError,
    FetchTimeout,
    GoneError,
    HTTPStatusError,
    NetworkError,
    RedirectError,
    TooLargeError,
)
from .models import FetchLimits, FetchRequest, FetchResult

#: first pause before a WebSub ping is retried (doubling after each failure)
HUB_RETRY_PAUSE = 2.0
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
_ACCEPT = ("application/atom+xml, application/rss+xml, application/rdf+xml, "
           "application/feed+json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
           "text/calendar;q=0.9, text/html;q=0.7, */*;q=0.5")

_STATUS_HINTS = {
    401: "the server wants a login; the feed must be public",
    403: "the server refuses us; it may block unknown clients or this address",
    404: "the address does not exist (any more); check the URL in feeds.toml",
    410: "the server says this feed is gone for good; the source is retired",
    429: "the server asks us to slow down; we wait as long as it says",
    500: "the partner's server has an internal error",
    502: "the partner's server or its proxy is down",
    503: "the partner's server is unavailable or in maintenance",
    504: "the partner's proxy timed out",
}


def user_agent(contact: str | None) -> str:
    """Who we are and where to complain: polite crawlers say both."""
    about = f"; +{contact}" if contact else ""
    return f"aggregator/{__version__} (community feed aggregator{about})"


class Fetcher:
    """An HTTP client with our limits. One per process; use ``async with``.

    Unless ``allow_private`` is set, it connects only to public addresses (see
    :func:`aggregator.network.is_public_address`): a feed URL or a redirect cannot
    make the aggregator reach into the operator's network (server-side request
    forgery)."""

    def __init__(self, limits: FetchLimits, agent: str,
                 transport: httpx.AsyncBaseTransport | None = None, *,
                 allow_private: bool = False) -> None:
        self.limits = limits
        pool_limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self.transport = transport or network.transport(pool_limits,
                                                        allow_private=allow_private)
        self.headers = {"User-Agent": agent, "Accept": _ACCEPT,
                        "Accept-Encoding": "gzip, deflate"}
        timeout = httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout)
        self.timeout = timeout.as_dict()
        # for the hub pings; a fetch goes straight to the transport (see _get)
        self.client = httpx.AsyncClient(follow_redirects=False, timeout=timeout,
                                        headers=self.headers, transport=self.transport,
                                        trust_env=False)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def ping_hub(self, hub: str, topics: Sequence[str], *, attempts: int = 3,
                       pause: float | None = None) -> list[str]:
        """Tell a WebSub hub that these feeds changed (``hub.mode=publish``), all topics
        at once, each retried with growing pauses. Returns the topics the hub refused."""
        wait = HUB_RETRY_PAUSE if pause is None else pause

        async def ping(topic: str) -> bool:
            for attempt in range(attempts):
                try:
                    response = await self.client.post(
                        hub, data={"hub.mode": "publish", "hub.url": topic})
                    if response.status_code < 300:
                        return True
                except httpx.HTTPError:
                    pass
                if attempt + 1 < attempts:
                    await asyncio.sleep(wait * 2 ** attempt)
            return False

        accepted = await asyncio.gather(*(ping(topic) for topic in topics))
        return [topic for topic, ok in zip(topics, accepted, strict=True) if not ok]

    async def fetch(self, request: FetchRequest) -> FetchResult:
        """GET ``request.url`` within the limits; raise FetchError or return the result."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.limits.deadline):
                return await self._follow(request, started)
        except TimeoutError:
            raise FetchTimeout(
                f"no complete answer from {request.url} within {self.limits.deadline:g} s "
                "(the server is too slow or stalls)") from None
        except httpx.TimeoutException as error:
            phase = "connecting" if isinstance(error, httpx.ConnectTimeout) else "waiting for data"
            raise FetchTimeout(f"timed out {phase} ({request.url})") from error
        except httpx.ConnectError as error:
            raise _connect_error(request.url, error) from error
        except httpx.RemoteProtocolError as error:
            raise _protocol_error(request.url, error) from error
        except (httpx.ReadError, httpx.WriteError) as error:
            raise NetworkError(f"the connection broke while talking to {request.url}: "
                               f"{error or type(error).__name__}") from error
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
            raise FetchError(f"invalid URL {request.url!r}: {error}", code="bad_url") from error

    async def _follow(self, request: FetchRequest, started: float) -> FetchResult:
        url, permanent, hops, seen = request.url, True, 0, {request.url}
        headers = {}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        while True:
            async with self._get(url, headers) as response:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    target = _redirect_target(url, location)
                    hops += 1
                    if hops > self.limits.max_redirects:
                        raise RedirectError(f"more than {self.limits.max_redirects} redirects "
                                            f"starting at {request.url}")
                    if target in seen:
                        raise RedirectError(f"redirect loop: {url} leads back to {target}")
                    seen.add(target)
                    permanent = permanent and response.status_code in _PERMANENT
                    url = target
                    continue
                if response.status_code == 304:
                    if not headers:  # nothing asked for could be "not modified"
                        raise HTTPStatusError(
                            f"{url} answered 304 Not Modified to a request that was not "
                            "conditional (no ETag or date sent): the server or a cache in "
                            "front of it is misconfigured", status=304)
                    body = None
                elif response.status_code >= 400:
                    raise _status_error(url, response)
                elif response.status_code != 200:
                    raise HTTPStatusError(
                        f"unexpected HTTP status {response.status_code} from {url}",
                        status=response.status_code)
                else:
                    body = await self._read(response)
                return FetchResult(
                    url=url, status=response.status_code, body=body,
                    content_type=response.headers.get("content-type"),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    permanent_redirect=url if hops and permanent else None,
                    cache_control=response.headers.get("cache-control"),
                    expires=response.headers.get("expires"),
                    elapsed=time.monotonic() - started,
                )

    @asynccontextmanager
    async def _get(self, url: str, headers: dict[str, str]) -> AsyncIterator[httpx.Response]:
        """One GET handed straight to the transport, the body left to stream. httpx's
        client would add cookies, authentication and redirects, which we do not use
        (redirects are followed by hand): about a tenth of a 304's CPU.

        A 304's (empty) body is not read, so httpcore closes its connection: keeping
        it would cost more than it saves in a pass over many hosts, since httpcore
        polls every idle connection at each request (bench/RESULTS.md, the notes on
        66f63f1); connections of a 200 are kept."""
        request = httpx.Request("GET", url, headers={**self.headers, **headers},
                                extensions={"timeout": self.timeout})
        response = await self.transport.handle_async_request(request)
        try:
            yield response
        finally:
            await response.aclose()

    async def _read(self, response: httpx.Response) -> bytes:
        cap = self.limits.max_body_bytes
        declared = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if declared.isdigit() and encoding == "identity" and int(declared) > cap:
            raise TooLargeError(f"the body is {int(declared):,} bytes; the limit is {cap:,}")
        chunks, size = [], 0
        async for chunk in _decoded(response.aiter_raw(), encoding, cap + 1):
            size += len(chunk)
            if size > cap:
                raise TooLargeError(f"the body is larger than the limit of {cap:,} bytes "
                                    "(after decompression)")
            chunks.append(chunk)
        return b"".join(chunks)


async def _decoded(raw: AsyncIterator[bytes], encoding: str, cap: int) -> AsyncIterator[bytes]:
    """Decompress a body stream, never producing more than ``cap`` bytes at once."""
    if encoding in ("identity", ""):
        async for chunk in raw:
            yield chunk
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(f"the server used a compression we did not ask for: {encoding}",
                         code="decoding")
    decoder = None
    try:
        async for chunk in raw:
            if decoder is None:
                if not chunk:
                    continue
                decoder = zlib.decompressobj(_wbits(encoding, chunk))
            data = chunk
            while data:
                out = decoder.decompress(data, cap)
                yield out
                data = decoder.unconsumed_tail
                if not out:
                    break
        tail = decoder.flush() if decoder is not None else b""
        if tail:
            yield tail
    except zlib.error as error:
        raise FetchError(f"the compressed body is corrupt: {error}", code="decoding") from error


def _wbits(encoding: str, head: bytes) -> int:
    """47 = a zlib or gzip header, auto-detected; -15 = raw deflate, which some servers
    send as "deflate" although the name means zlib-wrapped (RFC 9110 section 8.4.1.2)."""
    zlib_header = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
    return -15 if encoding == "deflate" and not zlib_header else 47


def _redirect_target(url: str, location: str) -> str:
    try:
        target = urljoin(url, location.strip())
        parts = urlsplit(target)
    except ValueError as error:
        raise RedirectError(f"invalid redirect target {location!r} from {url}") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RedirectError(f"redirect to a non-web address refused: {target!r} (from {url})")
    return target


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _status_error(url: str, response: httpx.Response) -> HTTPStatusError:
    status = response.status_code
    hint = _STATUS_HINTS.get(status) or (
        "the partner's server failed" if status >= 500 else "the server refused the request")
    message = f"HTTP {status} {response.reason_phrase} from {url}: {hint}"
    if status == 410:
        return GoneError(message, status=status)
    return HTTPStatusError(message, status=status,
                           retry_after=retry_after_seconds(response.headers.get("retry-after")))


def _causes(error: BaseException) -> list[BaseException]:
    chain, seen = [], set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _protocol_error(url: str, error: httpx.RemoteProtocolError) -> NetworkError:
    """A server that hung up half-way, or one whose answer is not HTTP at all (a bad
    length, broken chunks, endless headers): both are the server's to fix, but they
    are different fixes."""
    detail = str(error) or type(error).__name__
    if "closed connection" in detail or "disconnected" in detail:
        return NetworkError(f"the connection broke while talking to {url}: {detail}")
    return NetworkError(f"the answer from {url} is not valid HTTP ({detail}): the server "
                        "or a proxy in front of it is broken", code="bad_http")


def _connect_error(url: str, error: httpx.ConnectError) -> NetworkError:
    host = urlsplit(url).hostname
    causes = _causes(error)
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return NetworkError(f"TLS/certificate problem with {host}: {error}", code="tls")
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return NetworkError(f"the host name {host} cannot be resolved (DNS)", code="dns")
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return NetworkError(f"{host} refused the connection (nothing listens there)",
                            code="refused")
    return NetworkError(f"cannot connect to {host}: {error or type(error).__name__}")

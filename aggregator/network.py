"""The sockets under httpx. This module owns httpcore, httpx's connection layer, and
plugs into it (through httpcore's network-backend interface) a backend of our own,
built on asyncio's streams, for two reasons:

* **Only public addresses**, unless the operator allows private ones: the backend
  resolves a host name itself, refuses loopback, private, link-local and reserved
  addresses, and connects to the very address it checked, so a DNS rebinding cannot
  answer differently the second time. Every redirect hop is a new connection, so every
  hop is checked (server-side request forgery: a feed URL or a redirect must not make
  the aggregator reach into the operator's network).
* **Less CPU per request.** httpcore's own backend goes through anyio, which wraps
  every read and write in a cancel scope. A poll where most sources answer 304 is
  little else than that overhead: 500 conditional GETs cost 0.59-0.65 s of CPU through
  anyio and 0.36-0.44 s on asyncio's streams (six runs each; bench/RESULTS.md, the
  notes on 66f63f1). httpcore keeps only anyio's backend (a proposal to bring back an
  asyncio one, encode/httpcore#930, was declined); this one implements the same small
  interface (connect, read, write, TLS, close) with asyncio's public stream API.

Errors are httpcore's, as from its own backend (``ConnectError``, ``ReadTimeout``...),
each chained to the OS or TLS error that caused it, so httpx and :mod:`aggregator.fetch`
report them unchanged.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from .errors import BlockedAddressError

_SocketOption = (tuple[int, int, int] | tuple[int, int, bytes | bytearray]
                 | tuple[int, int, None, int])


def is_public_address(address: str) -> bool:
    """Whether we may connect to this IP address: not loopback, private, link-local,
    carrier-grade NAT, multicast, reserved or unspecified (IPv4-mapped IPv6 included)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_private)


def transport(limits: httpx.Limits, *, allow_private: bool = False,
              verify: ssl.SSLContext | None = None) -> httpx.AsyncHTTPTransport:
    """httpx's transport on our backend: public addresses only unless ``allow_private``;
    certificates checked against ``verify`` (default: httpx's, from certifi)."""
    made = httpx.AsyncHTTPTransport(limits=limits, verify=verify or True)
    backend: httpcore.AsyncNetworkBackend = AsyncioBackend()
    if not allow_private:
        backend = PublicOnly(backend)
    # httpx builds its connection pool without a way to pass a network backend; rebuild
    # it the same way with ours (httpx 0.27 and 0.28 keep the pool in ``_pool``)
    made._pool = httpcore.AsyncConnectionPool(
        ssl_context=made._pool._ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=backend)
    return made


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """TCP connections as asyncio streams (the address as given: see :class:`PublicOnly`)."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[_SocketOption] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, local_addr=(local_address, 0) if local_address else None)
        except TimeoutError as error:
            raise httpcore.ConnectTimeout(f"connecting to {host}:{port} timed out") from error
        except OSError as error:
            raise httpcore.ConnectError(str(error) or type(error).__name__) from error
        stream = AsyncioStream(reader, writer)
        for option in socket_options or ():
            stream.get_extra_info("socket").setsockopt(*option)
        return stream

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection: httpcore's reads and writes, each within its own timeout."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as error:
            raise httpcore.ReadTimeout("no data within the read timeout") from error
        except OSError as error:
            raise httpcore.ReadError(str(error) or type(error).__name__) from error

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as error:
            raise httpcore.WriteTimeout("could not send within the write timeout") from error
        except OSError as error:
            raise httpcore.WriteError(str(error) or type(error).__name__) from error

    async def aclose(self) -> None:
        # closed at once, as httpcore's own backend does: nothing is left to send (every
        # write waited until it was sent), and a TLS close_notify would wait for the
        # server's answer, which a server may never give; the socket itself is closed
        # in the loop's next turn
        self._writer.transport.abort()
        await asyncio.sleep(0)

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as error:
            await self.aclose()
            raise httpcore.ConnectTimeout("the TLS handshake timed out") from error
        except OSError as error:  # ssl.SSLError, a certificate refused, is one
            await self.aclose()
            raise httpcore.ConnectError(str(error) or type(error).__name__) from error
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # asked of an idle kept-alive connection: readable means the server closed
            # it (or broke it), so it must not be used again
            return (self._reader.at_eof() or self._reader.exception() is not None
                    or self._writer.is_closing())
        name = {"ssl_object": "ssl_object", "client_addr": "sockname",
                "server_addr": "peername", "socket": "socket"}.get(info)
        return self._writer.get_extra_info(name) if name else None


class PublicOnly(httpcore.AsyncNetworkBackend):
    """A backend that resolves the host itself, refuses non-public addresses and
    connects the inner backend to the very address it checked."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self.inner = inner

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[_SocketOption] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise httpcore.ConnectError(str(error)) from error
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        public = [address for address in addresses if is_public_address(address)]
        if not public:
            raise BlockedAddressError(
                f"refused to connect to {host} ({', '.join(addresses)}): not a public "
                "address (loopback, private, link-local or reserved). For a partner on the "
                "local network set allow_private_networks = true in [aggregator].")
        failure: Exception | None = None
        for address in public:
            try:
                return await self.inner.connect_tcp(address, port, timeout, local_address,
                                                    socket_options)
            except httpcore.ConnectError as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[_SocketOption] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)

"""The sockets under httpx. This module owns httpcore, httpx's connection layer: it
builds httpx's transport on httpcore's own network backend (anyio's sockets), wrapped
in one of ours that allows **only public addresses** unless the operator allows
private ones. It resolves a host name itself, refuses loopback, private, link-local
and reserved addresses, and has the inner backend connect to the very address it
checked, so a DNS rebinding cannot answer differently the second time. Every redirect
hop is a new connection, so every hop is checked (server-side request forgery: a feed
URL or a redirect must not make the aggregator reach into the operator's network).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable

from . import imports
from .errors import BlockedAddressError

imports.load("httpx", without=["httpx._main"])  # not its command-line client

import httpcore
import httpx

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
    """httpx's transport: public addresses only unless ``allow_private``; certificates
    checked against ``verify`` (default: httpx's, from certifi)."""
    made = httpx.AsyncHTTPTransport(limits=limits, verify=verify or True)
    if allow_private:
        return made
    # httpx builds its connection pool without a way to pass a network backend; rebuild
    # it the same way with ours (httpx 0.27 and 0.28 keep the pool in ``_pool``)
    made._pool = httpcore.AsyncConnectionPool(
        ssl_context=made._pool._ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=PublicOnly(httpcore.AnyIOBackend()))
    return made


class PublicOnly(httpcore.AsyncNetworkBackend):
    """A network backend that resolves the host itself, refuses non-public addresses
    and has the inner backend connect to the very address it checked."""

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

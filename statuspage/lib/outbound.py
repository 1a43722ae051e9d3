"""The one sanctioned way to make outbound HTTP requests.

Webhook URLs come from strangers, so every request made here:
- allows http and https only, and never follows redirects;
- always has a total timeout;
- refuses, at connect time, any address that is not globally routable: loopback, private,
  link-local (including the 169.254.169.254 metadata service), CGNAT, "this network", unique
  local and the IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4, Teredo), plus the
  ranges Python 3.11's `is_global` lets through (IPv4-compatible, SIIT, site-local, local-use
  NAT64, ...). The check runs on the address the socket is about to connect to, after DNS
  resolution, so a name that resolves (or re-resolves) to an internal address is refused too;
- goes to port 80 or 443, or a port listed in OUTBOUND_ALLOWED_PORTS.

`allow_private=True` lifts the address and port checks (development and tests only, where
receivers listen on 127.0.0.1 at random ports); the scheme, redirect and timeout rules still
apply.
"""

from __future__ import annotations

import asyncio
import atexit
import ipaddress
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import aiohttp
import uvloop
from django.conf import settings
from multidict import CIMultiDict, CIMultiDictProxy

NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Not globally reachable (IANA special-purpose registries), but `is_global` says they are on
# Python 3.11 (or may, on other versions): refused outright, whatever they embed.
NOT_GLOBAL = tuple(
    ipaddress.ip_network(network)
    for network in (
        "::/96",  # IPv4-compatible (deprecated), including :: and ::1
        "::ffff:0:0:0/96",  # SIIT, IPv4-translated
        "fec0::/10",  # site-local (deprecated), still routed inside some networks
        "64:ff9b:1::/48",  # local-use IPv4/IPv6 translation
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments (Teredo's public server is looked into below)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing SIDs
        "192.0.0.0/24",  # IETF protocol assignments
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "198.18.0.0/15",  # benchmarking
        "240.0.0.0/4",  # reserved
    )
)
DEFAULT_PORTS = {"http": 80, "https": 443}
T = TypeVar("T")


class RefusedAddress(OSError):
    """The destination is not a public address (raised before any packet is sent)."""


class RefusedURL(ValueError):
    """The URL cannot be used for an outbound request at all."""


class NoSlot(Exception):
    """No connection slot came free in time: the request was never started (not the
    destination's failure)."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def is_public(address: str) -> bool:
    """True only for globally routable unicast addresses, looking inside IPv6 wrappers."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return is_public(str(inner))
    if any(ip.version == network.version and ip in network for network in NOT_GLOBAL):
        return False
    return ip.is_global and not ip.is_multicast


def allowed_ports() -> set[int]:
    return {80, 443, *settings.OUTBOUND_ALLOWED_PORTS}


def check_address(address: str) -> None:
    if not is_public(address):
        raise RefusedAddress(f"refused to connect to {address}: not a public address")


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse what can be refused without DNS: bad schemes, no host, internal literal IPs,
    ports other than 80, 443 and OUTBOUND_ALLOWED_PORTS (any port with `allow_private`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedURL("only http:// and https:// URLs can be used")
    if not parts.hostname:
        raise RefusedURL("the URL has no host")
    if parts.username or parts.password:
        raise RefusedURL("URLs with a user name or password are not allowed")
    try:
        port = parts.port if parts.port is not None else DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:
        raise RefusedURL("the URL's port is not valid") from exc
    host = parts.hostname
    if allow_private:
        return
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host in ("localhost",) or host.endswith((".localhost", ".local", ".internal")):
            raise RefusedURL(f"{host} is not a public host") from None
    else:
        if not is_public(host):
            raise RefusedURL(f"{host} is not a public address")
    if port not in allowed_ports():
        ports = ", ".join(str(p) for p in sorted(allowed_ports()))
        raise RefusedURL(f"port {port} is not allowed (allowed: {ports})")


def resolve_public(url: str, *, allow_private: bool) -> None:
    """Subscribe-time check: every address the host resolves to must be public.

    Connect-time checking still applies to each request (DNS can change in between).
    """
    check_url(url, allow_private=allow_private)
    if allow_private:
        return
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise RefusedURL(f"{parts.hostname} does not resolve") from exc
    for *_, sockaddr in infos:
        address = str(sockaddr[0])  # an IP address for TCP; the stubs allow AF_PACKET's int
        if not is_public(address):
            raise RefusedURL(f"{parts.hostname} resolves to {address}, which is not public")


def _guarded_socket_factory(allow_private: bool):
    def make_socket(addr_info) -> socket.socket:
        family, type_, proto, _canonname, sockaddr = addr_info
        if not allow_private:
            check_address(sockaddr[0])
        sock = socket.socket(family=family, type=type_, proto=proto)
        sock.setblocking(False)
        return sock

    return make_socket


@dataclass(frozen=True)
class Response:
    status: int
    headers: CIMultiDictProxy[str]  # HTTP header names are case-insensitive
    body: bytes


@dataclass(frozen=True)
class Request:
    url: str
    body: bytes
    headers: dict[str, str]


class Client:
    """An aiohttp session with the rules above; use as `async with Client(...) as client`.

    `timeout` bounds each request from the moment it has a connection slot: waiting for one of
    the `concurrency` slots is bounded separately (`slot_wait`, the timeout by default) and
    raises NoSlot, so a slow neighbour never eats into another endpoint's time.
    """

    def __init__(
        self,
        *,
        timeout: float,
        allow_private: bool,
        concurrency: int = 100,
        slot_wait: float | None = None,
    ) -> None:
        self.request_timeout = timeout
        self.slot_wait = timeout if slot_wait is None else slot_wait
        # aiohttp's `total` would include the wait for a pooled connection: the request's own
        # limit is applied around it instead (see post); these bound the socket operations.
        self.timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=min(timeout, 10), sock_read=timeout
        )
        self.allow_private = allow_private
        self.concurrency = concurrency
        self._slots: asyncio.Semaphore | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Client:
        self._slots = asyncio.Semaphore(self.concurrency)
        connector = aiohttp.TCPConnector(
            limit=self.concurrency,
            ttl_dns_cache=60,
            # Shorter than servers' usual idle timeouts, so a kept connection is rarely one the
            # other end has just closed.
            keepalive_timeout=15,
            socket_factory=_guarded_socket_factory(self.allow_private),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self.timeout,
            auto_decompress=False,
            headers={"User-Agent": "statuspage-webhooks/1"},
        )
        return self

    async def __aexit__(self, *exc_info) -> None:
        assert self._session is not None
        await self._session.close()

    async def post(self, request: Request, *, max_body: int = 4096) -> Response:
        """POST once. Redirects are returned as responses, never followed.

        Raises RefusedURL/RefusedAddress for forbidden destinations, NoSlot when no connection
        slot came free in time, aiohttp.ClientError or TimeoutError for network failures.
        """
        return await self.send(request, method="POST", max_body=max_body)

    async def send(
        self, request: Request, *, method: str, max_body: int = 4096, timeout: float | None = None
    ) -> Response:
        """One request with any method (a probe's GET), under the same rules as `post`;
        `timeout`, when shorter than the client's, bounds this request instead."""
        assert self._session is not None and self._slots is not None
        check_url(request.url, allow_private=self.allow_private)
        try:
            async with asyncio.timeout(self.slot_wait):
                await self._slots.acquire()
        except TimeoutError:
            raise NoSlot(f"no connection slot free within {self.slot_wait:g} s") from None
        try:
            limit = self.request_timeout if timeout is None else min(timeout, self.request_timeout)
            async with asyncio.timeout(limit):
                try:
                    return await self._send(method, request, max_body)
                except aiohttp.ServerDisconnectedError:
                    # Most likely a kept-alive connection the server had just closed: once more
                    # on a fresh one. (If the server did get the first, the receiver
                    # de-duplicates on webhook-id.)
                    return await self._send(method, request, max_body)
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, RefusedAddress):
                raise exc.os_error from None
            raise
        finally:
            self._slots.release()

    async def _send(self, method: str, request: Request, max_body: int) -> Response:
        assert self._session is not None
        async with self._session.request(
            method,
            request.url,
            data=request.body if method == "POST" else None,
            headers=request.headers,
            allow_redirects=False,
        ) as response:
            body = await response.content.read(max_body)
            return Response(response.status, CIMultiDictProxy(CIMultiDict(response.headers)), body)


class ProcessClient:
    """One event loop and one Client per process, kept between batches so that connections to
    the same hosts are reused (keep-alive) instead of opened anew for every batch. Recreated
    after a fork, or when the rules it was made with change."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Client | None = None
        atexit.register(self.close)  # close the kept connections cleanly at exit

    def run(
        self,
        work: Callable[[Client], Awaitable[T]],
        *,
        timeout: float,
        allow_private: bool,
        concurrency: int,
    ) -> T:
        key = (os.getpid(), timeout, allow_private, concurrency)
        if key != self._key:
            self.close()
            self._loop = uvloop.new_event_loop()  # a faster loop: the workers are CPU-bound
            self._client = Client(
                timeout=timeout, allow_private=allow_private, concurrency=concurrency
            )
            self._loop.run_until_complete(self._client.__aenter__())
            self._key = key
        assert self._loop is not None and self._client is not None
        return self._loop.run_until_complete(work(self._client))

    def close(self) -> None:
        if self._loop is not None and self._key is not None and self._key[0] == os.getpid():
            if self._client is not None:
                self._loop.run_until_complete(self._client.__aexit__(None, None, None))
            self._loop.close()
        self._loop = self._client = self._key = None


def post_once(request: Request, *, timeout: float, allow_private: bool) -> Response:
    """Synchronous convenience for one request (e.g. a CDN purge hook)."""

    async def run() -> Response:
        async with Client(timeout=timeout, allow_private=allow_private) as client:
            return await client.post(request)

    return asyncio.run(run())

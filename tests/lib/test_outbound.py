"""Outbound HTTP refuses every destination that is not a public address, at connect time."""

from __future__ import annotations

import socket

import pytest

from statuspage.lib import outbound

INTERNAL = [
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.5",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.0.1",
    "100.64.0.1",
    "100.127.255.254",
    "0.0.0.0",
    "0.1.2.3",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "224.0.0.1",
    "ff02::1",
]


def literal_url(address: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}/hook"


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_not_public(address):
    assert not outbound.is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are(address):
    assert outbound.is_public(address)


@pytest.fixture
def dns(monkeypatch):
    """Names that resolve where we say: the only thing faked is the DNS answer."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            family = lambda a: socket.AF_INET6 if ":" in a else socket.AF_INET  # noqa: E731
            return [
                (
                    family(a),
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port or 80) if ":" not in a else (a, port or 80, 0, 0),
                )
                for a in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def post(url: str) -> outbound.Response:
    request = outbound.Request(url=url, body=b"{}", headers={"Content-Type": "application/json"})
    return outbound.post_once(request, timeout=2, allow_private=False)


@pytest.mark.parametrize("address", INTERNAL)
def test_a_literal_internal_address_is_refused_before_any_packet(address):
    with pytest.raises((outbound.RefusedURL, outbound.RefusedAddress), match="not a public"):
        post(literal_url(address))


@pytest.mark.parametrize("address", INTERNAL)
def test_a_name_resolving_to_an_internal_address_is_refused_at_connect_time(dns, address):
    dns["hooks.example.com"] = [address]
    with pytest.raises(outbound.RefusedAddress, match=f"refused to connect to {address}"):
        post("http://hooks.example.com/hook")


def test_a_name_that_rebinds_after_subscribing_is_still_refused(dns):
    dns["rebind.example.com"] = ["93.184.216.34"]
    outbound.resolve_public("http://rebind.example.com/hook", allow_private=False)
    dns["rebind.example.com"] = ["127.0.0.1"]
    with pytest.raises(outbound.RefusedAddress):
        post("http://rebind.example.com/hook")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "gopher://example.com",
        "http://user:pass@example.com/hook",
        "http:///nohost",
        "http://localhost/hook",
        "http://metadata.google.internal/computeMetadata",
        "http://example.com:99999/hook",
    ],
)
def test_urls_that_cannot_be_used_are_refused_with_a_reason(url):
    with pytest.raises(outbound.RefusedURL):
        outbound.check_url(url, allow_private=False)


@pytest.mark.parametrize("address", ["10.0.0.5", "169.254.169.254", "::1"])
def test_subscribing_a_webhook_that_resolves_inside_is_refused(dns, address):
    dns["inside.example.com"] = [address]
    with pytest.raises(outbound.RefusedURL, match="not public"):
        outbound.resolve_public("https://inside.example.com/hook", allow_private=False)


def test_allowing_private_addresses_lets_local_development_work():
    outbound.check_url("http://127.0.0.1:9/hook", allow_private=True)
    with pytest.raises(Exception) as caught:  # nothing listens on port 9; the point is we tried
        outbound.post_once(
            outbound.Request("http://127.0.0.1:9/hook", b"{}", {}), timeout=2, allow_private=True
        )
    assert not isinstance(caught.value, outbound.RefusedAddress)


def test_redirects_are_returned_not_followed():
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    hits = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        response = outbound.post_once(
            outbound.Request(url, b"{}", {}), timeout=2, allow_private=True
        )
    finally:
        server.shutdown()
    assert response.status == 302
    assert hits == ["/hook"]


def test_the_timeout_covers_the_request_not_its_wait_for_a_connection_slot(receiver):
    """Two slots, four requests of 0.7 s each and a 1 s timeout: the last two wait 0.7 s for a
    slot, and are still not cut, because their own time starts when they get one."""
    import asyncio

    async def four() -> list[int]:
        async with outbound.Client(timeout=1, allow_private=True, concurrency=2) as client:
            requests = [
                outbound.Request(receiver.url(f"/sleep?ms=700&n={n}"), b"{}", {}) for n in range(4)
            ]
            return [r.status for r in await asyncio.gather(*(client.post(r) for r in requests))]

    assert asyncio.run(four()) == [204] * 4


def test_a_request_that_gets_no_slot_in_time_is_not_started(receiver):
    import asyncio

    async def crowded() -> list:
        async with outbound.Client(
            timeout=2, allow_private=True, concurrency=1, slot_wait=0.2
        ) as client:
            requests = [outbound.Request(receiver.url("/sleep?ms=700"), b"{}", {})] * 2
            return await asyncio.gather(*(client.post(r) for r in requests), return_exceptions=True)

    first, second = asyncio.run(crowded())
    assert first.status == 204
    assert isinstance(second, outbound.NoSlot)
    assert len(receiver.received) == 1

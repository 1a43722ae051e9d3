"""Local peers for the benchmarks: an SMTP sink and an HTTP receiver that count what arrives.

    python bench/sinks.py smtp 2525 2526   # SMTP on 2525, count at http://127.0.0.1:2526/count
    python bench/sinks.py http 8089 8090   # POST anything to 8089, count on 8090
    python bench/sinks.py sms 8091 8092    # an SMS provider's SendSms on 8091, count on 8092

Each runs in its own process so that it does not share an interpreter with what it measures.
Besides the total, each counts distinct ids (the `webhook-id` header, the email's Message-ID):
a delivery sent twice shows as `repeated`. Messages without an id (the ceilings') are only
counted in the total. The HTTP receiver counts chat robots apart (`/count?kind=robot`): a
robot's message carries no id, so a robot is told apart by its URL (path and query, which the
bench makes unique per subscriber), and the bench sends one notice.

The SMS sink answers SendSms as Tencent Cloud (2021-01-11: JSON body, `X-TC-Action`) or
Alibaba Cloud (dysmsapi 2017-05-25: parameters in the query, `x-acs-action`) answer a success,
whichever the request is; it counts each message distinct by its phone number (an SMS carries
no per-delivery id, and the bench sends one notice to distinct numbers). It does not verify
signatures: tests/notify/sms_standins.py does, for every provider; here the SDK's signing is
measured, not checked.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sys
import urllib.parse

from aiohttp import web

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


class Counter:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.count = 0
        self.bytes = 0
        self.ids: set[str | bytes] = set()
        self.with_id = 0

    def add(self, size: int, message_id: str | bytes | None) -> None:
        self.count += 1
        self.bytes += size
        if message_id:
            self.with_id += 1
            self.ids.add(message_id)

    def as_json(self) -> dict:
        return {
            "count": self.count,
            "bytes": self.bytes,
            "distinct": len(self.ids),
            "repeated": self.with_id - len(self.ids),
        }


async def serve_count(counters: dict[str, Counter], port: int) -> None:
    async def count(request: web.Request) -> web.Response:
        return web.json_response(counters[request.query.get("kind", "main")].as_json())

    async def reset(request: web.Request) -> web.Response:
        for counter in counters.values():
            counter.clear()
        return web.json_response(counters["main"].as_json())

    app = web.Application()
    app.router.add_get("/count", count)
    app.router.add_post("/reset", reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()


async def smtp_sink(port: int, counter: Counter) -> None:
    from aiosmtpd.smtp import SMTP

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            headers = envelope.content.split(b"\r\n\r\n", 1)[0]
            found = MESSAGE_ID.search(headers)
            counter.add(len(envelope.content), found and found.group(1))
            return "250 OK"

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Handler(), hostname="127.0.0.1"), "127.0.0.1", port, backlog=1024
    )
    await server.serve_forever()


ROBOT_PATH = "/cgi-bin/webhook/send"  # WeCom's group robot: it answers errcode 0 on success


async def http_receiver(port: int, counters: dict[str, Counter]) -> None:
    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        if request.path == ROBOT_PATH:
            counters["robot"].add(len(body), request.path_qs)
            return web.json_response({"errcode": 0, "errmsg": "ok"})
        counters["main"].add(len(body), request.headers.get("webhook-id"))
        return web.Response(status=204)

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/{tail:.*}", receive)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=75)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=4096).start()
    await asyncio.Event().wait()


def no_delay(request: web.Request) -> None:
    """Headers and body may leave in two writes: without TCP_NODELAY, Nagle's algorithm and
    the client's delayed ACK hold every kept-alive answer ~40 ms. asyncio sets it on the
    sockets it accepts; this makes sure of it (one getsockopt per request)."""
    sock = request.transport.get_extra_info("socket") if request.transport else None
    if sock is not None and sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def sms_provider(port: int, counters: dict[str, Counter]) -> None:
    counter = counters["main"]

    async def send_sms(request: web.Request) -> web.Response:
        no_delay(request)
        body = await request.read()
        if request.headers.get("X-TC-Action") == "SendSms":  # Tencent Cloud, 2021-01-11
            phone = json.loads(body)["PhoneNumberSet"][0]
            counter.add(len(body), phone)
            status = {"SerialNo": f"2640:{counter.count}", "PhoneNumber": phone, "Fee": 1,
                      "SessionContext": "", "Code": "Ok", "Message": "send success",
                      "IsoCode": "CN"}  # fmt: skip
            return web.json_response(
                {"Response": {"SendStatusSet": [status], "RequestId": f"r{counter.count}"}}
            )
        if request.headers.get("x-acs-action") == "SendSms":  # Alibaba Cloud, 2017-05-25
            query = dict(urllib.parse.parse_qsl(request.query_string))
            phone = query.get("PhoneNumbers", "")
            counter.add(len(request.query_string) + len(body), phone)
            return web.json_response(
                {
                    "Code": "OK",
                    "Message": "OK",
                    "BizId": f"biz{counter.count}",
                    "RequestId": f"r{counter.count}",
                }
            )
        return web.json_response({"Code": "InvalidAction"}, status=400)

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/{tail:.*}", send_sms)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=75)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=4096).start()
    await asyncio.Event().wait()


async def main(kind: str, port: int, control: int) -> None:
    counters = {"main": Counter(), "robot": Counter()}
    await serve_count(counters, control)
    if kind == "smtp":
        await smtp_sink(port, counters["main"])
    elif kind == "sms":
        await sms_provider(port, counters)
    else:
        await http_receiver(port, counters)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))

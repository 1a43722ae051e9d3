"""Local peers for the benchmarks: an SMTP sink and an HTTP receiver that count what arrives.

    python bench/sinks.py smtp 2525 2526   # SMTP on 2525, count at http://127.0.0.1:2526/count
    python bench/sinks.py http 8089 8090   # POST anything to 8089, count on 8090

Each runs in its own process so that it does not share an interpreter with what it measures.
Besides the total, each counts distinct ids (the `webhook-id` header, the email's Message-ID):
a delivery sent twice shows as `repeated`. Messages without an id (the ceilings') are only
counted in the total.
"""

from __future__ import annotations

import asyncio
import re
import sys

from aiohttp import web

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


class Counter:
    def __init__(self) -> None:
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


async def serve_count(counter: Counter, port: int) -> None:
    async def count(request: web.Request) -> web.Response:
        return web.json_response(counter.as_json())

    async def reset(request: web.Request) -> web.Response:
        counter.__init__()
        return web.json_response(counter.as_json())

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


async def http_receiver(port: int, counter: Counter) -> None:
    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        counter.add(len(body), request.headers.get("webhook-id"))
        return web.Response(status=204)

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/{tail:.*}", receive)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=75)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=4096).start()
    await asyncio.Event().wait()


async def main(kind: str, port: int, control: int) -> None:
    counter = Counter()
    await serve_count(counter, control)
    await (smtp_sink if kind == "smtp" else http_receiver)(port, counter)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))

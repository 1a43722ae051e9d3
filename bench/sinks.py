"""Local peers for the benchmarks: an SMTP sink and an HTTP receiver that count what arrives.

    python bench/sinks.py smtp 2525 2526   # SMTP on 2525, count at http://127.0.0.1:2526/count
    python bench/sinks.py http 8089 8090   # POST anything to 8089, count on 8090

Each runs in its own process so that it does not share an interpreter with what it measures.
"""

from __future__ import annotations

import asyncio
import sys

from aiohttp import web


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0


async def serve_count(counter: Counter, port: int) -> None:
    async def count(request: web.Request) -> web.Response:
        return web.json_response({"count": counter.count, "bytes": counter.bytes})

    async def reset(request: web.Request) -> web.Response:
        counter.count = counter.bytes = 0
        return web.json_response({"count": 0})

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
            counter.count += 1
            counter.bytes += len(envelope.content)
            return "250 OK"

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Handler(), hostname="127.0.0.1"), "127.0.0.1", port, backlog=1024
    )
    await server.serve_forever()


async def http_receiver(port: int, counter: Counter) -> None:
    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        counter.count += 1
        counter.bytes += len(body)
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

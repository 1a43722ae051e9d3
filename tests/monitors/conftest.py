"""A real HTTP target on 127.0.0.1 that a test switches between behaviours, and probes on it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from statuspage.monitors.models import Probe
from statuspage.status.models import Component


class Target:
    """`mode`: healthy, slow, error (500), wrong_text, hang; `stop()` makes it down."""

    def __init__(self) -> None:
        self.mode = "healthy"
        self.hits = 0
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                target.hits += 1
                mode = target.mode
                if mode == "hang":
                    time.sleep(30)
                    return
                if mode == "slow":
                    time.sleep(0.4)
                status = 500 if mode == "error" else 200
                body = b"maintenance page" if mode == "wrong_text" else b"borrowing works"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # many probes connect at once

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def target_factory(settings) -> Iterator[Callable[[], Target]]:
    settings.ALLOW_PRIVATE_ADDRESSES = True  # the targets listen on 127.0.0.1
    made: list[Target] = []

    def make() -> Target:
        made.append(Target())
        return made[-1]

    yield make
    for target in made:
        with contextlib.suppress(OSError):
            target.stop()


@pytest.fixture
def target(target_factory) -> Target:
    return target_factory()


@pytest.fixture
def add_probe() -> Callable[..., Probe]:
    def add(component: Component, url: str, **fields) -> Probe:
        fields = {"timeout_seconds": 2, "interval_seconds": 10, **fields}
        probe = Probe(component=component, url=url, **fields)
        probe.full_clean()
        probe.save()
        return probe

    return add

"""Real network peers on 127.0.0.1: an SMTP server (aiosmtpd), an HTTP receiver, and a real
Celery worker process. Nothing of ours is mocked. Loaded as a plugin by tests/conftest.py."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.db import connection

from statuspage.notify import subscriptions
from statuspage.notify.models import Subscriber


class Listener(ThreadingHTTPServer):
    """A local HTTP peer that takes a worker's burst of concurrent connections: the default
    listen backlog (5) drops the rest, whose SYNs are retried 1 s and 3 s later, so a round of
    requests outlives a short lease and is sent again."""

    request_queue_size = 1024
    daemon_threads = True


@dataclass
class Mailbox:
    """What our SMTP server received: parsed messages, and how many connections carried them."""

    messages: list[email.message.EmailMessage] = field(default_factory=list)
    sessions: int = 0
    refuse: set[str] = field(default_factory=set)
    # Other refusals: a reply for "MAIL", "DATA" or a recipient address, e.g. "554 5.7.1 ...".
    replies: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds each DATA takes, as a slow mail server's
    on_message: Callable[[email.message.EmailMessage], None] | None = None  # called at DATA
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in m["To"]]

    def wait_for(self, count: int, timeout: float = 20) -> list[email.message.EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.box.lock:
            self.box.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if "MAIL" in self.box.replies:
            return self.box.replies["MAIL"]
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.box.refuse:
            return "550 5.1.1 No such mailbox"
        if address in self.box.replies:
            return self.box.replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if "DATA" in self.box.replies:
            return self.box.replies["DATA"]
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if self.box.delay:
            await asyncio.sleep(self.box.delay)
        if self.box.on_message is not None:
            await asyncio.to_thread(self.box.on_message, message)
        with self.box.lock:
            self.box.messages.append(message)
        return "250 Message accepted"


@pytest.fixture
def mailbox(settings) -> Iterator[Mailbox]:
    box = Mailbox()
    with socket.socket() as probe:  # aiosmtpd's readiness check cannot use port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    box.port = port
    yield box
    controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """An HTTP server on 127.0.0.1 that answers by path:
    /ok 204, /fail 500, /slow (sleeps past the timeout), /redirect 301, /gone 410,
    /limited 429 with Retry-After, /unavailable 503 with Retry-After,
    /retry-after?value=V 429 with `retry-after: V`, /sleep?ms=N 204 after N ms."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                path, _, query = self.path.partition("?")
                params = dict(parse_qsl(query))
                status, headers = {
                    "/ok": (204, {}),
                    "/fail": (500, {}),
                    "/redirect": (301, {"Location": "http://127.0.0.1:1/elsewhere"}),
                    "/gone": (410, {}),
                    "/limited": (429, {"Retry-After": "7200"}),
                    "/unavailable": (503, {"Retry-After": "900"}),
                    "/retry-after": (429, {"retry-after": params.get("value", "")}),
                }.get(path, (204, {}))
                if path == "/slow":
                    time.sleep(3)
                if path == "/sleep":
                    time.sleep(int(params["ms"]) / 1000)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value.encode("utf-8").decode("latin-1"))
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = Listener(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def ids(self) -> list[str]:
        with self.lock:
            return [r.headers["webhook-id"] for r in self.received]

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} requests, got {len(self.received)}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.ALLOW_PRIVATE_ADDRESSES = True  # the receiver lives on 127.0.0.1
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def email_subscriber(db) -> Callable[..., Subscriber]:
    def make(address: str = "ana@example.com", components=(), language="en", incident=None):
        return subscriptions.subscribe(
            email=address,
            components=components,
            language=language,
            incident=incident,
            skip_confirmation=True,
        )

    return make


@pytest.fixture
def webhook_subscriber(db, receiver) -> Callable[..., Subscriber]:
    def make(path: str = "/ok", components=(), owner: str = "ops@example.com"):
        return subscriptions.subscribe(
            email=owner,
            endpoint=receiver.url(path),
            components=components,
            language="en",
            skip_confirmation=True,
        )

    return make


def database_url() -> str:
    """The test database, as a URL another process can open."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    host = f"{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    return f"postgres://{params['USER']}@{host}/{params['NAME']}"


class Worker:
    """A real `celery worker` process against the test database and Redis."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 2) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "statuspage", "worker",
                "--pool", "prefork", "--concurrency", str(concurrency), "--loglevel", "INFO",
                "--without-heartbeat", "--without-mingle", "--without-gossip",
                "--hostname", f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes its children too
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("worker did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole worker: no cleanup, no acks, as when a machine dies."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(tmp_path, mailbox) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(concurrency: int = 2, **extra: str) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": django_settings.REDIS_URL,
            "RUN_DIR": str(django_settings.RUN_DIR),
            "EMAIL_URL": f"smtp://127.0.0.1:{mailbox.port}",
            "ALLOW_PRIVATE_ADDRESSES": "true",
            "WEBHOOK_TIMEOUT_SECONDS": "2",
            "LOG_LEVEL": "WARNING",
            **extra,
        }
        worker = Worker(env, tmp_path / f"worker-{len(workers)}.log", concurrency)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def texts(settings) -> Iterator[list]:
    """SMS on, through the locmem provider (mainland numbers): the messages it was asked to
    send (statuspage.notify.sms.Message)."""
    from statuspage.notify import sms

    settings.SMS_URL = "locmem://"
    settings.SMS_COUNTRIES = ["CN"]
    sms.forget()
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()
    sms.forget()


@pytest.fixture
def stand_in(settings) -> Iterator:
    """The chat apps' stand-in on 127.0.0.1 (tests/notify/test_robots.py: AppStandIn), which
    checks each app's signature and answers as the app does; webhooks may post to it too."""
    from tests.notify.test_robots import AppStandIn  # it builds on this module

    settings.ALLOW_PRIVATE_ADDRESSES = True  # the stand-in lives on 127.0.0.1
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    server = AppStandIn()
    yield server
    server.close()

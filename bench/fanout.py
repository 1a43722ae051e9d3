"""Fan-out benchmark: one notice to many subscribers, beside the machine's own ceilings.

    .venv/bin/python bench/fanout.py            # the full run (about 10 minutes)
    .venv/bin/python bench/fanout.py --quick    # a small run to check the set-up

What it does, in one run, on this machine:
1. starts an SMTP sink and an HTTP receiver (bench/sinks.py), each in its own process;
2. measures the ceilings: plain smtplib sending over one connection to the sink, and plain
   aiohttp POSTing (100 in flight) to the receiver, with keep-alive and with a new connection
   per POST (what distinct webhook hosts cost);
3. for each scenario, loads subscribers into PostgreSQL, starts one Celery worker with
   concurrency 2, publishes one incident update through the service function (as the admin
   does) and times publish → last message received, sampling the worker's memory;
4. prints the figures and writes them to bench/results/fanout.json.

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL; defaults 127.0.0.1). The database named in
DATABASE_URL is dropped and created afresh: do not point it at one you care about.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.policy
import json
import os
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/statuspage_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Sink:
    def __init__(self, kind: str) -> None:
        self.port, self.control = free_port(), free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench" / "sinks.py"),
                kind,
                str(self.port),
                str(self.control),
            ]
        )
        wait_port(self.port)
        wait_port(self.control)

    def count(self) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.control}/count", timeout=5) as r:
            return json.load(r)["count"]

    def reset(self) -> None:
        request = urllib.request.Request(f"http://127.0.0.1:{self.control}/reset", method="POST")
        urllib.request.urlopen(request, timeout=5).close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def sample_email(size: int) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "x"
    line = "The borrowing window is paused while we fix a fault at our bank partner.\n"
    message.set_content(line * (size // 2 // len(line)))
    message.add_alternative("<p>" + line * (size // 2 // len(line)) + "</p>", subtype="html")
    return message.as_bytes(policy=email.policy.SMTP)  # CRLF line ends, as on the wire


def smtplib_ceiling(sink: Sink, count: int, size: int) -> float:
    body = sample_email(size)
    sink.reset()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for n in range(count):
            smtp.sendmail("a@example.com", [f"s{n}@example.com"], body)
    elapsed = time.perf_counter() - started
    assert sink.count() == count
    return count / elapsed


def http_ceiling(sink: Sink, count: int, size: int, *, keepalive: bool) -> float:
    import aiohttp

    body = b"x" * size

    async def run() -> float:
        connector = aiohttp.TCPConnector(limit=100, force_close=not keepalive)
        async with aiohttp.ClientSession(connector=connector) as session:
            queue = iter(range(count))

            async def worker() -> None:
                for n in queue:
                    async with session.post(
                        f"http://127.0.0.1:{sink.port}/hook/{n}", data=body
                    ) as r:
                        await r.read()

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(100)))
            return count / (time.perf_counter() - started)

    sink.reset()
    rate = asyncio.run(run())
    assert sink.count() == count
    return rate


def reset_database() -> None:
    import psycopg

    url = urlsplit(DATABASE_URL)
    name = url.path.lstrip("/")
    admin = f"postgresql://{url.netloc}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(smtp: Sink) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="statuspage.settings",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        RUN_DIR=str(ROOT / ".run" / "bench"),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        ALLOW_PRIVATE_ADDRESSES="true",
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load_subscribers(emails: int, webhooks: int, receiver: Sink) -> None:
    from django.db import connection

    from statuspage.notify.models import Subscriber

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notify_attempt, notify_delivery, notify_notice, notify_subscriber,"
            " status_incidentupdate, status_incident CASCADE"
        )
    batch = []
    for n in range(emails + webhooks):
        webhook = n >= emails
        batch.append(
            Subscriber(
                id=f"b{n:011d}",
                mode="webhook" if webhook else "email",
                email=f"s{n}@example.com",
                endpoint=f"http://127.0.0.1:{receiver.port}/hook/{n}" if webhook else "",
                state="active",
                language="zh-hans" if n % 2 else "en",
            )
        )
        if len(batch) == 5000:
            Subscriber.objects.bulk_create(batch)
            batch = []
    Subscriber.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notify_subscriber")


def start_worker(smtp: Sink, log: Path) -> subprocess.Popen:
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}"}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "statuspage", "worker", "--pool", "prefork",
            "--concurrency", "2", "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    time.sleep(4)  # the pool forks and connects; a late start would only flatter nothing
    return process


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


def run_scenario(name: str, emails: int, webhooks: int, smtp: Sink, http: Sink) -> dict:
    from statuspage.notify.models import Delivery
    from statuspage.status import services
    from statuspage.status.models import Incident

    print(f"-- {name}: {emails} email + {webhooks} webhook subscribers", flush=True)
    load_subscribers(emails, webhooks, http)
    smtp.reset()
    http.reset()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    RESULTS.mkdir(parents=True, exist_ok=True)
    worker = start_worker(smtp, RESULTS / f"worker-{name}.log")
    watched = psutil.Process(worker.pid)
    peak = baseline = tree_rss(watched)
    try:
        started = time.perf_counter()
        services.open_incident(
            Incident(name="Borrowing window paused", alternative_channel="Use the mini-program."),
            body="Borrowing is paused while we fix a fault at our bank partner.",
            notify=True,
        )
        email_done = webhook_done = None
        deadline = started + 1800
        while time.perf_counter() < deadline:
            got_email, got_webhook = smtp.count(), http.count()
            now = time.perf_counter() - started
            if email_done is None and got_email >= emails:
                email_done = now
            if webhook_done is None and got_webhook >= webhooks:
                webhook_done = now
            peak = max(peak, tree_rss(watched))
            if email_done is not None and webhook_done is not None:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"{name}: not finished in time: {smtp.count()} {http.count()}")
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    total = max(email_done, webhook_done)
    undelivered = Delivery.objects.exclude(status="delivered").count()
    result = {
        "scenario": name,
        "emails": emails,
        "webhooks": webhooks,
        "seconds_to_last_delivery": round(total, 2),
        "deliveries_per_second": round((emails + webhooks) / total, 1),
        "email_per_second": round(emails / email_done, 1) if emails else None,
        "webhook_per_second": round(webhooks / webhook_done, 1) if webhooks else None,
        "worker_rss_start_mb": round(baseline / 2**20, 1),
        "worker_rss_peak_mb": round(peak / 2**20, 1),
        "undelivered": undelivered,
    }
    print("   ", result, flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the set-up")
    parser.add_argument("--only", help="run this scenario alone (e.g. webhook-10k)")
    args = parser.parse_args()
    scale = 0.02 if args.quick else 1

    smtp, http = Sink("smtp"), Sink("http")
    try:
        print("-- ceilings", flush=True)
        ceilings = {
            "smtplib_one_connection_per_second": round(
                smtplib_ceiling(smtp, int(20000 * scale) or 200, 6000), 1
            ),
            "aiohttp_keepalive_per_second": round(
                http_ceiling(http, int(20000 * scale) or 200, 3000, keepalive=True), 1
            ),
            "aiohttp_new_connection_per_second": round(
                http_ceiling(http, int(10000 * scale) or 200, 3000, keepalive=False), 1
            ),
        }
        print("   ", ceilings, flush=True)
        reset_database()
        setup_django(smtp)
        scenarios = [
            ("email-10k", int(10_000 * scale), 0),
            ("email-100k", int(100_000 * scale), 0),
            ("webhook-10k", 0, int(10_000 * scale)),
            ("all-110k", int(100_000 * scale), int(10_000 * scale)),
        ]
        if args.only:
            scenarios = [s for s in scenarios if s[0] == args.only]
        results = [run_scenario(name, e, w, smtp, http) for name, e, w in scenarios]
    finally:
        smtp.stop()
        http.stop()

    by_name = {r["scenario"]: r for r in results}
    if args.only:
        print(json.dumps({"ceilings": ceilings, "results": results}, indent=2))
        return
    ratios = {
        "email_vs_smtplib": round(
            by_name["email-100k"]["email_per_second"]
            / ceilings["smtplib_one_connection_per_second"],
            2,
        ),
        "webhook_vs_keepalive": round(
            by_name["webhook-10k"]["webhook_per_second"] / ceilings["aiohttp_keepalive_per_second"],
            2,
        ),
        "webhook_vs_new_connection": round(
            by_name["webhook-10k"]["webhook_per_second"]
            / ceilings["aiohttp_new_connection_per_second"],
            2,
        ),
        "memory_100k_vs_10k": round(
            by_name["email-100k"]["worker_rss_peak_mb"]
            / by_name["email-10k"]["worker_rss_peak_mb"],
            2,
        ),
    }
    report = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "quick": args.quick,
        "ceilings": ceilings,
        "results": results,
        "ratios": ratios,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / ("fanout-quick.json" if args.quick else "fanout.json")).write_text(
        json.dumps(report, indent=2)
    )
    print(json.dumps({"ceilings": ceilings, "ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()

"""Fan-out benchmark: one notice to many subscribers, beside the machine's own ceilings.

    .venv/bin/python bench/fanout.py            # the full run (about 10 minutes)
    .venv/bin/python bench/fanout.py --quick    # a small run to check the set-up
    .venv/bin/python bench/fanout.py --faults   # only the fault scenarios (about 8 minutes)

What it does, in one run, on this machine:
1. starts an SMTP sink and an HTTP receiver (bench/sinks.py), each in its own process;
2. measures the ceilings: plain smtplib sending over one connection to the sink, and plain
   aiohttp POSTing (100 in flight) to the receiver, with keep-alive and with a new connection
   per POST (what distinct webhook hosts cost);
3. for each scenario, loads subscribers into PostgreSQL, starts one Celery worker with
   concurrency 2, publishes one incident update through the service function (as the admin
   does) and times publish → last message received, sampling the worker's memory;
4. prints the figures and writes them to bench/results/fanout.json.

With --faults it runs only the fault scenarios instead: 10,000 email + 10,000 webhook
subscribers, a Celery worker and a real `celery beat` (the sweeper), once undisturbed and once
each with (a) the worker's process group SIGKILLed at 30% and a new worker started, (b) Redis
(a redis-server of the bench's own, on a Unix socket) stopped at 30% and started again after 7 s,
(c) every PostgreSQL connection of the bench database terminated at 30%, again and again for
2 s (a restart as clients see it; the machine's PostgreSQL itself is left alone). Each reports
the time from the fault and from the restart to 100% delivery, repeated webhook-ids and
Message-IDs, and attempts per delivery; the report goes to bench/results/faults.json.

Needs PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL; defaults 127.0.0.1). The
database named in BENCH_DATABASE_URL is dropped and created afresh: do not point it at one you
care about.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.policy
import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
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


def open_the_incident() -> None:
    """The notice every subscriber gets: written per language, with a channel to tap."""
    from statuspage.status import services
    from statuspage.status.models import AlternativeChannel, Incident
    from statuspage.status.translation import set_texts

    mini, _created = AlternativeChannel.objects.get_or_create(
        url="https://m.example.com/borrow",
        defaults={"label_zh_hans": "微信小程序", "label_en": "WeChat mini-program"},
    )
    incident = Incident(reassurances=["funds_safe", "applications_kept"])
    set_texts(incident, "name", {"zh-hans": "借款暂停", "en": "Borrowing window paused"})
    services.open_incident(
        incident,
        body={
            "zh-hans": "合作银行故障，借款暂停，我们正在处理。",
            "en": "Borrowing is paused while we fix a fault at our bank partner.",
        },
        channels=[mini],
        notify=True,
    )


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

    def counts(self) -> dict[str, int]:
        """count (every message), distinct (by webhook-id or Message-ID), repeated, bytes."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.control}/count", timeout=5) as r:
            return json.load(r)

    def count(self) -> int:
        return self.counts()["count"]

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


def setup_django(smtp: Sink, redis_url: str = REDIS_URL) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="statuspage.settings",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=redis_url,
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


def start_worker(smtp: Sink, log: Path, mode: str = "w") -> subprocess.Popen:
    """A worker in a session of its own, so that its whole process group can be killed."""
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}"}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "statuspage", "worker", "--pool", "prefork",
            "--concurrency", "2", "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT, env=env, stdout=log.open(mode), stderr=subprocess.STDOUT,
        start_new_session=True,
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
        open_the_incident()
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


# --- Fault scenarios (--faults) ---

FAULT_AT = 0.3  # the share of messages arrived when the fault strikes
REDIS_DOWN_SECONDS = 7
DATABASE_DOWN_SECONDS = 2  # connections are terminated again and again for this long
RECOVERY_TARGET_SECONDS = 90  # the promise: everything delivered within this of the restart
MAX_ATTEMPTS_TARGET = 2
SETTLE_SECONDS = 150  # after 100% arrived, how long to wait for the database to agree


class Rig:
    """What a fault acts on: the sinks, the worker, the bench's own Redis, the marks it sets."""

    def __init__(self, smtp: Sink, http: Sink, redis_server, workdir: Path) -> None:
        self.smtp, self.http, self.redis = smtp, http, redis_server
        self.workdir = workdir
        self.worker: subprocess.Popen | None = None
        self.worker_log = RESULTS / "worker.log"
        self.marks: dict[str, float] = {}
        self.terminated = 0  # database connections, in the PostgreSQL scenario

    def mark(self, what: str) -> None:
        self.marks[what] = time.perf_counter()


def kill_worker(rig: Rig) -> None:
    """SIGKILL the worker and its pool, as the kernel's OOM killer or a power cut would."""
    rig.mark("fault")
    os.killpg(rig.worker.pid, signal.SIGKILL)
    rig.worker.wait()
    rig.mark("restart")
    rig.worker = start_worker(rig.smtp, rig.worker_log, mode="a")


def restart_redis(rig: Rig) -> None:
    """Stop the Redis (no persistence, like the embedded one: every queued message is lost)."""
    rig.mark("fault")
    rig.redis.stop()
    time.sleep(REDIS_DOWN_SECONDS)
    rig.redis.start()
    rig.mark("restart")


def drop_database_connections(rig: Rig) -> None:
    """A PostgreSQL restart as its clients see it: every connection of the bench database
    is terminated, and reconnections are terminated too, for DATABASE_DOWN_SECONDS."""
    import psycopg

    url = urlsplit(DATABASE_URL)
    rig.mark("fault")
    terminated = 0
    with psycopg.connect(f"postgresql://{url.netloc}/postgres", autocommit=True) as conn:
        until = time.monotonic() + DATABASE_DOWN_SECONDS
        while time.monotonic() < until:
            terminated += conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [url.path.lstrip("/")],
            ).fetchone()[0]
            time.sleep(0.05)
    rig.mark("restart")
    rig.terminated = terminated


FAULTS = {
    "none": None,
    "worker-killed": kill_worker,
    "redis-restarted": restart_redis,
    "postgres-restarted": drop_database_connections,
}


def start_beat(rig: Rig, log: Path) -> subprocess.Popen:
    """A real beat with a fresh schedule: the sweeper runs every SWEEP_INTERVAL_SECONDS."""
    schedule = rig.workdir / "beat-schedule"
    for old in rig.workdir.glob("beat-schedule*"):
        old.unlink()
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "statuspage", "beat", "--loglevel", "WARNING",
            "--schedule", str(schedule),
        ],
        cwd=ROOT, env=dict(os.environ), stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def stop_group(process: subprocess.Popen) -> None:
    """Ask the process to stop, then make sure nothing of its group is left."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def delivery_state() -> dict:
    """Attempts per delivery and what is not delivered yet, from the database."""
    from django.db import connection
    from django.db.models import Count, Max

    from statuspage.notify.models import Attempt, Delivery

    connection.close()  # the bench's own connection may have been terminated
    rows = Delivery.objects.values("attempts").annotate(n=Count("pk")).order_by("attempts")
    statuses = Delivery.objects.values("status").annotate(n=Count("pk"))
    return {
        "max_attempts": Delivery.objects.aggregate(m=Max("attempts"))["m"],
        "attempts": {str(row["attempts"]): row["n"] for row in rows},
        "attempt_rows": Attempt.objects.count(),
        "statuses": {row["status"]: row["n"] for row in statuses},
        "undelivered": Delivery.objects.exclude(status="delivered").count(),
    }


def run_fault_scenario(name: str, emails: int, webhooks: int, rig: Rig) -> dict:
    """Publish, strike the fault once FAULT_AT of the messages arrived, time 100% delivery."""
    import threading

    import redis

    fault = FAULTS[name]
    total = emails + webhooks
    print(f"-- {name}: {emails} email + {webhooks} webhook subscribers", flush=True)
    load_subscribers(emails, webhooks, rig.http)
    rig.smtp.reset()
    rig.http.reset()
    redis.Redis.from_url(rig.redis.url).flushdb()
    rig.marks, rig.terminated = {}, 0
    rig.worker_log = RESULTS / f"worker-{name}.log"
    beat = start_beat(rig, RESULTS / f"beat-{name}.log")
    rig.worker = start_worker(rig.smtp, rig.worker_log)
    striking: threading.Thread | None = None
    complete = None
    try:
        started = time.perf_counter()
        open_the_incident()
        deadline = started + 600
        while time.perf_counter() < deadline:
            arrived = rig.smtp.counts()["distinct"] + rig.http.counts()["distinct"]
            if arrived >= total:
                complete = time.perf_counter()
                break
            if fault and striking is None and arrived >= FAULT_AT * total:
                print(f"   {arrived}/{total} arrived: {name}", flush=True)
                striking = threading.Thread(target=fault, args=(rig,))
                striking.start()
            time.sleep(0.1)
        if striking is not None:
            striking.join()
        settled = None
        if complete is not None:  # wait for late outcomes and re-sends before counting repeats
            while time.perf_counter() < complete + SETTLE_SECONDS:
                if delivery_state()["undelivered"] == 0:
                    settled = time.perf_counter()
                    break
                time.sleep(1)
        beat_alive = beat.poll() is None
    finally:
        stop_group(rig.worker)
        stop_group(beat)
    emails_got, webhooks_got = rig.smtp.counts(), rig.http.counts()

    rig.marks["publish"] = started

    def between(first: str, then: float | None) -> float | None:
        if then is None or first not in rig.marks:
            return None
        return round(then - rig.marks[first], 2)

    result = {
        "scenario": name,
        "emails": emails,
        "webhooks": webhooks,
        "fault_at_seconds": between("publish", rig.marks.get("fault")),
        "down_seconds": between("fault", rig.marks.get("restart")),
        "seconds_to_100_percent": between("publish", complete),
        "seconds_fault_to_100_percent": between("fault", complete),
        "seconds_restart_to_100_percent": between("restart", complete),
        "seconds_to_database_settled": between("publish", settled),
        "email_received": emails_got["count"],
        "email_distinct": emails_got["distinct"],
        "email_repeated": emails_got["repeated"],
        "webhook_received": webhooks_got["count"],
        "webhook_distinct": webhooks_got["distinct"],
        "webhook_repeated": webhooks_got["repeated"],
        "beat_alive_at_end": beat_alive,
        **delivery_state(),
    }
    if rig.terminated:
        result["connections_terminated"] = rig.terminated
    recovery = result["seconds_restart_to_100_percent" if fault else "seconds_to_100_percent"]
    result["met_target"] = bool(
        complete
        and recovery is not None
        and recovery <= RECOVERY_TARGET_SECONDS
        and result["max_attempts"] <= MAX_ATTEMPTS_TARGET
    )
    print("   ", result, flush=True)
    return result


def print_fault_table(results: list[dict]) -> None:
    def cell(value) -> str:
        return "–" if value is None else str(value)

    header = (
        "scenario", "fault→100%", "restart→100%", "publish→100%", "later than none",
        "repeated webhook",
        "repeated email", "max attempts", "undelivered", "met",
    )  # fmt: skip
    print(" | ".join(header))
    for r in results:
        print(
            " | ".join(
                cell(v)
                for v in (
                    r["scenario"],
                    r["seconds_fault_to_100_percent"],
                    r["seconds_restart_to_100_percent"],
                    r["seconds_to_100_percent"],
                    r["seconds_later_than_undisturbed"],
                    r["webhook_repeated"],
                    r["email_repeated"],
                    r["max_attempts"],
                    r["undelivered"],
                    r["met_target"],
                )
            )
        )


def run_faults(scale: float, only: str | None) -> None:
    from statuspage.lib.embedded_redis import EmbeddedRedis

    workdir = Path(tempfile.mkdtemp(prefix="statuspage-faults-"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    redis_server = EmbeddedRedis(workdir / "redis.sock").start()
    smtp, http = Sink("smtp"), Sink("http")
    results = []
    try:
        reset_database()
        setup_django(smtp, redis_server.url)
        rig = Rig(smtp, http, redis_server, workdir)
        emails = webhooks = int(10_000 * scale)
        for name in FAULTS:
            if only and name != only:
                continue
            results.append(run_fault_scenario(name, emails, webhooks, rig))
        # On a shared machine, what a fault cost is best seen beside the run without one.
        undisturbed = {r["scenario"]: r["seconds_to_100_percent"] for r in results}.get("none")
        for r in results:
            r["seconds_later_than_undisturbed"] = (
                round(r["seconds_to_100_percent"] - undisturbed, 2)
                if undisturbed and r["seconds_to_100_percent"]
                else None
            )
    finally:
        smtp.stop()
        http.stop()
        redis_server.stop()
    report = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "scale": scale,
        "targets": {
            "seconds_restart_to_100_percent": RECOVERY_TARGET_SECONDS,
            "max_attempts": MAX_ATTEMPTS_TARGET,
        },
        "results": results,
    }
    (RESULTS / ("faults.json" if scale == 1 else f"faults-{scale}.json")).write_text(
        json.dumps(report, indent=2)
    )
    print_fault_table(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the set-up")
    parser.add_argument("--only", help="run this scenario alone (e.g. webhook-10k)")
    parser.add_argument("--faults", action="store_true", help="run only the fault scenarios")
    parser.add_argument("--scale", type=float, help="subscriber counts times this (default 1)")
    args = parser.parse_args()
    scale = args.scale or (0.02 if args.quick else 1)
    if args.faults:
        run_faults(scale, args.only)
        return

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

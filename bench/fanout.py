"""Fan-out benchmark: one notice to many subscribers, beside the machine's own ceilings.

    .venv/bin/python bench/fanout.py            # the full run (about 10 minutes)
    .venv/bin/python bench/fanout.py --quick    # a small run to check the set-up
    .venv/bin/python bench/fanout.py --faults   # only the fault scenarios (about 8 minutes)
    .venv/bin/python bench/fanout.py --only sms-10k

What it does, in one run, on this machine:
1. starts an SMTP sink, an HTTP receiver and an SMS provider stand-in (bench/sinks.py: Alibaba
   Cloud's SendSms), each in its own process;
2. measures the ceilings: plain smtplib sending over one connection to the sink, and plain
   aiohttp POSTing (100 in flight) to the receiver, with keep-alive and with a new connection
   per POST (what distinct webhook hosts cost); for SMS, the same SDK calls our channel makes
   (the Alibaba Cloud SDK, one client per thread) from a plain loop on SmsChannel.CONCURRENCY
   threads, in one process and in two (the worker's two pool processes), and raw aiohttp
   POSTs with keep-alive (the stand-in's own ceiling);
3. for each scenario, loads subscribers into PostgreSQL, starts one Celery worker with
   concurrency 2, publishes one incident update through the service function (as the admin
   does) and times publish → last message received, sampling the worker's memory;
4. prints the figures and writes them to bench/results/fanout.json (fanout-<name>.json with
   --only).

With --faults it runs only the fault scenarios instead: 10,000 email + 10,000 webhook + 1,000
chat robot (WeCom, on the HTTP receiver) + 1,000 SMS subscribers, interleaved, a Celery worker
and a real `celery beat` (the sweeper), once undisturbed and once
each with (a) the worker's process group SIGKILLed at 30% and a new worker started, (b) Redis
(a redis-server of the bench's own, on a Unix socket) stopped at 30% and started again after 7 s,
(c) every PostgreSQL connection of the bench database terminated at 30%, again and again for
2 s (a restart as clients see it; the machine's PostgreSQL itself is left alone). Each reports
the time from the fault and from the restart to 100% delivery, what each channel received
(distinct and repeated: webhook-ids, Message-IDs, robot URLs, phone numbers), and attempts per
delivery; the report goes to bench/results/faults.json.

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
import multiprocessing
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, urlsplit

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/statuspage_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
# The SMS provider of the bench: Alibaba Cloud's SDK costs the client less per call than
# Tencent Cloud's (bench/README.md), so the stand-in's ceiling is approached most closely.
SMS_KEY, SMS_SECRET, SMS_SIGN = "LTAI5tBench", "bench-secret", "借呗状态"
SMS_TEMPLATE = "${title}：${status}。详情${url} 回复TD退订"
# The caps must not bind: the bench measures sending, not the cost control.
SMS_CAPS = {"SMS_RATE_PER_SUBSCRIBER": "100000/h", "SMS_RATE_GLOBAL": "100000000/h"}
MODES = ("email", "webhook", "robot", "sms")


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

    def counts(self, kind: str = "main") -> dict[str, int]:
        """count (every message), distinct (by webhook-id, Message-ID, phone number; robots by
        URL), repeated, bytes. kind="robot": the chat robots the HTTP receiver answered."""
        url = f"http://127.0.0.1:{self.control}/count?kind={kind}"
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)

    def count(self) -> int:
        return self.counts()["count"]

    def reset(self) -> None:
        request = urllib.request.Request(f"http://127.0.0.1:{self.control}/reset", method="POST")
        urllib.request.urlopen(request, timeout=5).close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class Sinks:
    """Where each channel's messages arrive: robots at the HTTP receiver, counted apart."""

    def __init__(self) -> None:
        self.smtp, self.http, self.sms = Sink("smtp"), Sink("http"), Sink("sms")

    def counts(self, mode: str) -> dict[str, int]:
        if mode == "email":
            return self.smtp.counts()
        if mode == "robot":
            return self.http.counts("robot")
        return (self.http if mode == "webhook" else self.sms).counts()

    def reset(self) -> None:
        for sink in (self.smtp, self.http, self.sms):
            sink.reset()

    def stop(self) -> None:
        for sink in (self.smtp, self.http, self.sms):
            sink.stop()


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


def http_ceiling(
    sink: Sink,
    count: int,
    size: int,
    *,
    keepalive: bool,
    path: str = "/hook/{n}",
    headers: dict[str, str] | None = None,
) -> float:
    """Plain aiohttp, 100 POSTs in flight, to `path` (with the message's number in it)."""
    import aiohttp

    body = b"x" * size

    async def run() -> float:
        connector = aiohttp.TCPConnector(limit=100, force_close=not keepalive)
        async with aiohttp.ClientSession(connector=connector) as session:
            queue = iter(range(count))

            async def worker() -> None:
                for n in queue:
                    async with session.post(
                        f"http://127.0.0.1:{sink.port}{path.format(n=n)}",
                        data=body,
                        headers=headers,
                    ) as r:
                        await r.read()

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(100)))
            return count / (time.perf_counter() - started)

    sink.reset()
    rate = asyncio.run(run())
    assert sink.count() == count
    return rate


def sms_url(sink: Sink) -> str:
    return (
        f"aliyun://{SMS_KEY}:{SMS_SECRET}@127.0.0.1:{sink.port}/"
        f"?sign_name={quote(SMS_SIGN)}&scheme=http"
    )


def sms_ceiling_process(url: str, phones: range, threads: int, ready, go, timeout: float) -> None:
    """One process of the SDK ceiling: the calls Aliyun.send makes (a SendSmsRequest with the
    template's variables as JSON, one SDK client per thread), on `threads` threads."""
    import threading

    from alibabacloud_dysmsapi20170525.client import Client
    from alibabacloud_dysmsapi20170525.models import SendSmsRequest
    from alibabacloud_tea_openapi.models import Config
    from darabonba.runtime import RuntimeOptions

    parts = urlsplit(url)
    local = threading.local()

    def client() -> Client:
        if getattr(local, "client", None) is None:
            local.client = Client(
                Config(
                    access_key_id=SMS_KEY, access_key_secret=SMS_SECRET, endpoint=parts.netloc
                    .rpartition("@")[2], protocol="http", region_id="cn-hangzhou",
                    connect_timeout=int(timeout * 1000), read_timeout=int(timeout * 1000),
                )
            )  # fmt: skip
        return local.client

    def send(phone: int) -> None:
        request = SendSmsRequest(
            phone_numbers=f"138{phone:08d}",
            sign_name=SMS_SIGN,
            template_code="SMS_BENCH_OPENED",
            template_param=json.dumps(
                {"title": "借款暂停", "status": "借款暂不可用，还款正常。",
                 "url": "https://status.example.com/incidents/abcdefghijkl"},
                ensure_ascii=False,
            ),
        )  # fmt: skip
        body = client().send_sms_with_options(request, RuntimeOptions()).body
        assert body.code == "OK", body

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(send, range(90_000_000, 90_000_000 + threads)))  # connect, warm up
        ready.wait()
        go.wait()
        list(pool.map(send, phones))


def sms_sdk_ceiling(sink: Sink, count: int, processes: int, threads: int) -> float:
    """The SDK from a plain loop: `processes` processes of `threads` threads each; timed from
    the moment all are connected and warmed up."""
    context = multiprocessing.get_context("fork")
    ready, go = context.Barrier(processes + 1), context.Barrier(processes + 1)
    share = count // processes
    children = [
        context.Process(
            target=sms_ceiling_process,
            args=(sms_url(sink), range(p * share, (p + 1) * share), threads, ready, go, 10.0),
        )
        for p in range(processes)
    ]
    for child in children:
        child.start()
    ready.wait(timeout=60)
    sink.reset()
    started = time.perf_counter()
    go.wait(timeout=60)
    for child in children:
        child.join(timeout=600)
    elapsed = time.perf_counter() - started
    assert all(child.exitcode == 0 for child in children), [c.exitcode for c in children]
    assert sink.counts()["distinct"] == share * processes
    return share * processes / elapsed


def reset_database() -> None:
    import psycopg

    url = urlsplit(DATABASE_URL)
    name = url.path.lstrip("/")
    admin = f"postgresql://{url.netloc}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(sinks: Sinks, redis_url: str = REDIS_URL) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="statuspage.settings",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=redis_url,
        RUN_DIR=str(ROOT / ".run" / "bench"),
        EMAIL_URL=f"smtp://127.0.0.1:{sinks.smtp.port}",
        SMS_URL=sms_url(sinks.sms),
        ALLOW_PRIVATE_ADDRESSES="true",
        LOG_LEVEL="WARNING",
        **SMS_CAPS,
    )
    # With PostgreSQL the service wants one key for all its processes: the bench's own.
    os.environ.setdefault("SECRET_KEY", "bench-fanout-" + "k" * 40)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from statuspage.notify.models import SmsTemplate

    for language in ("zh-hans", "en"):  # the operator's approved template, per language
        SmsTemplate.objects.update_or_create(
            kind="incident_opened",
            language=language,
            defaults={
                "template_code": "SMS_BENCH_OPENED",
                "text": SMS_TEMPLATE,
                "variables": {"title": "title", "status": "status", "url": "url"},
            },
        )


def subscriber(n: int, mode: str, sinks: Sinks):
    """The n-th subscriber: webhooks and robots each at a URL of their own on the receiver."""
    from statuspage.notify.models import Subscriber

    id_ = f"b{n:011d}"
    made = Subscriber(
        id=id_,
        mode=mode,
        email=f"s{n}@example.com",
        state="active",
        language="zh-hans" if n % 2 else "en",
    )
    if mode == "webhook":
        made.endpoint = f"http://127.0.0.1:{sinks.http.port}/hook/{n}"
    elif mode == "robot":
        made.chat_app = "wecom"  # no signature: the key in the URL is its credential
        made.endpoint = f"http://127.0.0.1:{sinks.http.port}/cgi-bin/webhook/send?key={id_}"
    elif mode == "sms":
        made.email = ""
        made.phone = f"+86138{n:08d}"
    return made


def load_subscribers(mix: dict[str, int], sinks: Sinks, interleave: bool = False) -> None:
    """`mix[mode]` subscribers of each mode: one mode after the other in MODES order, or
    interleaved in proportion (every fan-out page then holds some of each)."""
    from django.db import connection

    from statuspage.notify.models import Subscriber

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notify_attempt, notify_delivery, notify_notice, notify_subscriber,"
            " status_incidentupdate, status_incident CASCADE"
        )
    order = [(mode, i) for mode in MODES for i in range(mix.get(mode, 0))]
    if interleave:
        order.sort(key=lambda item: (item[1] + 0.5) / mix[item[0]])
    batch = []
    for n, (mode, _i) in enumerate(order):
        batch.append(subscriber(n, mode, sinks))
        if len(batch) == 5000:
            Subscriber.objects.bulk_create(batch)
            batch = []
    Subscriber.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notify_subscriber")


def start_worker(log: Path, mode: str = "w") -> subprocess.Popen:
    """A worker in a session of its own, so that its whole process group can be killed."""
    env = dict(os.environ)  # the sinks' URLs, as setup_django set them
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


def run_scenario(name: str, mix: dict[str, int], sinks: Sinks) -> dict:
    from statuspage.notify.models import Delivery

    print(f"-- {name}: {describe(mix)}", flush=True)
    load_subscribers(mix, sinks)
    sinks.reset()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    RESULTS.mkdir(parents=True, exist_ok=True)
    worker = start_worker(RESULTS / f"worker-{name}.log")
    watched = psutil.Process(worker.pid)
    peak = baseline = tree_rss(watched)
    wanted = {mode: n for mode, n in mix.items() if n}
    done: dict[str, float] = {}
    try:
        started = time.perf_counter()
        open_the_incident()
        deadline = started + 1800
        while time.perf_counter() < deadline:
            now = time.perf_counter() - started
            for mode, n in wanted.items():
                if mode not in done and sinks.counts(mode)["count"] >= n:
                    done[mode] = now
            peak = max(peak, tree_rss(watched))
            if len(done) == len(wanted):
                break
            time.sleep(0.2)
        else:
            got = {mode: sinks.counts(mode)["count"] for mode in wanted}
            raise RuntimeError(f"{name}: not finished in time: {got}")
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    total = max(done.values())
    undelivered = Delivery.objects.exclude(status="delivered").count()
    result = {
        "scenario": name,
        **{PLURAL[mode]: mix.get(mode, 0) for mode in MODES},
        "seconds_to_last_delivery": round(total, 2),
        "deliveries_per_second": round(sum(wanted.values()) / total, 1),
        **{
            f"{mode}_per_second": round(n / done[mode], 1) if n else None for mode, n in mix.items()
        },
        "worker_rss_start_mb": round(baseline / 2**20, 1),
        "worker_rss_peak_mb": round(peak / 2**20, 1),
        "undelivered": undelivered,
    }
    print("   ", result, flush=True)
    return result


PLURAL = {"email": "emails", "webhook": "webhooks", "robot": "robots", "sms": "sms"}


def describe(mix: dict[str, int]) -> str:
    return " + ".join(f"{mix.get(mode, 0)} {mode}" for mode in MODES if mix.get(mode))


# --- Fault scenarios (--faults) ---

FAULT_AT = 0.3  # the share of messages arrived when the fault strikes
REDIS_DOWN_SECONDS = 7
DATABASE_DOWN_SECONDS = 2  # connections are terminated again and again for this long
RECOVERY_TARGET_SECONDS = 90  # the promise: everything delivered within this of the restart
MAX_ATTEMPTS_TARGET = 2
SETTLE_SECONDS = 150  # after 100% arrived, how long to wait for the database to agree


class Rig:
    """What a fault acts on: the sinks, the worker, the bench's own Redis, the marks it sets."""

    def __init__(self, sinks: Sinks, redis_server, workdir: Path) -> None:
        self.sinks, self.redis = sinks, redis_server
        self.workdir = workdir
        self.worker: subprocess.Popen | None = None
        self.worker_log = RESULTS / "worker.log"
        self.marks: dict[str, float] = {}
        self.terminated = 0  # database connections, in the PostgreSQL scenario

    def mark(self, what: str) -> None:
        self.marks[what] = time.perf_counter()


def kill_worker(rig: Rig) -> None:
    """SIGKILL the worker and its pool, as the kernel's OOM killer or a power cut would."""
    assert rig.worker is not None
    rig.mark("fault")
    os.killpg(rig.worker.pid, signal.SIGKILL)
    rig.worker.wait()
    rig.mark("restart")
    rig.worker = start_worker(rig.worker_log, mode="a")


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
            row = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [url.path.lstrip("/")],
            ).fetchone()
            terminated += row[0] if row else 0
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


def run_fault_scenario(name: str, mix: dict[str, int], rig: Rig) -> dict:
    """Publish, strike the fault once FAULT_AT of the messages arrived, time 100% delivery."""
    import threading

    import redis

    fault = FAULTS[name]
    total = sum(mix.values())
    print(f"-- {name}: {describe(mix)} subscribers, interleaved", flush=True)
    load_subscribers(mix, rig.sinks, interleave=True)
    rig.sinks.reset()
    redis.Redis.from_url(rig.redis.url).flushdb()
    rig.marks, rig.terminated = {}, 0
    rig.worker_log = RESULTS / f"worker-{name}.log"
    beat = start_beat(rig, RESULTS / f"beat-{name}.log")
    rig.worker = start_worker(rig.worker_log)
    striking: threading.Thread | None = None
    complete = None
    try:
        started = time.perf_counter()
        open_the_incident()
        deadline = started + 600
        while time.perf_counter() < deadline:
            arrived = sum(rig.sinks.counts(mode)["distinct"] for mode in mix)
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
    got = {mode: rig.sinks.counts(mode) for mode in MODES}

    rig.marks["publish"] = started

    def between(first: str, then: float | None) -> float | None:
        if then is None or first not in rig.marks:
            return None
        return round(then - rig.marks[first], 2)

    result = {
        "scenario": name,
        **{PLURAL[mode]: mix.get(mode, 0) for mode in MODES},
        "fault_at_seconds": between("publish", rig.marks.get("fault")),
        "down_seconds": between("fault", rig.marks.get("restart")),
        "seconds_to_100_percent": between("publish", complete),
        "seconds_fault_to_100_percent": between("fault", complete),
        "seconds_restart_to_100_percent": between("restart", complete),
        "seconds_to_database_settled": between("publish", settled),
        **{
            f"{mode}_{column}": got[mode][key]
            for mode in MODES
            for column, key in (
                ("received", "count"),
                ("distinct", "distinct"),
                ("repeated", "repeated"),
            )
        },
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
        "repeated webhook", "repeated email", "repeated robot", "repeated sms",
        "max attempts", "undelivered", "met",
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
                    r["robot_repeated"],
                    r["sms_repeated"],
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
    sinks = Sinks()
    results = []
    try:
        reset_database()
        setup_django(sinks, redis_server.url)
        rig = Rig(sinks, redis_server, workdir)
        mix = {
            "email": int(10_000 * scale),
            "webhook": int(10_000 * scale),
            "robot": int(1_000 * scale),
            "sms": int(1_000 * scale),
        }
        for name in FAULTS:
            if only and name != only:
                continue
            results.append(run_fault_scenario(name, mix, rig))
        # On a shared machine, what a fault cost is best seen beside the run without one.
        undisturbed = {r["scenario"]: r["seconds_to_100_percent"] for r in results}.get("none")
        for r in results:
            r["seconds_later_than_undisturbed"] = (
                round(r["seconds_to_100_percent"] - undisturbed, 2)
                if undisturbed and r["seconds_to_100_percent"]
                else None
            )
    finally:
        sinks.stop()
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
    name = "faults" if scale == 1 else f"faults-{scale}"
    (RESULTS / (f"{name}-{only}.json" if only else f"{name}.json")).write_text(
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

    scenarios = [
        ("email-10k", {"email": int(10_000 * scale)}),
        ("email-100k", {"email": int(100_000 * scale)}),
        ("webhook-10k", {"webhook": int(10_000 * scale)}),
        ("all-110k", {"email": int(100_000 * scale), "webhook": int(10_000 * scale)}),
        ("sms-10k", {"sms": int(10_000 * scale)}),
    ]
    if args.only:
        scenarios = [s for s in scenarios if s[0] == args.only]
        if not scenarios:
            parser.error(f"--only: no scenario {args.only!r}")
    used = {mode for _name, mix in scenarios for mode in mix}
    sinks = Sinks()
    try:
        reset_database()
        setup_django(sinks)  # before the ceilings: they use the channel's own concurrency
        from statuspage.notify.sms import SmsChannel

        print("-- ceilings", flush=True)
        ceilings = {}
        if "email" in used:
            ceilings["smtplib_one_connection_per_second"] = round(
                smtplib_ceiling(sinks.smtp, int(20000 * scale) or 200, 6000), 1
            )
        if "webhook" in used:
            ceilings["aiohttp_keepalive_per_second"] = round(
                http_ceiling(sinks.http, int(20000 * scale) or 200, 3000, keepalive=True), 1
            )
            ceilings["aiohttp_new_connection_per_second"] = round(
                http_ceiling(sinks.http, int(10000 * scale) or 200, 3000, keepalive=False), 1
            )
        if "sms" in used:
            count, threads = int(10_000 * scale) or 200, SmsChannel.CONCURRENCY
            for processes in (1, 2):
                ceilings[f"sms_sdk_{processes}x{threads}_threads_per_second"] = round(
                    sms_sdk_ceiling(sinks.sms, count, processes, threads), 1
                )
            ceilings["sms_aiohttp_keepalive_per_second"] = round(
                http_ceiling(
                    sinks.sms, count, 0, keepalive=True,
                    path="/?Action=SendSms&PhoneNumbers=138{n:08d}",
                    headers={"x-acs-action": "SendSms"},
                ),
                1,
            )  # fmt: skip
        print("   ", ceilings, flush=True)
        results = [run_scenario(name, mix, sinks) for name, mix in scenarios]
    finally:
        sinks.stop()

    ratios = ratios_of({r["scenario"]: r for r in results}, ceilings)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "quick": args.quick,
        "ceilings": ceilings,
        "results": results,
        "ratios": ratios,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "fanout-quick" if args.quick else "fanout"
    (RESULTS / (f"{name}-{args.only}.json" if args.only else f"{name}.json")).write_text(
        json.dumps(report, indent=2)
    )
    print(json.dumps({"ceilings": ceilings, "ratios": ratios}, indent=2))


def ratios_of(by_name: dict[str, dict], ceilings: dict[str, float]) -> dict[str, float]:
    """Each measured rate against its ceilings, for the scenarios that ran."""
    ratios = {}

    def ratio(key: str, scenario: str, rate: str, ceiling: str) -> None:
        if scenario in by_name and ceiling in ceilings and by_name[scenario][rate]:
            ratios[key] = round(by_name[scenario][rate] / ceilings[ceiling], 2)

    ratio("email_vs_smtplib", "email-100k", "email_per_second",
          "smtplib_one_connection_per_second")  # fmt: skip
    ratio("webhook_vs_keepalive", "webhook-10k", "webhook_per_second",
          "aiohttp_keepalive_per_second")  # fmt: skip
    ratio("webhook_vs_new_connection", "webhook-10k", "webhook_per_second",
          "aiohttp_new_connection_per_second")  # fmt: skip
    for ceiling in ceilings:
        if ceiling.startswith("sms_"):
            short = ceiling.removeprefix("sms_").removesuffix("_per_second")
            ratio(f"sms_vs_{short}", "sms-10k", "sms_per_second", ceiling)
    if "email-100k" in by_name and "email-10k" in by_name:
        ratios["memory_100k_vs_10k"] = round(
            by_name["email-100k"]["worker_rss_peak_mb"]
            / by_name["email-10k"]["worker_rss_peak_mb"],
            2,
        )
    return ratios


if __name__ == "__main__":
    main()

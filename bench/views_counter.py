"""What counting page views costs the read path's fast path: an A/B, in process and through
the web server.

    .venv/bin/python bench/views_counter.py            # the full run (about 4 minutes)
    .venv/bin/python bench/views_counter.py --quick    # short runs, to check the set-up

Issue 13 counts page views per minute (a surge is an early signal) with one integer increment
per request the fast path answers (statuspage/readpath/views_counter.py), and allows the fast
path to lose at most 5% of its speed for it. The other side of each pair is `Uncounted`
(bench/uncounted_wsgi.py): the same `__call__` without the increment, the method as it was
before issue 13.

One run:
1. starts the service as `make run` does (bench/read_path.py's Service: demo data, SQLite and
   the embedded Redis, or DATABASE_URL/REDIS_URL if set) and sets Django up in this process on
   the same database, Redis and RUN_DIR;
2. in process, where the increment's share is largest (no server, no socket): calls both fast
   paths on `/` from memory, 15 interleaved pairs of 20,000 requests;
3. through the web server, as bench/read_path.py measures the page: both behind granian (one
   worker on CPU 0, wrk on CPU 1), and a second counted server as the control (A/A), 6
   interleaved rounds of 10 s of wrk with 64 connections on `/`;
4. alternates which side goes first, and reports each side's requests per second (median and
   best) and the counted side's share of the uncounted one's (and, through granian, of the
   control's).

It prints the figures and writes them to bench/results/views_counter.json. Needs wrk
(Debian: `apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from read_path import RESULTS, ROOT, Service, fetch, free_port, need, wait_http, wrk

sys.path.insert(0, str(ROOT))  # this checkout's statuspage, as the service it starts runs

ENVIRON = {
    "REQUEST_METHOD": "GET",
    "PATH_INFO": "/",
    "QUERY_STRING": "",
    "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "127.0.0.1",
    "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9",
    "REMOTE_ADDR": "127.0.0.1",
    "wsgi.url_scheme": "http",
    "wsgi.version": (1, 0),
    "wsgi.multithread": True,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
    "wsgi.errors": sys.stderr,
}


def start_response(status: str, headers: list, exc_info=None) -> None:
    if not status.startswith("200"):
        raise SystemExit(f"the page answered {status}")


def run(app: Callable, requests: int) -> float:
    """Requests per second answering `/` `requests` times (each body consumed and closed)."""
    began = time.perf_counter()
    for _ in range(requests):
        environ = dict(ENVIRON, **{"wsgi.input": io.BytesIO()})
        body: Iterable[bytes] = app(environ, start_response)
        for _chunk in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return requests / (time.perf_counter() - began)


def _figures(runs: dict[str, list[float]]) -> str:
    return ", ".join(f"{name} {values[-1]:,.0f}/s" for name, values in runs.items())


def summary(runs: dict[str, list[float]], **about: object) -> dict:
    """Each side's median and best requests per second, and the counted side's share."""
    counted, uncounted = runs["counted"], runs["uncounted"]
    return {
        **about,
        **{
            f"{name}_per_second": {"median": round(statistics.median(v)), "best": round(max(v))}
            for name, v in runs.items()
        },
        "counted_share_of_uncounted": {
            "median": round(statistics.median(counted) / statistics.median(uncounted), 4),
            "best": round(max(counted) / max(uncounted), 4),
        },
    }


def granian(module: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """The web server as the Procfile starts it, one worker pinned to CPU 0, serving `module`
    (from bench/, on this checkout's statuspage), on a port of its own; returns the process
    and its base URL."""
    port = free_port()
    process = subprocess.Popen(
        ["taskset", "-c", "0", sys.executable, "-m", "granian", "--interface", "wsgi",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--no-ws",
         "--log-level", "warning", module],
        cwd=Path(__file__).parent,
        env={**env, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/")
    return process, url


def in_process(pairs: int, requests: int) -> dict:
    """Both fast paths called in this process, interleaved."""
    from uncounted_wsgi import Uncounted

    from statuspage import wsgi
    from statuspage.readpath import fastpath

    sides = {
        "counted": fastpath.FastPath(wsgi.django_application),
        "uncounted": Uncounted(wsgi.django_application),
    }
    for app in sides.values():
        run(app, 1_000)  # the first goes through Django; the rest warm the memory path
    runs: dict[str, list[float]] = {name: [] for name in sides}
    for pair in range(pairs):
        order = list(sides) if pair % 2 == 0 else list(reversed(sides))
        for name in order:
            runs[name].append(run(sides[name], requests))
        print(
            f"in process, pair {pair + 1}: " + ", ".join(f"{n} {runs[n][-1]:,.0f}/s" for n in sides)
        )
    return summary(runs, pairs=pairs, requests_per_run=requests)


def through_granian(env: dict[str, str], pairs: int, seconds: int) -> dict:
    """Both fast paths behind granian, measured by wrk on `/` as bench/read_path.py measures
    the page (64 connections), interleaved. Each server has one worker pinned to CPU 0 and wrk
    runs on CPU 1, so neither takes the other's core: on 2 cores, two workers and wrk's two
    threads share them and the runs vary by ±20%. A second counted server is the control (A/A):
    what two identical servers differ by is the noise the A/B is read against."""
    servers = {
        "counted": granian("statuspage.wsgi:application", env),
        "counted_again": granian("statuspage.wsgi:application", env),
        "uncounted": granian("uncounted_wsgi:application", env),
    }
    try:
        for _, url in servers.values():
            fetch(url + "/", **{"Accept-Language": "zh-CN"})  # the route and page in memory
            wrk(url + "/", 3, threads=1, cpus="1", Accept_Language="zh-CN")  # the threads up
        runs: dict[str, list[float]] = {name: [] for name in servers}
        for pair in range(pairs):
            order = list(servers)[pair % 3 :] + list(servers)[: pair % 3]  # each goes first
            for name in order:
                url = servers[name][1] + "/"
                measured = wrk(url, seconds, threads=1, cpus="1", Accept_Language="zh-CN")
                assert measured["non_2xx"] == measured["socket_errors"] == 0, measured
                runs[name].append(measured["rps"])
            print(f"granian, round {pair + 1}: {_figures(runs)}", flush=True)
    finally:
        for process, _ in servers.values():
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    control = summary({"counted": runs["counted_again"], "uncounted": runs["counted"]})
    return summary(
        {"counted": runs["counted"], "uncounted": runs["uncounted"]},
        rounds=pairs, seconds_per_run=seconds, workers=1, connections=64,
        control_a_a=control["counted_share_of_uncounted"],
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    need("wrk", "wrk")
    pairs, requests = (3, 5_000) if args.quick else (15, 20_000)
    server_pairs, seconds = (1, 3) if args.quick else (6, 10)

    service = Service(free_port())
    try:
        for name in ("RUN_DIR", "PUBLIC_URL", "PUBLISH_DIR", "BENCH_ENDPOINTS", "LOG_LEVEL"):
            os.environ[name] = service.env[name]
        report = {
            "cpus": os.cpu_count(),
            "in_process": in_process(pairs, requests),
            "through_granian": through_granian(service.env, server_pairs, seconds),
        }
    finally:
        service.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "views_counter.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

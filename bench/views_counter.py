"""What counting page views costs the read path's fast path: an in-process A/B.

    .venv/bin/python bench/views_counter.py            # 15 interleaved pairs of 20,000 requests
    .venv/bin/python bench/views_counter.py --quick    # 3 pairs of 5,000, to check the set-up

Issue 13 counts page views per minute (a surge is an early signal) with one integer increment
per request the fast path answers (statuspage/readpath/views_counter.py). Through an HTTP server
that increment is lost in the server's own cost, so this measures where it is largest: the WSGI
fast path called in this process, answering `/` from memory, with no server and no socket.

One run:
1. starts the service as `make run` does (bench/read_path.py's Service: demo data, SQLite and
   the embedded Redis, or DATABASE_URL/REDIS_URL if set) and sets Django up in this process on
   the same database, Redis and RUN_DIR;
2. builds two fast paths over one Django application: ours, and `Uncounted`, the same `__call__`
   without the increment (the method as it was before issue 13);
3. warms both (the first request goes through Django and is cached), then runs them in
   interleaved pairs, alternating which goes first, and reports each side's requests per second
   (median and best) and the counted side's share of the uncounted one's.

It prints the figures and writes them to bench/results/views_counter.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable

from read_path import RESULTS, ROOT, Service, free_port

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    pairs, requests = (3, 5_000) if args.quick else (15, 20_000)

    service = Service(free_port())
    try:
        for name in ("RUN_DIR", "PUBLIC_URL", "PUBLISH_DIR", "BENCH_ENDPOINTS", "LOG_LEVEL"):
            os.environ[name] = service.env[name]
        from statuspage import wsgi  # sets Django up: first
        from statuspage.readpath import fastpath
        from statuspage.status import pageversion

        class Uncounted(fastpath.FastPath):
            """FastPath.__call__ as it was before page views were counted."""

            def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
                if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
                    return self.app(environ, start_response)
                identity = (
                    environ.get("PATH_INFO", ""),
                    environ.get("QUERY_STRING", ""),
                    fastpath._language_cookie(environ),
                    environ.get("HTTP_ACCEPT_LANGUAGE", ""),
                )
                parts = self._routes.get(identity)
                if parts is not None:
                    rendered = fastpath.responses.in_memory(
                        fastpath.cache_key(pageversion.current(), fastpath.page_key(*parts))
                    )
                    if rendered is not None:
                        return self._serve(rendered, environ, start_response)
                return self._through_django(identity, environ, start_response)

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
            print(f"pair {pair + 1}: " + ", ".join(f"{n} {runs[n][-1]:,.0f}/s" for n in sides))
    finally:
        service.stop()

    report = {
        "pairs": pairs,
        "requests_per_run": requests,
        "cpus": os.cpu_count(),
        **{
            f"{name}_per_second": {
                "median": round(statistics.median(values)),
                "best": round(max(values)),
            }
            for name, values in runs.items()
        },
    }
    report["counted_share_of_uncounted"] = {
        "median": round(
            statistics.median(runs["counted"]) / statistics.median(runs["uncounted"]), 4
        ),
        "best": round(max(runs["counted"]) / max(runs["uncounted"]), 4),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "views_counter.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Time to tell: from a fault to the page, and from publishing to every subscriber (issue 13).

    .venv/bin/python bench/time_to_tell.py            # 10,000 webhook subscribers
    .venv/bin/python bench/time_to_tell.py --quick    # 500, to check the set-up

One run, on this machine:
1. starts a local HTTP target (in this process) answering 200, and a webhook receiver (a process
   of its own) that notes when each incident notice arrives (component notices are counted
   apart);
2. starts the service as `make run` does (web, worker, beat; SQLite and the embedded Redis, or
   DATABASE_URL/REDIS_URL if set) with one component, a probe on the target (10 s interval, two
   failures make a major outage) and N active webhook subscribers;
3. waits for the probe to see the target healthy, then switches the target to answer 500 and
   times: the first failing check, the component changing on the public API
   (/api/v2/components.json, the page's own cached read path), the draft incident appearing in
   the management API;
4. publishes the draft through the management API (PATCH {"incident": {"published": true}})
   and times the incident notice's arrival at 50%, 99% and 100% of the subscribers.
It prints each stage and writes the figures to bench/results/time_to_tell.json.
Targets: fault → page ≤ 30 s; publish → 99% of subscribers ≤ 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from read_path import ROOT, Service, api, free_port

RESULTS = ROOT / "bench" / "results"
INTERVAL = 10
FAILURES = 2


class Target:
    """The lender's borrowing endpoint: healthy (200) until `fail()`; notes each check's time."""

    def __init__(self) -> None:
        self.failing = False
        self.hits: list[tuple[float, bool]] = []
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                target.hits.append((time.time(), target.failing))
                body = b"error" if target.failing else b"borrowing works"
                self.send_response(500 if target.failing else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"


def receiver(port: int, control: int) -> None:
    """(A process of its own.) Count webhook POSTs; note when each incident notice arrived."""
    import asyncio

    from aiohttp import web

    arrivals: list[float] = []
    seen: set[str] = set()
    other = [0]

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        if isinstance(payload, dict) and "incident" in payload:
            webhook_id = request.headers.get("webhook-id", str(len(arrivals)))
            if webhook_id not in seen:
                seen.add(webhook_id)
                arrivals.append(time.time())
        else:
            other[0] += 1
        return web.Response(status=204)

    async def count(request: web.Request) -> web.Response:
        return web.json_response({"incident": arrivals, "other": other[0]})

    async def main() -> None:
        hooks = web.Application(client_max_size=1024 * 1024)
        hooks.router.add_post("/{tail:.*}", receive)
        runner = web.AppRunner(hooks, access_log=None, keepalive_timeout=75)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port, backlog=4096).start()
        ctl = web.Application()
        ctl.router.add_get("/count", count)
        ctl_runner = web.AppRunner(ctl, access_log=None)
        await ctl_runner.setup()
        await web.TCPSite(ctl_runner, "127.0.0.1", control).start()
        await asyncio.Event().wait()

    asyncio.run(main())


def get_json(url: str, headers: dict[str, str] | None = None) -> object:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


SEED = """
from statuspage.monitors.models import Probe
from statuspage.monitors.signals import save_probe
from statuspage.notify.models import Subscriber
from statuspage.status import services
from statuspage.status.models import Component
component = services.save_component(Component(name_en="Disbursement", name_zh_hans="放款"))
save_probe(Probe(component=component, url="{target}", interval_seconds={interval},
                 timeout_seconds=2, degraded_after={failures}, outage_after={failures},
                 recover_after=2))
batch = [
    Subscriber(id=f"b{{n:011d}}", mode="webhook", email=f"s{{n}}@example.com",
               endpoint=f"http://127.0.0.1:{hooks}/hook/{{n}}", state="active",
               language="zh-hans" if n % 2 else "en")
    for n in range({subscribers})
]
Subscriber.objects.bulk_create(batch, batch_size=2000)
print(component.pk)
"""


def percentile_time(arrivals: list[float], share: float, total: int) -> float | None:
    needed = max(1, int(total * share + 0.999999))
    return sorted(arrivals)[needed - 1] if len(arrivals) >= needed else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 subscribers, not 10,000")
    parser.add_argument("--subscribers", type=int)
    args = parser.parse_args()
    subscribers = args.subscribers or (500 if args.quick else 10_000)

    import multiprocessing

    target = Target()
    hooks_port, control_port = free_port(), free_port()
    receiving = multiprocessing.Process(
        target=receiver, args=(hooks_port, control_port), daemon=True
    )
    receiving.start()
    seed = SEED.format(
        target=target.url,
        interval=INTERVAL,
        failures=FAILURES,
        hooks=hooks_port,
        subscribers=subscribers,
    )
    print(f"-- starting the service with {subscribers} webhook subscribers", flush=True)
    service = Service(free_port(), seed=seed, ALLOW_PRIVATE_ADDRESSES="true")
    report: dict = {
        "subscribers": subscribers,
        "probe_interval_seconds": INTERVAL,
        "failures_for_outage": FAILURES,
        "cpus": os.cpu_count(),
    }
    try:
        key = service.manage("create_api_key", "--scopes", "read,write", "--name", "bench")
        key = key.split()[-1]
        auth = {"Authorization": f"OAuth {key}"}
        page_id = get_json(service.url("/api/v2/status.json"))["page"]["id"]  # type: ignore[index]

        # The probe has seen the target healthy (twice: it runs on its own schedule).
        deadline = time.time() + 60
        while len(target.hits) < 2 and time.time() < deadline:
            time.sleep(0.2)
        if len(target.hits) < 2:
            raise RuntimeError("the probe never checked the target")

        def component_status() -> str:
            components = get_json(service.url("/api/v2/components.json"))["components"]  # type: ignore[index]
            return components[0]["status"]

        assert component_status() == "operational"
        # The fault strikes just after a healthy check: the worst case for detection is a slot
        # later; this is the typical one.
        last_check = target.hits[-1][0]
        while target.hits[-1][0] == last_check:
            time.sleep(0.05)
        time.sleep(0.5)
        print("-- the target fails now", flush=True)
        fault = time.time()
        target.failing = True

        page_at = draft_at = None
        draft_id = None
        deadline = fault + 120
        while time.time() < deadline and (page_at is None or draft_id is None):
            if page_at is None and component_status() != "operational":
                page_at = time.time()
                print(f"   page shows it after {page_at - fault:.1f} s", flush=True)
            if draft_id is None:
                listed = get_json(service.url(f"/v1/pages/{page_id}/incidents"), headers=auth)
                if listed:
                    draft_id = listed[0]["id"]  # type: ignore[index]
                    draft_at = time.time()
                    print(f"   draft waiting after {draft_at - fault:.1f} s", flush=True)
            time.sleep(0.2)
        if page_at is None or draft_id is None:
            raise RuntimeError("the fault never reached the page")
        failing_checks = [at for at, failing in target.hits if failing]
        public = get_json(service.url("/api/v2/incidents.json"))["incidents"]  # type: ignore[index]
        assert not public, "the draft is on the public API before it is published"

        print("-- publishing the draft through the management API", flush=True)
        published = time.time()
        status, took = api(
            service,
            key,
            "PATCH",
            f"/v1/pages/{page_id}/incidents/{draft_id}",
            {"incident": {"published": True}},
        )
        if status != 200:
            raise RuntimeError(f"publishing answered {status}")
        deadline = published + 600
        arrivals: list[float] = []
        while time.time() < deadline:
            arrivals = get_json(f"http://127.0.0.1:{control_port}/count")["incident"]  # type: ignore[index]
            if len(arrivals) >= subscribers:
                break
            time.sleep(0.5)
        on_page = bool(get_json(service.url("/api/v2/incidents.json"))["incidents"])  # type: ignore[index]

        def since_publish(share: float) -> float | None:
            at = percentile_time(arrivals, share, subscribers)
            return None if at is None else round(at - published, 2)

        report.update(
            {
                "fault_to_first_failing_check_s": round(failing_checks[0] - fault, 2),
                "fault_to_second_failing_check_s": round(failing_checks[1] - fault, 2)
                if len(failing_checks) > 1
                else None,
                "fault_to_page_s": round(page_at - fault, 2),
                "fault_to_draft_s": round(draft_at - fault, 2),  # type: ignore[operator]
                "publish_request_s": round(took, 3),
                "published_on_public_api": on_page,
                "publish_to_50pct_s": since_publish(0.5),
                "publish_to_99pct_s": since_publish(0.99),
                "publish_to_100pct_s": since_publish(1.0),
                "notices_received": len(arrivals),
            }
        )
    finally:
        service.stop()
        receiving.terminate()
    print(json.dumps(report, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "time_to_tell_quick.json" if subscribers < 10_000 else "time_to_tell.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2) + "\n")
    page_ok = report["fault_to_page_s"] <= 30
    p99 = report["publish_to_99pct_s"]
    fan_ok = p99 is not None and p99 <= 60
    print(f"fault → page ≤ 30 s: {'yes' if page_ok else 'NO'}; "
          f"publish → 99% ≤ 60 s: {'yes' if fan_ok else 'NO'}")  # fmt: skip


if __name__ == "__main__":
    main()

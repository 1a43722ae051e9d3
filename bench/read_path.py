"""Read-path benchmark: the public page under an outage's rush, beside the machine's ceilings.

    .venv/bin/python bench/read_path.py                    # the full run (about 8 minutes)
    .venv/bin/python bench/read_path.py --quick            # 3-second runs, to check the set-up
    .venv/bin/python bench/read_path.py --compare-servers  # also gunicorn, to justify granian
    .venv/bin/python bench/read_path.py --offsite-only     # publish-to-visible on the object store

One run, on this machine:
1. starts the service as `make run` does (demo data; SQLite and the embedded Redis, or
   DATABASE_URL/REDIS_URL if set), with PUBLISH_DIR and the benchmark's ceiling view on;
2. measures with wrk (64 connections) `/` in both languages, `/api/v2/summary.json`,
   `/api/v2/status.json` and `/api/app/status.json` (default and English), each with and
   without `Accept-Encoding: gzip`, beside
   (a) the same server answering a constant-bytes view through the same middleware and
   (b) nginx serving the identical bytes as a static file;
3. measures the published files behind deploy/nginx.conf against (b);
4. measures post-to-visible: a management-API write, then polling until every web worker
   serves the new content;
5. runs the surge: 20 s of wrk at 256 connections on `/` while 10 updates are posted through the
   API: counts errors, times each post, and checks the page shows every update;
6. measures publish-to-visible on the object store: the service also publishes to an
   S3-compatible server (moto's, in a process of its own) through PUBLISH_TARGETS; a
   management-API write, then polling the bucket until its manifest names a newer version and
   its components.json and English page show the change (`--offsite-only` runs just this).
It prints the figures and ratios and writes them to bench/results/read_path.json.

Needs wrk and nginx (Debian: `apt-get install wrk nginx-light libnginx-mod-http-brotli-static`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
RUN_DIR = ROOT / ".run" / "bench-read"
NGINX_MODULES = "/usr/lib/nginx/modules"


def need(binary: str, package: str) -> str:
    found = shutil.which(binary) or (
        f"/usr/sbin/{binary}" if Path(f"/usr/sbin/{binary}").exists() else None
    )
    if not found:
        sys.exit(f"{binary} is missing: apt-get install {package}")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wrk(
    url: str,
    seconds: int,
    connections: int = 64,
    *,
    threads: int = 2,
    cpus: str = "",
    **headers: str,
) -> dict:
    """wrk's figures for `url`; `cpus` pins wrk to those CPUs (taskset), away from a server."""
    command = [
        *(["taskset", "-c", cpus] if cpus else []),
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
    ]  # fmt: skip
    for name, value in headers.items():
        command += ["-H", f"{name.replace('_', '-')}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": round(latency("50"), 2),
        "p99_ms": round(latency("99"), 2),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": sum(map(int, sockets.groups())) if sockets else 0,
    }


class Service:
    """The whole service as `make run` starts it (web, worker, beat)."""

    def __init__(self, port: int, seed: str = "", **extra_env: str) -> None:
        shutil.rmtree(RUN_DIR, ignore_errors=True)
        RUN_DIR.mkdir(parents=True)
        self.port = port
        # Not inside RUN_DIR: that is private to the service (0700), and nginx's workers run as
        # another user.
        self.publish_dir = Path(tempfile.mkdtemp(prefix="statuspage-published-"))
        self.publish_dir.chmod(0o755)
        self.env = {
            **os.environ,
            "RUN_DIR": str(RUN_DIR),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "PUBLISH_DIR": str(self.publish_dir),
            "BENCH_ENDPOINTS": "true",
            "LOG_LEVEL": "WARNING",
            **extra_env,
        }
        if seed:  # components of our own before the first start: the demo is then not loaded
            self.manage("migrate", "--noinput")
            self.manage("shell", "-c", seed)
        self.log = (RUN_DIR / "service.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "statuspage.launcher"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_http(self.url("/"))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
            text=True, check=True,
        ).stdout  # fmt: skip

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.publish_dir, ignore_errors=True)


class Nginx:
    def __init__(self, config: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        modules = ""
        if Path(NGINX_MODULES, "ngx_http_brotli_static_module.so").exists():
            modules = f"load_module {NGINX_MODULES}/ngx_http_brotli_static_module.so;\n"
        elif "brotli_static" in config:
            config = config.replace("brotli_static on;", "")
        temp = "\n".join(
            f" {kind}_temp_path {self.dir};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.dir / "nginx.conf").write_text(
            f"{modules}worker_processes 2;\npid {self.dir}/nginx.pid;\n"
            f"error_log {self.dir}/error.log;\nevents {{ worker_connections 4096; }}\n"
            "http {\n include /etc/nginx/mime.types;\n access_log off;\n sendfile on;\n"
            f"{temp}\n{config}\n}}\n"
        )
        self.process = subprocess.Popen(
            [need("nginx", "nginx-light"), "-c", str(self.dir / "nginx.conf"), "-g", "daemon off;"]
        )
        time.sleep(0.5)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def static_ceiling(bodies: dict[str, bytes], port: int) -> Nginx:
    """nginx serving the identical bytes as plain static files (gzip_static for .gz)."""
    root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    root.chmod(0o755)  # nginx's workers run as an unprivileged user
    for name, body in bodies.items():
        (root / name).write_bytes(body)
        (root / name).chmod(0o644)
    return Nginx(
        f"server {{ listen 127.0.0.1:{port} reuseport backlog=4096; root {root}; gzip_static on;"
        " location / { } }"
    )


def api(service: Service, key: str, method: str, path: str, body: dict) -> tuple[int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    started = time.perf_counter()
    connection.request(
        method,
        path,
        body=json.dumps(body),
        headers={"Authorization": f"OAuth {key}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, time.perf_counter() - started


BUCKET = "bench-site"
STORE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class ObjectStore:
    """An S3-compatible server (moto's server mode) in a process of its own: what the service
    publishes its off-site copy to (PUBLISH_TARGETS)."""

    def __init__(self, port: int) -> None:
        import boto3

        self.endpoint = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        self.client.create_bucket(Bucket=BUCKET)

    @property
    def target(self) -> str:
        return f"s3://{BUCKET}?endpoint_url={self.endpoint}&region=us-east-1&addressing=path"

    def get(self, key: str) -> bytes | None:
        """An object's bytes as a visitor reads them (stored gzipped: decoded)."""
        import gzip

        try:
            answer = self.client.get_object(Bucket=BUCKET, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        body = answer["Body"].read()
        return gzip.decompress(body) if answer.get("ContentEncoding") == "gzip" else body

    def version(self) -> int:
        manifest = self.get("version.json")
        return json.loads(manifest)["version"] if manifest else 0

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def publish_to_visible(service: Service, store: ObjectStore, key: str, page_id: str) -> dict:
    """A management-API write, then polling the bucket until the manifest names a newer version,
    components.json shows the change and the English page is a new one."""
    components = json.loads(fetch(service.url("/api/v2/components.json"))[2])["components"]
    target = next(c for c in components if not c["group"])
    times = []
    # The first write is a warm-up (the first publish uploads every asset): not counted.
    for status_value in ["degraded_performance"] + ["major_outage", "operational"] * 4:
        before, page_before = store.version(), store.get("en/index.html")
        marker = re.compile(rf'"id":"{target["id"]}"[^{{}}]*"status":"{status_value}"'.encode())
        started = time.perf_counter()
        code, _ = api(
            service, key, "PATCH", f"/v1/pages/{page_id}/components/{target['id']}",
            {"component": {"status": status_value}},
        )  # fmt: skip
        assert code == 200, code
        while True:
            if time.perf_counter() - started > 60:
                raise RuntimeError(f"{status_value} not on the object store within 60 s")
            if store.version() > before:
                json_body = store.get("api/v2/components.json") or b""
                if marker.search(json_body) and store.get("en/index.html") != page_before:
                    break
            time.sleep(0.02)
        times.append(time.perf_counter() - started)
        time.sleep(1)
    counted = times[1:]
    return {"seconds": [round(t, 3) for t in counted], "max_seconds": round(max(counted), 3)}


# --offsite-only needs no demo data: a page with a few components of its own is enough.
SEED = """
from statuspage.status.models import Component
for n, name in enumerate(["Identity verification", "Credit assessment", "Disbursement", "App"]):
    Component.objects.create(name_en=name, name_zh_hans=name, position=n)
"""


def offsite_only() -> None:
    store = ObjectStore(free_port())
    service = Service(
        free_port(),
        seed=SEED,
        PUBLISH_TARGETS=store.target,
        LOG_LEVEL="INFO",  # the worker's timings of each render and publish, in service.log
        **STORE_CREDENTIALS,
    )
    try:
        key = service.manage("create_api_key", "--scopes", "read,write", "--name", "bench").split()[
            -1
        ]
        page_id = json.loads(fetch(service.url("/api/v2/status.json"))[2])["page"]["id"]
        print("-- publish to visible on the object store", flush=True)
        result = publish_to_visible(service, store, key, page_id)
        print("   ", result, flush=True)
    finally:
        service.stop()
        store.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "read_path-offsite.json").write_text(
        json.dumps({"publish_to_visible_object_store": result}, indent=2)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--compare-servers", action="store_true")
    parser.add_argument("--offsite-only", action="store_true")
    args = parser.parse_args()
    if args.offsite_only:
        return offsite_only()
    seconds = 3 if args.quick else 10
    need("wrk", "wrk")
    need("nginx", "nginx-light")

    store = ObjectStore(free_port())
    service = Service(free_port(), PUBLISH_TARGETS=store.target, **STORE_CREDENTIALS)
    report: dict = {"seconds_per_run": seconds, "connections": 64, "cpus": os.cpu_count()}
    nginx_static = nginx_published = None
    try:
        key = service.manage("create_api_key", "--scopes", "read,write", "--name", "bench").split()[
            -1
        ]
        page_id = json.loads(fetch(service.url("/api/v2/status.json"))[2])["page"]["id"]
        targets = {
            "page_en": ("/", {"Accept-Language": "en"}),
            "page_zh": ("/", {"Accept-Language": "zh-CN,zh;q=0.9"}),
            "summary": ("/api/v2/summary.json", {}),
            "status": ("/api/v2/status.json", {}),
            "app_status": ("/api/app/status.json", {}),
            "app_status_en": ("/api/app/status.json?lang=en", {}),
        }
        for path, headers in targets.values():  # warm every worker's memory
            for _ in range(50):
                fetch(service.url(path), **headers)
        _, _, page_bytes = fetch(service.url("/"), **{"Accept-Language": "en"})
        _, _, page_gzip = fetch(
            service.url("/"), **{"Accept-Language": "en", "Accept-Encoding": "gzip"}
        )

        print("-- ceilings", flush=True)
        constant = service.url(f"/_bench/constant?bytes={len(page_bytes)}")
        static_port = free_port()
        nginx_static = static_ceiling(
            {"page.html": page_bytes, "page.html.gz": page_gzip}, static_port
        )
        static_url = f"http://127.0.0.1:{static_port}/page.html"
        ceilings = {
            "a_app_constant": wrk(constant, seconds),
            "b_nginx_static": wrk(static_url, seconds),
            "b_nginx_static_gzip": wrk(static_url, seconds, **{"Accept-Encoding": "gzip"}),
        }
        print("   ", ceilings, flush=True)

        print("-- cached read path through the application (granian)", flush=True)
        measured = {}
        for name, (path, headers) in targets.items():
            for encoding in ("identity", "gzip"):
                label = f"{name}_{encoding}"
                extra = {"Accept-Encoding": "gzip"} if encoding == "gzip" else {}
                measured[label] = wrk(service.url(path), seconds, **headers, **extra)
                print(f"    {label}: {measured[label]}", flush=True)

        print("-- published files behind deploy/nginx.conf", flush=True)
        nginx_port = free_port()
        config = (ROOT / "deploy" / "nginx.conf").read_text()
        config = "\n".join(
            line for line in config.splitlines() if not line.lstrip().startswith("#")
        )
        config = (
            config.replace("@LISTEN@", f"127.0.0.1:{nginx_port}")
            .replace("@PUBLISH_DIR@", str(service.publish_dir))
            .replace("@APP@", f"127.0.0.1:{service.port}")
        )
        nginx_published = Nginx(config)
        published_url = f"http://127.0.0.1:{nginx_port}"
        status, headers, body = fetch(published_url + "/", **{"Accept-Language": "en"})
        assert status == 200 and body == page_bytes, "nginx must serve the same bytes as the app"
        published = {
            "page_en_identity": wrk(published_url + "/", seconds, **{"Accept-Language": "en"}),
            "page_en_gzip": wrk(
                published_url + "/", seconds, **{"Accept-Language": "en", "Accept-Encoding": "gzip"}
            ),
            "summary_identity": wrk(published_url + "/api/v2/summary.json", seconds),
        }
        print("   ", published, flush=True)

        print("-- post to visible", flush=True)
        workers = set()
        for _ in range(200):
            connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=5)
            connection.request("GET", "/api/v2/status.json")
            response = connection.getresponse()
            response.read()
            workers.add(response.getheader("X-Served-By"))
            connection.close()
        workers.discard(None)
        components = json.loads(fetch(service.url("/api/v2/components.json"))[2])["components"]
        target = next(c for c in components if not c["group"])
        visible = []
        for status_value in ["degraded_performance", "operational"] * 3:
            code, _ = api(
                service, key, "PATCH", f"/v1/pages/{page_id}/components/{target['id']}",
                {"component": {"status": status_value}},
            )  # fmt: skip
            assert code == 200, code
            visible.append(_visible_in_components(service, target["id"], status_value, workers))
        post_to_visible = {
            "workers": len(workers),
            "seconds": [round(v, 3) for v in visible],
            "max_seconds": round(max(visible), 3),
        }
        print("   ", post_to_visible, flush=True)

        print("-- surge: 20 s at 256 connections while 10 updates are posted", flush=True)
        surge_seconds = 6 if args.quick else 20
        incident_code, _ = api(
            service, key, "POST", f"/v1/pages/{page_id}/incidents",
            {"incident": {"name": "Borrowing window paused", "status": "investigating",
                          "body": "update 0", "components": {target["id"]: "major_outage"}}},
        )  # fmt: skip
        assert incident_code == 201
        incident_id = json.loads(fetch(service.url("/api/v2/incidents/unresolved.json"))[2])[
            "incidents"
        ][0]["id"]
        result: dict = {}
        load = threading.Thread(
            target=lambda: result.update(
                wrk(service.url("/"), surge_seconds, connections=256, **{"Accept-Language": "en"})
            )
        )
        load.start()
        time.sleep(1)
        posts = []
        for n in range(1, 11):
            code, took = api(
                service, key, "PATCH", f"/v1/pages/{page_id}/incidents/{incident_id}",
                {"incident": {"status": "identified", "body": f"update {n} of the surge"}},
            )  # fmt: skip
            posts.append({"status": code, "seconds": round(took, 3)})
            time.sleep((surge_seconds - 3) / 10)
        load.join()
        time.sleep(1)
        page = fetch(service.url(f"/incidents/{incident_id}"), **{"Accept-Language": "en"})[2]
        surge = {
            "wrk": result,
            "posts": posts,
            "slowest_post_seconds": max(p["seconds"] for p in posts),
            "all_posts_ok": all(p["status"] == 200 for p in posts),
            "page_shows_every_update": all(
                f"update {n} of the surge".encode() in page for n in range(1, 11)
            ),
        }
        print("   ", surge, flush=True)

        print("-- publish to visible on the object store", flush=True)
        offsite = publish_to_visible(service, store, key, page_id)
        print("   ", offsite, flush=True)

        servers = {}
        if args.compare_servers:
            servers = compare_servers(service, seconds, len(page_bytes))
    finally:
        for server in (nginx_static, nginx_published):
            if server is not None:
                server.stop()
        service.stop()
        store.stop()

    a, b, b_gz = (
        ceilings[k]["rps"] for k in ("a_app_constant", "b_nginx_static", "b_nginx_static_gzip")
    )
    ratios = {f"{name}_vs_a": round(m["rps"] / a, 2) for name, m in measured.items()} | {
        "published_page_vs_b": round(published["page_en_identity"]["rps"] / b, 2),
        "published_page_gzip_vs_b_gzip": round(published["page_en_gzip"]["rps"] / b_gz, 2),
        "published_summary_vs_b": round(published["summary_identity"]["rps"] / b, 2),
    }
    report |= {
        "ceilings": ceilings,
        "measured": measured,
        "published": published,
        "ratios": ratios,
        "worst_p99_ms": max(m["p99_ms"] for m in measured.values()),
        "post_to_visible": post_to_visible,
        "surge": surge,
        "publish_to_visible_object_store": offsite,
        "servers": servers,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / ("read_path-quick.json" if args.quick else "read_path.json")).write_text(
        json.dumps(report, indent=2)
    )
    summary = {
        "ratios": ratios,
        "worst_p99_ms": report["worst_p99_ms"],
        "post_to_visible_max_s": post_to_visible["max_seconds"],
        "publish_to_visible_object_store_max_s": offsite["max_seconds"],
        "surge": {k: v for k, v in surge.items() if k != "posts"},
    }
    print(json.dumps(summary, indent=2))


def _visible_in_components(service: Service, component_id: str, status: str, workers: set[str]):
    """Seconds from now until every web worker serves the component's new status; polled over
    fresh connections, which the server spreads across its workers."""
    marker = re.compile(rf'"id":"{component_id}"[^{{}}]*"status":"{status}"'.encode())
    started = time.perf_counter()
    updated: set[str] = set()
    while time.perf_counter() - started < 10:
        connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=5)
        connection.request("GET", "/api/v2/components.json")
        response = connection.getresponse()
        body = response.read()
        connection.close()
        worker = response.getheader("X-Served-By")
        if worker and marker.search(body):
            updated.add(worker)
            if updated >= workers:
                return time.perf_counter() - started
    raise RuntimeError(f"only {updated} of {workers} served the change within 10 s")


def compare_servers(service: Service, seconds: int, page_size: int) -> dict:
    """The same application under gunicorn (sync workers), to justify serving with granian."""
    if not shutil.which("gunicorn", path=str(Path(sys.executable).parent)):
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "gunicorn"], check=True)
    port = free_port()
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "statuspage.wsgi:application"],
        cwd=ROOT, env=service.env,
    )  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/")
        for _ in range(50):
            fetch(f"http://127.0.0.1:{port}/", **{"Accept-Language": "en"})
        results = {
            "granian_constant": wrk(service.url(f"/_bench/constant?bytes={page_size}"), seconds),
            "granian_page": wrk(service.url("/"), seconds, **{"Accept-Language": "en"}),
            "gunicorn_constant": wrk(
                f"http://127.0.0.1:{port}/_bench/constant?bytes={page_size}", seconds
            ),
            "gunicorn_page": wrk(f"http://127.0.0.1:{port}/", seconds, **{"Accept-Language": "en"}),
        }
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=20)
    print("   ", results, flush=True)
    return results


if __name__ == "__main__":
    main()

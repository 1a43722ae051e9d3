"""Publishing off-site, against a real S3-compatible server (moto's server mode, over HTTP on
127.0.0.1): what lands in the bucket is what the application serves, with its headers, in an
order that keeps every moment consistent, and a target that is down delays no other."""

from __future__ import annotations

import gzip
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message

import boto3
import pytest
from django.contrib.auth.models import Group, User
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone
from moto.server import ThreadedMotoServer

from statuspage.lib.redis import redis_client
from statuspage.readpath import offsite, publish, tasks
from statuspage.readpath.models import PublishTarget
from statuspage.readpath.targets import (
    MANIFEST,
    Conflict,
    S3Writer,
    SiteObject,
    parse_targets,
    writer,
)
from statuspage.status import services

pytestmark = pytest.mark.usefixtures("keep_the_test_connection")

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class Recorder:
    """Wraps the S3 server's WSGI app to note each PUT's key, in order, and to kill a
    publishing process at a chosen PUT before the server handles it."""

    def __init__(self, app) -> None:
        self.app = app
        self.puts: list[str] = []
        self.kill: tuple[int, str, int] | None = None  # (pid, bucket, at the Nth PUT to it)
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "PUT":
            path = environ.get("PATH_INFO", "")
            with self._lock:
                self.puts.append(path)
                if self.kill is not None:
                    pid, bucket, at = self.kill
                    count = sum(1 for p in self.puts if p.startswith(f"/{bucket}/"))
                    if count == at:
                        os.kill(pid, signal.SIGKILL)
                    if count >= at and path.startswith(f"/{bucket}/"):
                        # The dead process's uploads still in flight never land.
                        start_response("503 Service Unavailable", [])
                        return [b""]
        return self.app(environ, start_response)


class S3Server(ThreadedMotoServer):
    def _server_entry(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        self.recorder = Recorder(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address, self._port, self.recorder, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever(poll_interval=0.05)

    @property
    def endpoint(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = S3Server(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch) -> S3Server:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    s3_server.recorder.puts.clear()
    s3_server.recorder.kill = None
    return s3_server


_buckets = iter(range(10_000))


def bucket(s3: S3Server) -> str:
    name = f"site-{os.getpid()}-{next(_buckets)}"
    boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


def target_url(s3: S3Server, name: str, prefix: str = "", **options: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"addressing": "path", **options}.items())
    return f"s3://{name}/{prefix}?endpoint_url={s3.endpoint}&region=us-east-1&{query}"


def fetch(s3: S3Server, name: str, key: str) -> tuple[bytes, Message]:
    """An object as a browser gets it from the bucket (plain HTTP, no SDK, a presigned URL as
    the bucket is private here): the body as stored, and the headers."""
    url = boto3.client(
        "s3", endpoint_url=s3.endpoint, region_name="us-east-1"
    ).generate_presigned_url("get_object", Params={"Bucket": name, "Key": key})
    with urllib.request.urlopen(url) as answer:
        return answer.read(), answer.headers


def decoded(body: bytes, headers: Message) -> bytes:
    return gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body


def manifest_of(s3: S3Server, name: str, prefix: str = "") -> dict:
    return json.loads(fetch(s3, name, prefix + MANIFEST)[0])


@pytest.fixture
def outage(open_outage):
    return open_outage(committed=True)


def assert_same_as_served(s3, name, client, expected: dict[str, tuple[str, str | None]]):
    pages = {path for path, per_language in publish.paths() if per_language}
    neutral = {path for path, per_language in publish.paths() if not per_language}
    for key, (path, language) in expected.items():
        if path.startswith("/static/"):
            # WhiteNoise serves the collected copy of the file (tests run without collectstatic).
            body, stored = fetch(s3, name, key)
            with open(finders.find(path.removeprefix("/static/")), "rb") as source:
                assert decoded(body, stored) == source.read(), key
            kind = {"css": "text/css", "js": "text/javascript"}[path.rsplit(".", 1)[1]]
            assert stored["Content-Type"] == f"{kind}; charset=utf-8"
            assert stored["Cache-Control"] == offsite.ASSET_CACHE_CONTROL
            continue
        headers = {"HTTP_ACCEPT_LANGUAGE": language or "zh-hans"}
        if language:
            headers["HTTP_COOKIE"] = f"django_language={language}"
        served = client.get(path, **headers)
        assert served.status_code == 200, path
        content = b"".join(served) if served.streaming else served.content
        body, stored = fetch(s3, name, key)
        if served["Content-Type"].startswith("text/html"):
            content = offsite.static_links(content, language, pages, neutral)
        assert decoded(body, stored) == content, key
        assert stored["Content-Type"] == served["Content-Type"], key
        assert stored["Cache-Control"] == served["Cache-Control"], key
        assert stored["Content-Encoding"] == "gzip", key  # every one of these is text


def test_the_bucket_holds_what_the_application_serves_with_its_headers(
    s3, outage, client, settings
):
    name = bucket(s3)
    settings.PUBLISH_TARGETS = parse_targets(target_url(s3, name))
    version = publish.render_and_publish()
    assert manifest_of(s3, name)["version"] == version
    assert_same_as_served(
        s3,
        name,
        client,
        {
            "index.html": ("/", "zh-hans"),
            "en/index.html": ("/", "en"),
            "history": ("/history", "zh-hans"),
            "en/history": ("/history", "en"),
            "en/uptime": ("/uptime", "en"),
            f"incidents/{outage.pk}": (f"/incidents/{outage.pk}", "zh-hans"),
            f"en/incidents/{outage.pk}": (f"/incidents/{outage.pk}", "en"),
            "api/v2/summary.json": ("/api/v2/summary.json", None),
            "api/v2/incidents/unresolved.json": ("/api/v2/incidents/unresolved.json", None),
            "history.atom": ("/history.atom", None),
            "history.rss": ("/history.rss", None),
            "maintenance.ics": ("/maintenance.ics", None),
            "badge.svg": ("/badge.svg", None),
            "static/css/page.css": ("/static/css/page.css", None),
            "static/js/page.js": ("/static/js/page.js", None),
        },
    )


def test_the_bucket_holds_the_widget_and_badges(s3, components, client, settings):
    name = bucket(s3)
    settings.PUBLISH_TARGETS = parse_targets(target_url(s3, name))
    publish.render_and_publish()
    badge = components["disbursement"].pk
    assert_same_as_served(
        s3,
        name,
        client,
        {
            "widget.js": ("/widget.js", None),
            "widget.json": ("/widget.json", None),
            "widget.en.json": ("/widget.en.json", None),
            "widget.zh-hans.json": ("/widget.zh-hans.json", None),
            "badge.svg": ("/badge.svg", None),
            f"badge/{badge}.svg": (f"/badge/{badge}.svg", None),
        },
    )


def test_the_published_pages_link_to_each_other_without_a_server(s3, outage, settings):
    name = bucket(s3)
    settings.PUBLISH_TARGETS = parse_targets(target_url(s3, name))
    publish.render_and_publish()
    english = decoded(*fetch(s3, name, "en/index.html")).decode()
    chinese = decoded(*fetch(s3, name, "index.html")).decode()
    assert 'href="/" lang="zh-hans"' in english  # the language switch: the other copy
    assert 'href="/en/" lang="en"' in chinese
    assert 'href="/en/history"' in english
    assert 'href="/history"' in chinese
    assert f'href="/en/incidents/{outage.pk}"' in english
    assert "/language/" not in english + chinese
    # Subscribing needs the application: the link goes there.
    assert f'href="{settings.PUBLIC_URL}/subscribe' in english


def test_assets_first_pages_next_the_manifest_last(s3, outage, settings):
    name = bucket(s3)
    settings.PUBLISH_TARGETS = parse_targets(target_url(s3, name, prefix="status"))
    publish.render_and_publish()
    keys = [p.removeprefix(f"/{name}/status/") for p in s3.recorder.puts if name in p]
    assert keys[-1] == MANIFEST
    last_asset = max(i for i, k in enumerate(keys) if k.startswith("static/") or k == "widget.js")
    first_page = min(i for i, k in enumerate(keys) if k in ("index.html", "api/v2/summary.json"))
    assert last_asset < first_page
    assert keys.count(MANIFEST) == 1


def test_only_what_changed_is_uploaded_again(s3, outage, client, settings, commit):
    name = bucket(s3)
    [target] = settings.PUBLISH_TARGETS = parse_targets(target_url(s3, name))
    publish.render_and_publish()
    s3.recorder.puts.clear()
    commit(services.post_update, outage, status="identified", body="The gateway is down.")
    publish.render_and_publish()
    keys = [p.removeprefix(f"/{name}/") for p in s3.recorder.puts]
    assert "en/index.html" in keys and "api/v2/summary.json" in keys and keys[-1] == MANIFEST
    assert not [k for k in keys if k.startswith("static/") or k == "widget.js"]
    summary = decoded(*fetch(s3, name, "api/v2/summary.json"))
    assert b"The gateway is down." in summary

    # A publish that did not finish (a dead worker, a failed upload) may have replaced objects
    # without a manifest to say so: the next one uploads everything.
    redis_client().set(offsite.DIRTY_PREFIX + offsite._digest(target), 1)
    s3.recorder.puts.clear()
    commit(services.post_update, outage, status="monitoring", body="Fixed, watching.")
    publish.render_and_publish()
    keys = [p.removeprefix(f"/{name}/") for p in s3.recorder.puts]
    assert "static/css/page.css" in keys
    assert redis_client().get(offsite.DIRTY_PREFIX + offsite._digest(target)) is None
    # (The test client last: it closes the connection the renders above share.)
    served = client.get("/api/v2/summary.json").content
    assert decoded(*fetch(s3, name, "api/v2/summary.json")) == served


def test_an_older_version_never_replaces_a_newer_one(s3, outage, settings, commit):
    name = bucket(s3)
    [target] = settings.PUBLISH_TARGETS = parse_targets(target_url(s3, name))
    old = offsite.render_site(publish.pageversion.current())
    commit(services.post_update, outage, status="identified", body="The gateway is down.")
    version = publish.render_and_publish()
    assert old.version < version
    outcome = offsite.publish_to(target, old)  # a slow publisher of the older version
    assert outcome.version == version and not outcome.error
    assert manifest_of(s3, name)["version"] == version
    assert b"The gateway is down." in decoded(*fetch(s3, name, "en/index.html"))


def test_two_publishers_racing_for_the_manifest_cannot_both_win(s3):
    name = bucket(s3)
    [target] = parse_targets(target_url(s3, name))
    first, second = S3Writer(target), S3Writer(target)
    seen_by_both = first.manifest()
    assert second.manifest() == seen_by_both
    first.put_manifest(b'{"version": 5}', seen_by_both)
    with pytest.raises(Conflict):
        second.put_manifest(b'{"version": 4}', seen_by_both)
    assert manifest_of(s3, name)["version"] == 5
    seen = first.manifest()
    second.put_manifest(b'{"version": 6}', seen)
    with pytest.raises(Conflict):
        first.put_manifest(b'{"version": 7}', seen)


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A port that accepts connections and never answers: a bucket whose region is down."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


def test_a_target_that_is_down_delays_no_other(s3, outage, settings, blackhole):
    name = bucket(s3)
    down = f"s3://gone?endpoint_url=http://127.0.0.1:{blackhole}&region=us-east-1&timeout=2"
    settings.PUBLISH_TARGETS = parse_targets(f"{down},{target_url(s3, name)}")
    started = time.monotonic()
    visible: list[float] = []
    done = threading.Event()

    def watch() -> None:  # over HTTP only: the test's database is this thread's
        while not done.is_set():
            try:
                manifest_of(s3, name)
            except urllib.error.HTTPError:
                time.sleep(0.05)
                continue
            visible.append(time.monotonic() - started)
            return

    watcher = threading.Thread(target=watch)
    watcher.start()
    publish.render_and_publish()
    done.set()
    watcher.join()
    visible_after = visible[0] if visible else None
    total = time.monotonic() - started
    assert visible_after is not None, "the healthy bucket waited for the one that is down"
    assert visible_after < total - 1  # it did not wait for the other's timeouts
    states = {s.name: s for s in PublishTarget.objects.all()}
    failed = states[settings.PUBLISH_TARGETS[0].name]
    assert failed.failures == 1 and failed.published_version == 0
    assert "timeout" in failed.last_error.lower() or "timed out" in failed.last_error.lower()
    assert states[settings.PUBLISH_TARGETS[1].name].published_version > 0


def test_a_failed_target_is_retried_by_the_sweeper_and_shown_in_the_admin(
    s3, outage, settings, commit
):
    missing = f"later-{os.getpid()}"
    good = bucket(s3)
    settings.PUBLISH_TARGETS = parse_targets(f"{target_url(s3, missing)},{target_url(s3, good)}")
    version = publish.render_and_publish()
    failed = PublishTarget.objects.get(name=settings.PUBLISH_TARGETS[0].name)
    assert "NoSuchBucket" in failed.last_error
    assert failed.retry_at > timezone.now()
    assert tasks.keep_published() is None  # in its back-off: not yet
    s3.recorder.puts.clear()
    commit(services.post_update, outage, status="identified", body="Found it.")
    version = publish.render_and_publish()  # the next change: the failing target is left out
    assert not [p for p in s3.recorder.puts if p.startswith(f"/{missing}/")]
    assert manifest_of(s3, good)["version"] == version

    boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1").create_bucket(
        Bucket=missing
    )
    PublishTarget.objects.filter(pk=failed.pk).update(retry_at=timezone.now())
    assert tasks.keep_published() == version
    assert manifest_of(s3, missing)["version"] == version
    failed.refresh_from_db()
    assert failed.published_version == version and failed.failures == 0
    assert "NoSuchBucket" in failed.last_error  # the last error stays, for the record

    operator = User.objects.create_user("olga", password=None, is_staff=True)
    operator.groups.add(Group.objects.get(name="Operator"))
    browser = Client()
    browser.force_login(operator)
    listing = browser.get("/admin/readpath/publishtarget/")
    assert listing.status_code == 200
    detail = browser.get(f"/admin/readpath/publishtarget/{failed.pk}/change/")
    assert b"NoSuchBucket" in detail.content


KILLED_PUBLISHER = """
import sys, django
django.setup()
from statuspage.readpath import offsite
from statuspage.readpath.targets import SiteObject, parse_targets

offsite.LOCK_SECONDS = 2  # the lock of a publisher killed outright expires this soon
[target] = parse_targets(sys.argv[1])
def site(version):
    def item(key):
        body = ('{"v": %d, "key": "%s"}' % (version, key)).encode()
        return SiteObject(key, body, "application/json", "no-cache")
    assets = [item(f"static/a{n}.json") for n in range(4)]
    pages = [item(f"p{n}.json") for n in range(6)]
    return offsite.Site(version, assets, pages)
for version in (1, 2):
    outcome = offsite.publish_to(target, site(version))
    assert not outcome.error, outcome.error
"""
OBJECTS_PER_VERSION = 4 + 6 + 1


@pytest.mark.parametrize("killed_at", [2, 4, 5, 9, 11])
def test_a_publisher_killed_mid_publish_leaves_the_older_version_whole(s3, killed_at):
    """SIGKILL a real publishing process at its Nth upload of the second version: the manifest
    still names the first version, and what the second one wrote came in order."""
    name = bucket(s3)
    url = target_url(s3, name)
    publisher = subprocess.Popen(
        [sys.executable, "-c", KILLED_PUBLISHER, url],
        env={**os.environ, **CREDENTIALS, "DJANGO_SETTINGS_MODULE": "statuspage.settings"},
    )
    s3.recorder.kill = (publisher.pid, name, OBJECTS_PER_VERSION + killed_at)
    assert publisher.wait(timeout=60) == -signal.SIGKILL

    stored = {}
    client = boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1")
    for entry in client.list_objects_v2(Bucket=name)["Contents"]:
        stored[entry["Key"]] = json.loads(fetch(s3, name, entry["Key"])[0])
    assert stored[MANIFEST]["version"] == 1
    assert len(stored) == OBJECTS_PER_VERSION
    second = [k for k, v in stored.items() if k != MANIFEST and v["v"] == 2]
    # Uploads go several at a time: those in flight when it died may or may not have landed.
    assert len(second) <= killed_at - 1
    if killed_at == OBJECTS_PER_VERSION:  # killed at the manifest: every object went first
        assert len(second) == OBJECTS_PER_VERSION - 1
    if any(not k.startswith("static/") for k in second):  # a page: every asset came first
        assert sum(k.startswith("static/") for k in second) == 4

    # The next publisher (once the dead one's lock expires) completes the version.
    s3.recorder.kill = None
    time.sleep(2.1)
    [target] = parse_targets(url)
    objects = [
        SiteObject(k, json.dumps({"v": 2, "key": k}).encode(), "application/json", "no-cache")
        for k in stored
        if k != MANIFEST
    ]
    assets = [o for o in objects if o.key.startswith("static/")]
    pages = [o for o in objects if not o.key.startswith("static/")]
    assert not offsite.publish_to(target, offsite.Site(2, assets, pages)).error
    assert manifest_of(s3, name)["version"] == 2


def test_a_file_target_holds_the_same_site(tmp_path, outage, client, settings):
    settings.PUBLISH_TARGETS = parse_targets(f"file://{tmp_path}")
    version = publish.render_and_publish()
    assert json.loads((tmp_path / MANIFEST).read_bytes())["version"] == version
    served = client.get("/api/v2/summary.json").content
    assert (tmp_path / "api/v2/summary.json").read_bytes() == served
    assert gzip.decompress((tmp_path / "api/v2/summary.json.gz").read_bytes()) == served
    assert (tmp_path / "en/index.html").is_file() and (tmp_path / "index.html").is_file()
    assert writer(settings.PUBLISH_TARGETS[0]).manifest().version == version


@pytest.mark.parametrize(
    "value, complaint",
    [
        ("ftp://host/x", "file:///path or s3://"),
        ("s3:///prefix", "names its bucket"),
        ("s3://b?endpoint=http://x", "unknown option endpoint"),
        ("s3://b?endpoint_url=ftp://x", "http(s) URL"),
        ("s3://b?access_key_id=a", "both access_key_id and secret_access_key"),
        ("file://host/x", "file:///absolute/path"),
        ("s3://b?timeout=soon", "timeout"),
        ("s3://b,s3://b", "twice"),
    ],
)
def test_bad_targets_are_refused_with_a_reason(value, complaint):
    with pytest.raises(ValueError, match=complaint.replace("(", r"\(").replace(")", r"\)")):
        parse_targets(value)


def test_a_secret_in_a_target_is_never_shown():
    [target] = parse_targets("s3://b/p?access_key_id=AK&secret_access_key=very-secret")
    assert "very-secret" not in target.name
    assert "access_key_id=AK" in target.name


def test_a_bad_setting_stops_start_up_naming_it_without_its_secret():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "statuspage.settings",
            "PUBLISH_TARGETS": "s3://b?secret_access_key=very-secret&nonsense=1",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "PUBLISH_TARGETS" in result.stderr and "nonsense" in result.stderr
    assert "very-secret" not in result.stderr

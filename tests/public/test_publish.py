"""Render on write and static publishing: the files are what the app serves, written so that a
reader never sees half of one."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import brotli
import pytest
from django.utils import timezone

from statuspage.lib.redis import redis_client
from statuspage.readpath import publish, tasks
from statuspage.readpath.cache import CachedResponse
from statuspage.status import services
from statuspage.status.models import Incident

pytestmark = pytest.mark.usefixtures("keep_the_test_connection")


@pytest.fixture
def outage(open_outage) -> Incident:
    return open_outage(committed=True)


def test_rendering_on_write_leaves_nothing_for_the_first_visitor_to_render(
    outage, client, django_assert_num_queries
):
    publish.render_and_publish()
    for path in ("/", "/api/v2/summary.json", f"/incidents/{outage.pk}"):
        with django_assert_num_queries(0):
            assert client.get(path, HTTP_ACCEPT_LANGUAGE="en").status_code == 200


def test_the_published_files_are_what_the_app_serves(outage, client, settings, tmp_path):
    settings.PUBLISH_DIR = str(tmp_path)
    version = publish.render_and_publish()
    written = json.loads((tmp_path / "version.json").read_text())
    assert written["version"] == version
    expected = {
        "index.en.html": ("/", "en"),
        "index.zh-hans.html": ("/", "zh-hans"),
        "history.en.html": ("/history", "en"),
        f"incidents/{outage.pk}.zh-hans.html": (f"/incidents/{outage.pk}", "zh-hans"),
        "api/v2/summary.json": ("/api/v2/summary.json", "en"),
        "api/v2/incidents/unresolved.json": ("/api/v2/incidents/unresolved.json", "en"),
        "history.atom": ("/history.atom", "en"),
        "maintenance.ics": ("/maintenance.ics", "en"),
    }
    assert set(expected) <= set(written["files"])
    for name, (path, language) in expected.items():
        served = client.get(
            path, HTTP_ACCEPT_LANGUAGE=language, HTTP_COOKIE=f"django_language={language}"
        ).content
        assert (tmp_path / name).read_bytes() == served, name
        assert gzip.decompress((tmp_path / f"{name}.gz").read_bytes()) == served
        assert brotli.decompress((tmp_path / f"{name}.br").read_bytes()) == served


def test_a_write_republishes_every_path(outage, client, settings, tmp_path, commit):
    settings.PUBLISH_DIR = str(tmp_path)
    publish.render_and_publish()
    commit(services.post_update, outage, status="identified", body="The bank gateway is down.")
    publish.render_and_publish()
    assert b"The bank gateway is down." in (tmp_path / "index.en.html").read_bytes()
    assert b"The bank gateway is down." in (tmp_path / "api/v2/summary.json").read_bytes()
    assert (
        b"The bank gateway is down." in (tmp_path / f"incidents/{outage.pk}.en.html").read_bytes()
    )


def test_published_files_are_republished_when_a_promise_passes_without_a_write(
    open_outage, settings, tmp_path, clock
):
    settings.PUBLISH_DIR = str(tmp_path)
    now = timezone.now()
    clock(now)
    open_outage(expected_recovery_at=now + timedelta(minutes=10), committed=True)
    publish.render_and_publish()
    assert tasks.keep_published() is None  # up to date: nothing to do
    assert b"reassessing" not in (tmp_path / "index.en.html").read_bytes()
    clock(now + timedelta(minutes=11))
    assert tasks.keep_published() is not None  # beat's minute: the promise has passed
    assert b"reassessing" in (tmp_path / "index.en.html").read_bytes()
    assert tasks.keep_published() is None


def test_an_older_version_never_overwrites_a_newer_one(tmp_path):
    new = {"a.json": CachedResponse.build(b'{"v": 2}', content_type="application/json")}
    old = {"a.json": CachedResponse.build(b'{"v": 1}', content_type="application/json")}
    publish.write(tmp_path, new, version=2)
    assert publish.write(tmp_path, old, version=1) == []
    assert (tmp_path / "a.json").read_bytes() == b'{"v": 2}'


def test_pages_of_incidents_no_longer_listed_are_removed(tmp_path):
    page = CachedResponse.build(b"<html></html>", content_type="text/html")
    publish.write(tmp_path, {"incidents/old.en.html": page, "index.en.html": page}, version=1)
    publish.write(tmp_path, {"index.en.html": page}, version=2)
    assert not list((tmp_path / "incidents").iterdir())


def test_a_purge_hook_hears_which_paths_changed(outage, settings, tmp_path, receiver):
    settings.PUBLISH_DIR = str(tmp_path)
    settings.PURGE_URL = receiver.url("/purge")
    version = publish.render_and_publish()
    [purge] = receiver.wait_for(1)
    told = json.loads(purge.body)
    assert told["version"] == version
    assert "index.en.html" in told["paths"]


def test_a_burst_of_writes_coalesces_into_one_render_at_a_time(components):
    client = redis_client()
    lock = client.lock(tasks.LOCK, timeout=30)
    assert lock.acquire(blocking=False)
    try:
        assert tasks.render_pages() is None  # someone is rendering: ask them to go again
        assert client.get(tasks.AGAIN) == b"1"
    finally:
        lock.release()
    assert tasks.render_pages() is not None
    assert client.get(tasks.AGAIN) is None


WRITER = """
import os, signal, sys, django
django.setup()
from pathlib import Path
from statuspage.readpath import publish
from statuspage.readpath.cache import CachedResponse

# Stop this process for good right after the Nth file's bytes reach the disk and before that
# file is renamed into place: the parent then kills it at exactly that moment.
stop_at, synced, real_fsync = int(sys.argv[2]), 0, os.fsync
def fsync(fd):
    global synced
    real_fsync(fd)
    synced += 1
    if synced == stop_at:
        os.kill(os.getpid(), signal.SIGSTOP)
os.fsync = fsync

directory = Path(sys.argv[1])
for version in (1, 2):
    body = ('{"v": %d, "pad": "%s"}' % (version, str(version) * 100_000)).encode()
    item = CachedResponse.build(body, content_type="application/json")
    publish.write(directory, {f"f{n}.json": item for n in range(3)}, version)
"""
FILES_PER_VERSION = 3 * 3 + 1  # three files, each plain, .gz and .br, and the manifest


def whole_files(directory: Path) -> dict[str, int]:
    """Every visible file, parsed (a torn one raises), by name: the version it holds."""
    versions = {}
    for path in directory.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        elif path.suffix == ".br":
            data = brotli.decompress(data)
        versions[path.name] = json.loads(data).get("v", json.loads(data).get("version"))
    return versions


@pytest.mark.parametrize("file_of_the_second_version", [1, 4, 9, 10])
def test_a_publisher_killed_mid_write_never_leaves_a_half_written_file(
    tmp_path, file_of_the_second_version
):
    """Kill a real publishing process after a file's bytes are written and before it is renamed
    into place: every visible file stays whole and the manifest never runs ahead of the files."""
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WRITER,
            str(tmp_path),
            str(FILES_PER_VERSION + file_of_the_second_version),
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "statuspage.settings"},
    )
    _, status = os.waitpid(writer.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), "the writer finished without reaching the kill point"
    writer.send_signal(signal.SIGKILL)
    writer.wait()

    assert len(list(tmp_path.rglob(".tmp-*"))) == 1  # it died holding a written, unrenamed file
    versions = whole_files(tmp_path)
    assert len(versions) == FILES_PER_VERSION
    assert set(versions.values()) == ({1} if file_of_the_second_version == 1 else {1, 2})
    manifest = next(v for name, v in versions.items() if not name.startswith("f"))
    assert manifest == 1  # written last: the second version never completed

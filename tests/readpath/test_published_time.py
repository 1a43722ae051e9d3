"""The page carries its publication time; the browser says how long ago that was and, on a
published copy whose publisher has stopped confirming it, that the copy may be out of date."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from statuspage.readpath import offsite, publish, tasks
from statuspage.readpath.targets import MANIFEST, parse_targets
from statuspage.status.models import Page
from tests.public.browsing import ARGS, CHROMIUM, need_chromium

pytestmark = pytest.mark.usefixtures("keep_the_test_connection")


def test_the_page_carries_its_publication_time_and_the_words_in_its_language(open_outage, client):
    open_outage(committed=True)
    updated = Page.get().updated_at
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-published-at="{updated.isoformat()}"' in english
    assert 'data-minutes="Updated {n} minutes ago"' in english
    assert "js/published.js" in english
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-minutes="{n} 分钟前更新"' in chinese


def test_beat_moves_the_manifest_heartbeat_on_while_nothing_changes(
    open_outage, settings, tmp_path
):
    open_outage(committed=True)
    settings.PUBLISH_TARGETS = parse_targets(f"file://{tmp_path}")
    settings.PUBLISH_STALE_MINUTES = 7
    with time_machine.travel(timezone.now() - timedelta(minutes=30), tick=True):
        version = publish.render_and_publish()
    first = json.loads((tmp_path / MANIFEST).read_bytes())
    assert first["stale_after_seconds"] == 7 * 60
    assert tasks.keep_published() is None  # nothing to publish: only the heartbeat
    second = json.loads((tmp_path / MANIFEST).read_bytes())
    assert second["version"] == first["version"] == version
    assert second["published_at"] == first["published_at"]
    moved = timezone.datetime.fromisoformat(second["checked_at"]) - timezone.datetime.fromisoformat(
        first["checked_at"]
    )
    assert moved > timedelta(minutes=29)


class SiteHandler(SimpleHTTPRequestHandler):
    """A plain static server over a file target, as a bucket's website endpoint serves it:
    `/` and `/en/` are index.html, pages without an extension are HTML."""

    def guess_type(self, path):
        return (
            "text/html; charset=utf-8" if "." not in Path(path).name else super().guess_type(path)
        )

    def log_message(self, *args):
        pass


@pytest.fixture
def static_site(tmp_path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "site"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SiteHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.browser
def test_a_frozen_published_copy_says_it_may_be_out_of_date(open_outage, settings, static_site):
    from playwright.sync_api import sync_playwright

    need_chromium()  # skips here without it, fails in CI (which installs it)

    root, url = static_site
    settings.PUBLISH_TARGETS = parse_targets(f"file://{root}")
    settings.PUBLISH_STALE_MINUTES = 10
    with time_machine.travel(timezone.now() - timedelta(minutes=40), tick=True):
        open_outage(committed=True)
        version = publish.render_and_publish()

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = chromium.new_page(locale="en-US")
            page.goto(url + "/en/")
            stamp = page.locator("[data-published-at]")
            stamp.wait_for(state="visible")
            assert stamp.inner_text() == "Updated 40 minutes ago"
            notice = page.locator("[data-stale-notice]")
            notice.wait_for(state="visible")
            assert "may be out of date" in notice.inner_text()
            assert "40 minutes" in notice.inner_text()
        finally:
            chromium.close()

    # The publisher is alive again: beat's heartbeat (outside Playwright's event loop, where
    # the ORM would open another connection than the test's), and the notice goes.
    [outcome] = offsite.confirm(version)
    assert not outcome.error
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = chromium.new_page(locale="en-US")
            page.goto(url + "/en/")
            page.locator("[data-published-at]").wait_for(state="visible")
            page.wait_for_timeout(500)  # the manifest's answer
            assert not page.locator("[data-stale-notice]").is_visible()
            assert page.locator("[data-published-at]").inner_text() == "Updated 40 minutes ago"

            chinese = chromium.new_page(locale="zh-CN")
            chinese.goto(url + "/")
            chinese.locator("[data-published-at]").wait_for(state="visible")
            chinese.wait_for_timeout(500)
            assert not chinese.locator("[data-stale-notice]").is_visible()
            assert chinese.locator("[data-published-at]").inner_text() == "40 分钟前更新"
            # The language switch works with no server behind the copy.
            chinese.locator('nav.languages a[lang="en"]').click()
            chinese.wait_for_url(url + "/en/")
            assert chinese.locator("html").get_attribute("lang") == "en"
        finally:
            chromium.close()

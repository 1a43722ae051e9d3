"""A real browser on a phone-sized screen: the page is usable, groups fold and unfold, and the
widget embedded in the lender's own page shows a banner during an outage and nothing otherwise.

Chromium is driven through Playwright against pytest-django's live server; the lender's page is
served from another origin by a small HTTP server, so the widget's requests are cross-origin.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import sync_playwright

from statuspage.status import services
from statuspage.status.models import Incident, StatusEmbedConfig
from tests.public.browsing import ARGS, CHROMIUM, need_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

need_chromium()
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def browser(transactional_db, monkeypatch) -> Iterator:
    """Chromium for one test. Started after the database is set up and closed before it is
    reset: while Playwright's sync API runs, its event loop owns this thread's context."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # our ORM calls stay synchronous
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
        connections.close_all()  # the test's own connection, opened in Playwright's context


def visit(browser, locale: str = "en-US"):
    """A new visitor (own cookies and HTTP cache) on a phone."""
    return browser.new_context(locale=locale, **PHONE).new_page()


@pytest.fixture
def lender_site(live_server) -> Iterator[str]:
    """The lender's own page, on another origin, embedding the widget with one script tag."""
    page = (
        "<!doctype html><html><head><meta name='viewport' content='width=device-width'>"
        "<title>Lender</title></head><body><h1>Borrow money</h1>"
        f'<script src="{live_server.url}/widget.js" data-refresh="0" async></script>'
        "</body></html>"
    ).encode()

    class LenderPage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), LenderPage)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def widget_state(tab, url: str) -> str:
    tab.goto(url)
    tab.wait_for_selector("script[data-state]", state="attached", timeout=5000)
    return tab.get_attribute("script[data-state]", "data-state")


def test_the_page_is_usable_on_a_phone_and_groups_fold(browser, live_server, components):
    tab = visit(browser)
    tab.goto(live_server.url + "/")

    assert tab.locator("h1").inner_text() == "All Systems Operational"
    width = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], "the page scrolls sideways on a phone"
    identity = tab.get_by_text("Identity verification", exact=True)
    assert identity.is_visible()
    bars = tab.locator(".component").first.locator(".bar")
    assert bars.count() == 90
    box = tab.locator(".bars").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390

    tab.locator("details.group > summary").first.tap()
    assert not identity.is_visible()
    tab.locator("details.group > summary").first.tap()
    assert identity.is_visible()


def test_the_widget_shows_a_banner_only_during_an_outage(
    browser, lender_site, components, functions, channels
):
    calm = visit(browser)
    assert widget_state(calm, lender_site) == "ok"
    assert calm.locator(".statuspage-widget").count() == 0

    outage = services.open_incident(
        Incident(
            name_en="Disbursement failing",
            name_zh_hans="放款失败",
            reassurances=["funds_safe"],
            expected_recovery_at=timezone.now() + timedelta(hours=2),
        ),
        body={"en": "Loans are not being paid out.", "zh-hans": "暂时无法放款。"},
        component_statuses={components["disbursement"]: "major_outage"},
        channels=list(channels.values()),
    )
    tab = visit(browser)
    assert widget_state(tab, lender_site) == "shown"
    banner = tab.locator(".statuspage-widget")
    assert banner.is_visible()
    text = banner.inner_text()
    assert "Disbursement failing" in text
    assert "Affects: Disbursement" in text
    assert text.startswith("Borrowing is unavailable for now, Repayment works normally")
    assert "✓ Your funds and data are safe." in text
    assert "Meanwhile, use: WeChat mini-program · Customer hotline 400 888 8888" in text
    assert "Expected back:" in text
    links = banner.locator("a")
    assert links.nth(0).get_attribute("href") == "https://lender.example/mini"
    assert links.nth(1).get_attribute("href") == "tel:+86-400-888-8888"
    assert links.last.get_attribute("href").endswith(f"/incidents/{outage.pk}")
    box = banner.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    tab.locator(".statuspage-widget button").tap()  # the visitor may dismiss it
    assert tab.locator(".statuspage-widget").count() == 0

    chinese = visit(browser, "zh-CN")
    assert widget_state(chinese, lender_site) == "shown"
    chinese_text = chinese.locator(".statuspage-widget").inner_text()
    assert "在此期间请使用" in chinese_text and "放款失败" in chinese_text
    assert "Disbursement failing" not in chinese_text

    # The operator's embed settings: another corner and colours.
    config = StatusEmbedConfig.get()
    config.position = "top-right"
    config.incident_background_color, config.incident_text_color = "#112233", "#FFEEDD"
    services.save_embed_config(config)
    styled = visit(browser)
    assert widget_state(styled, lender_site) == "shown"
    banner = styled.locator(".statuspage-widget")
    look = banner.evaluate("b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]")
    assert look == ["rgb(17, 34, 51)", "rgb(255, 238, 221)"]
    box = banner.bounding_box()
    assert box["y"] <= 12.5  # at the top

    services.resolve(outage)
    after = visit(browser)
    assert widget_state(after, lender_site) == "ok"
    assert after.locator(".statuspage-widget").count() == 0


def test_a_visitor_in_another_zone_also_sees_their_own_time(browser, live_server, components):
    services.open_incident(
        Incident(name_en="Disbursement failing", name_zh_hans="放款失败"),
        body="Loans are not being paid out.",
        component_statuses={components["disbursement"]: "major_outage"},
    )
    at_home = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE).new_page()
    at_home.goto(live_server.url + "/")
    first = at_home.locator("time[data-offset]").first
    assert "北京时间" in first.inner_text()
    assert first.get_attribute("data-visitor") is None  # the page's zone is theirs
    assert at_home.locator("[data-visitor-zone]").is_hidden()

    abroad = browser.new_context(locale="en-GB", timezone_id="Europe/Berlin", **PHONE).new_page()
    abroad.goto(live_server.url + "/")
    first = abroad.locator("time[data-offset]").first
    assert "Beijing time" in first.inner_text()
    assert "(your time)" in first.get_attribute("data-visitor")
    note = abroad.locator("[data-visitor-zone]")
    assert note.is_visible() and "Europe/Berlin" in note.inner_text()

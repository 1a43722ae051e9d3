"""The Content-Security-Policy in a real browser: no page breaks any of it; Swagger UI renders the
schema, started from our file, and the admin's forms work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from tests.public.browsing import ARGS, CHROMIUM, need_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

need_chromium()


@pytest.fixture
def tab(transactional_db, monkeypatch) -> Iterator:
    """A Chromium tab that records every Content-Security-Policy violation it reports."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = chromium.new_page(locale="en-US")
        page.violations = []
        page.on(
            "console",
            lambda message: (
                page.violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        yield page
        chromium.close()
        connections.close_all()


def test_the_public_page_breaks_nothing_in_its_policy(tab, live_server, components):
    tab.goto(live_server.url + "/")
    tab.wait_for_load_state("networkidle")
    assert tab.locator(".component").count() > 0
    assert tab.violations == []


def test_swagger_ui_renders_the_schema_under_its_policy(tab, live_server):
    tab.goto(live_server.url + "/api/docs/")
    tab.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Statuspage-compatible" in tab.inner_text(".swagger-ui .info .title")
    assert tab.locator(".opblock").count() > 10
    tab.click(".opblock-summary >> nth=0")
    tab.wait_for_selector(".opblock-body")
    assert tab.violations == []


ADMIN_PAGES = [
    "/admin/",
    "/admin/status/incident/",
    "/admin/status/incident/add/",
    "/admin/status/component/add/",
    "/admin/status/page/",
    "/admin/api/apikey/add/",
]


def test_the_admin_works_under_the_policy(tab, live_server, operator):
    tab.goto(live_server.url + "/admin/login/")
    tab.fill("#id_username", "olga")
    tab.fill("#id_password", "operator-password-1")
    tab.click("input[type=submit]")
    tab.wait_for_url(live_server.url + "/admin/")
    for path in ADMIN_PAGES:
        tab.goto(live_server.url + path)
        tab.wait_for_load_state("networkidle")
    tab.goto(live_server.url + "/admin/api/apikey/add/")
    tab.fill("#id_name", "Alertmanager bridge")
    tab.check("input[name=scopes][value=read]")
    tab.click("input[name=_save]")
    assert tab.locator("#api-key").inner_text()
    assert tab.violations == []

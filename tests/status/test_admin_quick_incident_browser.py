"""An incident in under a minute, in a real browser: an operator signs in, opens an incident
from a template that degrades two components, publishes it, sees it on the public page within
a second, posts an update and resolves it with the button on its page. The test counts the
inputs (fields typed or chosen) and clicks each step took, prints them and holds them to a
bound. Chromium through Playwright against pytest-django's live server (its own thread, real
commits: the page re-renders on write, as in production), as in test_admin_browser.py."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.contrib.auth.models import User

from statuspage.status.models import Component, Incident, IncidentTemplate
from tests.public.browsing import PASSWORD, chromium, make_operator, need_chromium  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

need_chromium()
TITLE = "额度分配缓慢"
# At most this many inputs and clicks per step, after signing in (before this work:
# publishing from a template took 4 clicks and 2-3 inputs, resolving 3 steps).
BOUNDS = {
    "publish": {"inputs": 0, "clicks": 2},  # the template, Save
    "update": {"inputs": 2, "clicks": 2},  # open it; status, message; Save
    "resolve": {"inputs": 0, "clicks": 2},  # the button, OK to confirm
}


@pytest.fixture
def browser(chromium):  # noqa: F811  (the shared fixture, by the name these tests use)
    return chromium


@pytest.fixture
def operator_olga(transactional_db) -> User:
    return make_operator()


@pytest.fixture
def slow_limits(components) -> IncidentTemplate:
    """Limits and payouts both slow: the template names the two components and their status."""
    template = IncidentTemplate.objects.create(
        name="Limits and payouts slow",
        title_zh_hans=TITLE,
        title_en="Limits and payouts are slow",
        body_zh_hans="部分额度分配和放款需要更长时间，您的资金安全。",
        body_en="Some limits and payouts take longer; your funds are safe.",
        update_status="identified",
        cause="third_party",
        component_status="degraded_performance",
        reassurances=["funds_safe"],
    )
    template.components.add(components["limit"], components["disbursement"])
    return template


class Operator:
    """A browser tab that counts what the operator does: each field typed or chosen is an
    input, each button, link or dialog answer a click, tallied by step."""

    def __init__(self, tab) -> None:
        self.tab = tab
        self.step = "sign in"
        self.counts: dict[str, Counter] = {}
        tab.on("dialog", self._confirm)

    def _tally(self, what: str) -> None:
        self.counts.setdefault(self.step, Counter())[what] += 1

    def _confirm(self, dialog) -> None:
        self._tally("clicks")  # "OK"
        dialog.accept()

    def fill(self, selector: str, value: str) -> None:
        self.tab.fill(selector, value)
        self._tally("inputs")

    def choose(self, selector: str, value: str) -> None:
        self.tab.select_option(selector, value)
        self._tally("inputs")

    def click(self, selector: str) -> None:
        self.tab.click(selector)
        self._tally("clicks")


def seen_on_the_page(visitor, base: str, text: str, within: float) -> float:
    """Seconds until the public page (fetched as a visitor's browser fetches it) shows `text`;
    fails when it has not within `within` seconds."""
    start = time.monotonic()
    while True:
        body = visitor.request.get(f"{base}/").text()
        waited = time.monotonic() - start
        if text in body:
            return waited
        assert waited < within, f"{text!r} not on the page after {waited:.2f} s"
        time.sleep(0.05)


def test_an_operator_publishes_updates_and_resolves_an_incident_in_a_few_clicks(
    browser, live_server, components, operator_olga, slow_limits
):
    base = live_server.url
    operator = Operator(browser.new_context(locale="zh-CN").new_page())
    visitor = browser.new_context(locale="zh-CN").new_page()
    tab = operator.tab
    visitor.goto(f"{base}/")  # a borrower has the page open: all well
    assert "所有系统运行正常" in visitor.content()
    assert TITLE not in visitor.content()

    tab.goto(f"{base}/admin/login/?next=/admin/")
    operator.fill("#id_username", "olga")
    operator.fill("#id_password", PASSWORD)
    operator.click("input[type=submit]")
    tab.wait_for_url(f"{base}/admin/")

    # Publish: the template from the front page; its components come filled in; Save.
    operator.step = "publish"
    operator.click(f"#start a[href$='?template={slow_limits.pk}']")
    for key in ("limit", "disbursement"):
        assert tab.input_value(f"#id_component_{components[key].pk}") == "degraded_performance"
    assert tab.input_value("#id_name_zh_hans") == TITLE
    operator.click("input[name=_save]")
    tab.wait_for_url(f"{base}/admin/status/incident/")
    published_after = seen_on_the_page(visitor, base, TITLE, within=1.0)
    incident = Incident.objects.get()
    assert incident.status == "identified"
    assert {c.pk for c in incident.components.all()} == {
        components["limit"].pk,
        components["disbursement"].pk,
    }
    assert set(Component.objects.filter(status="degraded_performance")) == {
        components["limit"],
        components["disbursement"],
    }

    # Post an update: open it from the list, a status and a message, Save.
    operator.step = "update"
    operator.click(f"#result_list a[href$='/{incident.pk}/change/']")
    operator.choose("#id_update_status", "monitoring")
    operator.fill("#id_message_zh_hans", "已修复，正在观察。")
    operator.click("input[name=_continue]")
    tab.wait_for_url(f"{base}/admin/status/incident/{incident.pk}/change/")
    updated_after = seen_on_the_page(visitor, base, "已修复，正在观察。", within=1.0)

    # Resolve: the button on the incident's page, and OK.
    operator.step = "resolve"
    operator.click("button.close-incident-button")
    tab.wait_for_selector(".messagelist .success")
    assert "已解决" in tab.inner_text(".messagelist .success")
    assert tab.locator("button.close-incident-button").count() == 0
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert not Component.objects.exclude(status="operational").exists()
    resolved_after = seen_on_the_page(visitor, base, "此事件已解决。", within=1.0)
    visitor.goto(f"{base}/")
    assert "所有系统运行正常" in visitor.content()  # the page's summary: all well again

    measured = {step: dict(counts) for step, counts in operator.counts.items()}
    print(
        f"\ninputs and clicks per step: {measured}; on the page after "
        f"{published_after:.2f} s (published), {updated_after:.2f} s (update), "
        f"{resolved_after:.2f} s (resolved)"
    )
    for step, bound in BOUNDS.items():
        for what, most in bound.items():
            assert measured.get(step, {}).get(what, 0) <= most, (step, what, measured)

"""The status page shows 90 daily bars per showcased component, with the 90-day percentage."""

from __future__ import annotations

import html
import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import formats, timezone, translation

from statuspage.status import services, uptime
from statuspage.status.models import Component, Incident, Page


def component_block(body: str, name: str) -> str:
    """The page from this component's line up to the next component's."""
    for block in body.split('<li class="component">')[1:]:
        if f'<span class="name">{name}</span>' in block:
            return block
    raise AssertionError(f"{name} is not on the page")


def bars(block: str) -> list[tuple[str, str]]:
    """(level, text) of each bar, oldest first."""
    found = re.findall(r'<span class="bar level-([a-z_]+)" data-tip="(.*?)"></span>', block)
    return [(level, html.unescape(text)) for level, text in found]


@pytest.fixture
def history(components, commit):
    """Disbursement counted for 120 days, with a one-hour partial outage yesterday 10:00–11:00;
    the app counted for the last ten days only; credit checks not showcased."""
    zone = Page.get().zone
    today = timezone.localdate(timezone=zone)
    Component.objects.filter(pk=components["disbursement"].pk).update(
        start_date=today - timedelta(days=120)
    )
    Component.objects.filter(pk=components["app"].pk).update(start_date=today - timedelta(days=9))
    Component.objects.filter(pk=components["credit"].pk).update(showcase=False)
    yesterday = today - timedelta(days=1)
    outage = services.open_incident(
        Incident(name="Disbursement delays"),
        body="Payouts are late.",
        component_statuses={components["disbursement"]: "partial_outage"},
        at=datetime.combine(yesterday, time(10, 0), tzinfo=zone),
    )
    commit(services.resolve, outage, at=datetime.combine(yesterday, time(11, 0), tzinfo=zone))
    uptime.refresh_all()  # what beat does every few minutes
    return today


def test_each_showcased_component_has_ninety_bars_and_its_percentage(client, history):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    block = component_block(body, "Disbursement")
    days = bars(block)
    assert len(days) == 90
    # 0.3 × 3600 s of downtime over 89 days and part of today: 99.986…% → 99.99%
    assert "99.99% uptime" in block
    assert days[-2][0] == "partial_outage"
    yesterday = formats.date_format(history - timedelta(days=1), "DATE_FORMAT")
    assert days[-2][1] == f"{yesterday} · 18 minutes of downtime · Disbursement delays"
    assert days[-1][1].endswith("No downtime")
    assert {level for level, _ in days[:-2]} == {"operational"}
    # A screen reader hears one sentence, not 90 bars (the legend is hidden from it).
    assert 'aria-label="Disbursement: 99.99% uptime over 90 days, 1 incident"' in block
    assert 'role="img" tabindex="0"' in block
    assert '<p class="uptime-legend" aria-hidden="true">' in block


def test_a_component_counted_for_ten_days_shows_no_data_before(client, history):
    block = component_block(client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode(), "App")
    days = bars(block)
    assert [level for level, _ in days].count("none") == 80
    assert days[0][1].endswith("No data")
    assert {level for level, _ in days[80:]} == {"operational"}
    assert "100.00% uptime" in block
    assert 'aria-label="App: 100.00% uptime over 90 days, no incidents"' in block


def test_components_that_do_not_showcase_uptime_have_no_bars(client, history):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert bars(component_block(body, "Credit assessment")) == []


def test_the_bars_speak_the_visitor_s_language(client, history):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    with translation.override("zh-hans"):
        yesterday = formats.date_format(history - timedelta(days=1), "DATE_FORMAT")
    assert f'data-tip="{yesterday} · ' in body
    assert "日" in yesterday
    assert 'aria-label="放款：90 天内可用率 99.99%，1 次事件"' in body


def test_the_page_with_its_bars_costs_no_query_until_it_changes(
    client, history, django_assert_num_queries, components, commit
):
    first = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content
    with django_assert_num_queries(0):
        assert client.get("/", HTTP_ACCEPT_LANGUAGE="en").content == first
    commit(
        services.open_incident,
        Incident(name="App down"),
        body="Down.",
        component_statuses={components["app"]: "major_outage"},
    )
    block = component_block(client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode(), "App")
    assert bars(block)[-1][0] == "major_outage"
    assert "App down" in bars(block)[-1][1]

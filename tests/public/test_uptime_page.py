"""/uptime: month by month, each component's uptime and its SLA with maintenance counted."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from statuspage.status import services, uptime
from statuspage.status.models import Component

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def october(components):
    """Disbursement counted from 2026-10-01: partial outage 10-03 12:00 to 10-06 06:00, and two
    hours under maintenance on 10-10. The app is counted from 2026-11-01 only."""
    disbursement = components["disbursement"]
    Component.objects.filter(pk=disbursement.pk).update(start_date=date(2026, 10, 1))
    Component.objects.exclude(pk=disbursement.pk).update(start_date=date(2026, 11, 1))
    for status, at in [
        ("partial_outage", datetime(2026, 10, 3, 12, 0, tzinfo=SHANGHAI)),
        ("operational", datetime(2026, 10, 6, 6, 0, tzinfo=SHANGHAI)),
        ("under_maintenance", datetime(2026, 10, 10, 2, 0, tzinfo=SHANGHAI)),
        ("operational", datetime(2026, 10, 10, 4, 0, tzinfo=SHANGHAI)),
    ]:
        services.apply_component_statuses({disbursement: status}, cause="operator", at=at)
    uptime.refresh_all()


def row(body: str, name: str) -> list[str]:
    match = re.search(rf'<th scope="row">{name}</th>(.*?)</tr>', body, re.S)
    assert match, f"{name} is not in the table"
    return [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", match.group(1), re.S)]


def test_a_month_shows_uptime_sla_downtime_and_maintenance(client, october):
    body = client.get("/uptime?month=2026-10", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # 31 days = 2 678 400 s; downtime 0.3 × 237 600 = 71 280 s; maintenance 7 200 s.
    assert row(body, "Disbursement") == ["97.34%", "97.07%", "1188 minutes", "120 minutes"]
    assert row(body, "App") == ["—", "—", "—", "—"]  # not counted yet in October
    assert "October 2026" in body
    assert 'href="/uptime?month=2026-11"' in body
    assert "month=2026-09" not in body  # nothing was counted before October


def test_the_current_month_so_far(client, october):
    body = client.get("/uptime", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert row(body, "App")[0] == "100.00%"
    this_month = timezone.localdate(timezone=SHANGHAI).replace(day=1)
    previous = (this_month - timedelta(days=1)).strftime("%Y-%m")
    assert f'href="/uptime?month={previous}"' in body
    assert 'rel="next"' not in body


def test_it_is_rendered_once_per_version(client, october, django_assert_num_queries):
    first = client.get("/uptime?month=2026-10", HTTP_ACCEPT_LANGUAGE="en").content
    with django_assert_num_queries(0):
        assert client.get("/uptime?month=2026-10", HTTP_ACCEPT_LANGUAGE="en").content == first


@pytest.mark.parametrize("month", ["october", "2026-13", "2026"])
def test_a_malformed_month_is_not_found(client, components, month):
    assert client.get(f"/uptime?month={month}").status_code == 404


def test_the_status_page_links_to_it(client, components):
    assert 'href="/uptime"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

"""What a visitor sees, in both languages."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import Incident


@pytest.fixture
def outage(open_outage, channels) -> Incident:
    incident = open_outage(
        cause="third_party",
        expected_recovery_at=timezone.now() + timedelta(hours=2),
        body="Loans are **not** being paid out.",
        committed=True,
    )
    services.edit_incident(incident, channels=[channels["mini_program"]])
    return incident


def get(client, path, language="en", **headers):
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language, **headers)


def test_the_page_shows_the_banner_components_and_groups(client, components):
    body = get(client, "/").content.decode()
    assert "All Systems Operational" in body
    assert "Borrowing window" in body
    assert "Identity verification" in body
    assert "<details" in body  # groups fold without JavaScript


def test_the_page_speaks_chinese_to_a_chinese_browser(client, components):
    body = get(client, "/", "zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "借款窗口" in body
    assert "所有系统运行正常" in body
    assert "All Systems Operational" not in body


def test_the_language_switch_sets_a_cookie_and_returns_to_the_page(client, components):
    response = client.get("/language/en/?next=/history")
    assert response.status_code == 302
    assert response["Location"] == "/history"
    assert response.cookies["django_language"].value == "en"
    body = get(client, "/", "zh-CN").content.decode()
    assert '<html lang="en">' in body


def test_the_language_switch_refuses_foreign_redirects(client):
    response = client.get("/language/en/?next=https://evil.example/")
    assert response["Location"] == "/"
    assert client.get("/language/fr/").status_code == 404


def test_an_outage_shows_what_why_until_when_and_what_to_do(client, outage):
    body = get(client, "/").content.decode()
    assert "Partial System Outage" in body  # one of five components down
    assert "Disbursement failing" in body
    assert "Third-party provider" in body
    assert "Meanwhile, use" in body
    assert '<a href="https://lender.example/mini" rel="noopener">WeChat mini-program</a>' in body
    assert "Expected back" in body
    assert "<strong>not</strong>" in body
    assert 'class="status status-major_outage">Major outage' in body


def test_times_carry_their_zone_by_name(client, outage):
    body = get(client, "/").content.decode()
    assert "Beijing time</time>" in body
    assert "UTC+08:00" not in body
    assert 'data-offset="480"' in body  # for page.js, which adds the visitor's own time
    assert "Times are shown in Beijing time (UTC+8)." in body
    chinese = get(client, "/", "zh-CN").content.decode()
    assert '">北京时间 ' in chinese
    assert "时间均为北京时间（UTC+8）。" in chinese


def test_only_show_if_degraded_components_hide_while_operational(client, components, commit):
    app = components["app"]
    app.only_show_if_degraded = True
    commit(services.save_component, app)
    assert ">App<" not in get(client, "/").content.decode()
    commit(services.set_component_status, app, "partial_outage")
    assert ">App<" in get(client, "/").content.decode()


def test_a_collapsed_group_renders_folded(client, components, borrowing, commit):
    borrowing.collapsed = True
    commit(services.save_group, borrowing)
    body = get(client, "/").content.decode()
    assert '<details class="group">' in body


def test_maintenance_and_announcements_have_their_own_sections(client, components, commit):
    start = timezone.now() + timedelta(days=2)
    commit(
        services.open_incident,
        Incident(
            kind="maintenance",
            name="Credit system upgrade",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
        ),
        body="Planned work.",
        affected=[components["credit"]],
    )
    commit(
        services.open_incident,
        Incident(kind="announcement", name="New repayment channel"),
        body="You can now repay at any bank counter.",
    )
    body = get(client, "/").content.decode()
    assert "Scheduled maintenance" in body
    assert "Credit system upgrade" in body
    assert "Announcements" in body
    assert "New repayment channel" in body
    past = body.split("Past incidents", 1)[1]
    assert "Credit system upgrade" not in past  # not happened yet


def test_the_last_seven_days_are_listed_with_quiet_days(client, outage, commit):
    commit(services.resolve, outage)
    body = get(client, "/").content.decode()
    past = body.split("Past incidents", 1)[1]
    assert past.count('class="day"') == 7
    assert past.count("No incidents reported.") == 6
    assert "Disbursement failing" in past


def test_the_incident_page_shows_every_update_newest_first(client, outage, commit):
    commit(services.post_update, outage, status="identified", body="Bank gateway down.")
    body = get(client, f"/incidents/{outage.pk}").content.decode()
    assert body.index("Bank gateway down.") < body.index("Loans are")
    assert "Identified" in body and "Investigating" in body


def test_an_unknown_incident_is_a_404(client, components):
    assert get(client, "/incidents/nosuchthing1").status_code == 404


def test_history_pages_by_month(client, outage):
    body = get(client, "/history").content.decode()
    assert "Disbursement failing" in body
    month = timezone.localdate(outage.created_at, ZoneInfo("Asia/Shanghai"))
    previous = (month.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    older = get(client, f"/history?month={previous}").content.decode()
    assert "No incidents reported this month." in older


@pytest.mark.parametrize("month", ["2026-13", "junk", "2026-", "-1-2"])
def test_history_refuses_a_malformed_month(client, components, month):
    assert get(client, f"/history?month={month}").status_code == 404


def test_updates_show_component_names_in_the_visitors_language(client, outage):
    body = get(client, "/").content.decode()
    assert "Borrowing window - Disbursement:" in body
    assert "借款窗口 - 放款" not in body

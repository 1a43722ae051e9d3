"""A real browser: an operator in Beijing signs in to the console, types 15:30 as the expected
recovery, saves, and visitors read 15:30 on the page. Chromium through Playwright against
pytest-django's live server, as in tests/public/test_browser.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import Incident, Page
from tests.public.browsing import PASSWORD, chromium, make_operator, need_chromium  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

need_chromium()


@pytest.fixture
def browser(chromium):  # noqa: F811  (the shared fixture, by the name these tests use)
    return chromium


@pytest.fixture
def signed_in_operator(transactional_db) -> User:
    return make_operator()


def sign_in(tab, base: str, next_path: str) -> None:
    tab.goto(f"{base}/admin/login/?next={next_path}")
    tab.fill("#id_username", "olga")
    tab.fill("#id_password", PASSWORD)
    tab.click("input[type=submit]")
    tab.wait_for_url(f"{base}{next_path}")


def test_an_operator_types_a_local_time_and_visitors_read_the_same_time(
    browser, live_server, components, signed_in_operator
):
    outage = services.open_incident(
        Incident(name_zh_hans="放款失败", name_en="Disbursement failing"),
        body={"zh-hans": "放款失败。", "en": "Payouts are failing."},
        component_statuses={components["disbursement"]: "major_outage"},
        notify=False,
    )
    tomorrow = timezone.localdate(timezone=Page.get().zone) + timedelta(days=1)
    change = f"/admin/status/incident/{outage.pk}/change/"
    # An operator in Beijing: the browser's clock is in the page's zone.
    tab = browser.new_context(locale="en-US", timezone_id="Asia/Shanghai").new_page()
    sign_in(tab, live_server.url, change)

    assert "Times are Beijing time (UTC+8)." in tab.content()
    # Django's "you are N hours ahead of server time" note: not shown, the clocks agree.
    assert tab.locator(".timezonewarning").count() == 0
    # Promises are folded away with the rest of "what visitors should do meanwhile".
    tab.click("details:has(#id_expected_recovery_at_0) > summary")
    tab.fill("#id_expected_recovery_at_0", tomorrow.isoformat())
    tab.fill("#id_expected_recovery_at_1", "15:30")
    tab.click("input[name=_save]")
    tab.wait_for_url(f"{live_server.url}/admin/status/incident/")

    outage.refresh_from_db()
    assert outage.expected_recovery_at == datetime(
        tomorrow.year, tomorrow.month, tomorrow.day, 7, 30, tzinfo=UTC
    )
    visitor = browser.new_context(locale="en-US", timezone_id="Asia/Shanghai").new_page()
    visitor.goto(live_server.url + "/")
    assert "15:30" in visitor.content()


def test_an_operator_elsewhere_is_told_the_console_runs_on_the_page_s_clock(
    browser, live_server, components, signed_in_operator
):
    """From London the console still reads Beijing time, and Django's note says so."""
    tab = browser.new_context(locale="en-US", timezone_id="Europe/London").new_page()
    sign_in(tab, live_server.url, "/admin/status/incident/add/?kind=maintenance")
    assert tab.locator(".timezonewarning").first.inner_text().startswith("Note: You are 8 hours")

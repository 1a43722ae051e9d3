"""`make screenshots`: the pages as people meet them, into docs/screenshots/.

Not a test (pytest collects test_*.py only; the Makefile names this file): it fills the small
world of the tests with 90 days of history, photographs the page in both languages on a phone
and a desktop, all well and during an incident, then the incident's page, the subscribe form,
the manage page and the admin's incident screen.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from statuspage.notify import subscriptions
from statuspage.status import services, uptime
from statuspage.status.models import Component, Incident, Page
from tests.public.browsing import DESKTOP, PHONE, need_chromium

need_chromium()
if (
    shutil.which("fc-list")
    and not subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip()
):
    pytest.exit("screenshots: no Chinese font; apt-get install fonts-wqy-microhei", returncode=1)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LOCALES = {"zh": "zh-CN", "en": "en-US"}
DEVICES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def history(components):
    """Every component counted for 120 days; a two-hour partial outage of credit checks 12
    days ago, resolved."""
    zone = Page.get().zone
    today = timezone.localdate(timezone=zone)
    Component.objects.update(start_date=today - timedelta(days=120))
    day = today - timedelta(days=12)
    past = services.open_incident(
        Incident(name_en="Credit checks slow", name_zh_hans="信用评估缓慢"),
        body={"en": "Credit checks take minutes.", "zh-hans": "信用评估需要数分钟。"},
        component_statuses={components["credit"]: "partial_outage"},
        notify=False,
        at=datetime.combine(day, time(10, 0), tzinfo=zone),
    )
    services.resolve(past, at=datetime.combine(day, time(12, 0), tzinfo=zone))
    uptime.refresh_all()


def shoot(chromium, base: str, path: str, name: str, locale: str, device: str, **extra) -> None:
    context = chromium.new_context(
        locale=LOCALES[locale],
        timezone_id="Asia/Shanghai",
        viewport=DEVICES[device],
        is_mobile=device == "phone",
        has_touch=device == "phone",
        **extra,
    )
    tab = context.new_page()
    tab.goto(base + path, wait_until="load")
    # A phone: the first screen; a desktop: down to the uptime bars.
    clip = {"x": 0, "y": 0, "width": DESKTOP["width"], "height": 1300}
    tall = {"full_page": True, "clip": clip} if device == "desktop" else {}
    tab.screenshot(path=OUT / f"{name}-{locale}-{device}.png", **tall)
    context.close()


def test_screenshots(chromium, live_server, history, functions, channels, bilingual_outage):
    OUT.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    for locale in LOCALES:
        for device in DEVICES:
            shoot(chromium, base, "/", "status-ok", locale, device)

    outage = bilingual_outage(
        expected_recovery_at=timezone.now() + timedelta(hours=2),
        next_update_by=timezone.now() + timedelta(minutes=30),
    )
    uptime.refresh_all()
    for locale in LOCALES:
        for device in DEVICES:
            shoot(chromium, base, "/", "status-incident", locale, device)
        shoot(chromium, base, outage.get_absolute_url(), "incident", locale, "phone")
        shoot(chromium, base, "/subscribe", "subscribe", locale, "phone")

    subscriber = subscriptions.subscribe(
        email="ana@example.com",
        components=[Component.objects.get(name_en="Disbursement")],
        language="en",
        skip_confirmation=True,
    )
    manage = urlsplit(subscriptions.issue_manage_url(subscriber)).path
    shoot(chromium, base, manage, "manage", "en", "phone")

    # The admin's incident screen, as an operator signed in sees it.
    operator = User.objects.create_user("olga", password="operator-password-1", is_staff=True)
    operator.groups.add(Group.objects.get(name="Operator"))
    context = chromium.new_context(locale="en-US", timezone_id="Asia/Shanghai", viewport=DESKTOP)
    tab = context.new_page()
    change = f"/admin/status/incident/{outage.pk}/change/"
    tab.goto(f"{base}/admin/login/?next={change}")
    tab.fill("#id_username", "olga")
    tab.fill("#id_password", "operator-password-1")
    tab.click("input[type=submit]")
    tab.wait_for_url(base + change)
    tab.screenshot(path=OUT / "admin-incident-en-desktop.png")
    context.close()

"""The public pages as people meet them, in a real browser: axe-core finds no serious or critical
problem on any of them, in both languages, on a phone and a desktop, light and dark, with
everything operational and during an incident while a maintenance runs."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from statuspage.notify import subscriptions
from statuspage.status.models import IncidentStatus
from tests.public.browsing import (
    AXE,
    DESKTOP,
    PHONE,
    need_chromium,
    serious_violations,
)

need_chromium()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def public_paths(components, email_subscriber):
    """Every public page kind: the page, history, uptime, subscribe, and a manage page."""
    subscriber = email_subscriber("ana@example.com", components=[components["app"]])
    manage = urlsplit(subscriptions.issue_manage_url(subscriber)).path
    return ["/", "/history", "/uptime", "/subscribe", manage]


def audit(chromium, paths: list[str], base: str) -> list[str]:
    problems = []
    for locale in ("zh-CN", "en-US"):
        context = chromium.new_context(locale=locale, viewport=PHONE)
        context.add_init_script(script=AXE)
        tab = context.new_page()
        for path in paths:
            tab.goto(base + path)
            for scheme in ("light", "dark"):
                tab.emulate_media(color_scheme=scheme)
                for size in (PHONE, DESKTOP):
                    tab.set_viewport_size(size)
                    where = f"{path} {locale} {scheme} {size['width']}"
                    problems += [f"{where}: {v}" for v in serious_violations(tab)]
        context.close()
    return problems


def test_no_serious_problem_when_all_is_well(chromium, live_server, public_paths):
    started = time.monotonic()
    problems = audit(chromium, public_paths, live_server.url)
    assert not problems, "\n".join(problems)
    print(f"axe: {len(public_paths) * 8} audits in {time.monotonic() - started:.1f} s")


def test_no_serious_problem_during_an_incident_with_maintenance_running(
    chromium, live_server, public_paths, bilingual_outage, schedule_maintenance
):
    outage = bilingual_outage(
        expected_recovery_at=timezone.now() + timedelta(hours=2),
        next_update_by=timezone.now() + timedelta(minutes=30),
    )
    schedule_maintenance(
        "Database upgrade",
        timezone.now() - timedelta(minutes=30),
        status=IncidentStatus.IN_PROGRESS,
        committed=True,
    )
    paths = [*public_paths, outage.get_absolute_url()]
    problems = audit(chromium, paths, live_server.url)
    assert not problems, "\n".join(problems)

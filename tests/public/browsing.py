"""What the browser tests share: finding Chromium (or skipping, saying how to get it), one
Chromium per test, an operator to sign in as, and the checks every public page passes
(axe-core, console, requests, layout shift)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

HOW = "apt-get install chromium (or set CHROMIUM to a Chromium binary) to run them"
CHROMIUM = shutil.which(os.environ.get("CHROMIUM", "chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "operator-password-1"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# axe-core, pinned (tests/vendor/README.md): injected by the tests, never served by us.
AXE = (Path(__file__).parent.parent / "vendor" / "axe.min.js").read_text()


def need_chromium() -> None:
    """Skip the calling test module without Chromium; CI installs it, so there it fails."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            raise RuntimeError(f"the browser tests need Chromium: {HOW}")
        pytest.skip(f"browser tests: Chromium not found; {HOW}", allow_module_level=True)


@pytest.fixture
def chromium(transactional_db, monkeypatch) -> Iterator:
    """Chromium for one test, started after the database is set up and closed before it is
    reset (see tests/public/test_browser.py)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
        connections.close_all()


def make_operator():
    """Olga, a console user in the Operator group (password PASSWORD)."""
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("olga", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Operator"))
    return user


def serious_violations(tab) -> list[str]:
    """axe-core's serious and critical findings on the page `tab` shows now."""
    found = tab.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3)
                    .map(n => n.target.join(" ") + " " + n.failureSummary.replace(/\\s+/g, " "))
                    .join(" | ")}`);
        }"""
    )
    return list(found)


class Watched:
    """Console errors, failed requests and responses ≥ 400 a tab met."""

    def __init__(self, tab) -> None:
        self.problems: list[str] = []
        tab.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        tab.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        tab.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        tab.on(
            "response",
            lambda r: self.problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
        )


# Installed before any page script: sums layout shifts not caused by input (CLS).
MEASURE_SHIFTS = """
window.__shifts = 0;
new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
        if (!entry.hadRecentInput) window.__shifts += entry.value;
    }
}).observe({type: "layout-shift", buffered: true});
"""

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
    MEASURE_SHIFTS,
    PHONE,
    Watched,
    need_chromium,
    serious_violations,
)

need_chromium()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def public_paths(components, email_subscriber, settings):
    """Every public page kind: the page, history, uptime, subscribe (SMS offered), a manage
    page, and the page where an SMS subscriber types the code back."""
    settings.SMS_URL = "locmem://"
    subscriber = email_subscriber("ana@example.com", components=[components["app"]])
    manage = urlsplit(subscriptions.issue_manage_url(subscriber)).path
    texted = subscriptions.subscribe(phone="13800138000")
    code_page = urlsplit(subscriptions.code_page_url(texted)).path
    return ["/", "/history", "/uptime", "/subscribe", manage, code_page]


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
            duplicates = tab.evaluate(
                """() => { const ids = [...document.querySelectorAll("[id]")].map(e => e.id);
                           return ids.filter((id, i) => ids.indexOf(id) !== i); }"""
            )
            problems += [f"{path} {locale}: duplicate id {d}" for d in duplicates]
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


@pytest.fixture
def incident_and_maintenance(bilingual_outage, schedule_maintenance):
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
    return outage


def test_no_page_logs_an_error_fails_a_request_or_shifts(
    chromium, live_server, public_paths, incident_and_maintenance
):
    """A visitor abroad (whose own time the page adds beside its times): no console error, no
    failed request (the favicon included), no layout shift (CLS 0) on any public page."""
    paths = [*public_paths, incident_and_maintenance.get_absolute_url()]
    for locale, zone, viewport in (
        ("en-GB", "Europe/Berlin", PHONE),
        ("zh-CN", "Asia/Shanghai", PHONE),
        ("zh-CN", "Asia/Shanghai", DESKTOP),
    ):
        context = chromium.new_context(locale=locale, timezone_id=zone, viewport=viewport)
        context.add_init_script(script=MEASURE_SHIFTS)
        tab = context.new_page()
        watched = Watched(tab)
        for path in paths:
            tab.goto(live_server.url + path, wait_until="load")
            tab.wait_for_timeout(100)  # shifts are reported after the frame
            assert tab.evaluate("window.__shifts") == 0, f"layout shift on {path} ({viewport})"
        if zone == "Europe/Berlin":
            assert tab.locator("[data-visitor-zone]").is_visible()  # the script did run
            tab.goto(live_server.url + "/")
            # "(your time)" on the coloured banner is the banner's colour, not grey.
            note, banner = tab.locator(".banner time[data-visitor]").first.evaluate(
                """t => [getComputedStyle(t, "::after").color,
                         getComputedStyle(t.closest(".banner")).color]"""
            )
            assert note == banner
        assert watched.problems == []
        context.close()
    icon = chromium.new_page().goto(live_server.url + "/favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")


def focus_ring(tab) -> str:
    return tab.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return s.outlineStyle === "none" ? "" : s.outlineWidth; }"""
    )


def test_every_control_is_reached_by_keyboard_with_a_visible_focus(
    chromium, live_server, components, incident_and_maintenance
):
    tab = chromium.new_page(locale="en-US", viewport=DESKTOP)
    tab.goto(live_server.url + "/")
    reached = []
    for _ in range(60):
        tab.keyboard.press("Tab")
        name = tab.evaluate(
            """() => { const e = document.activeElement;
                       return e.className || e.tagName.toLowerCase(); }"""
        )
        if name == "body":
            break
        assert focus_ring(tab) not in ("", "0px"), f"no visible focus on {name}"
        reached.append(name)
    assert "button subscribe-button" in reached  # in the header, before the content
    assert reached.index("button subscribe-button") < reached.index("bars")
    assert "summary" in reached  # the group folds by keyboard
    assert reached.count("bars") == 5  # each showcased component's uptime, once
    assert len(reached) < 45, "the bars must not be a tab stop each"

    tab.goto(live_server.url + "/uptime")
    tab.focus(".table-scroll")
    assert focus_ring(tab) not in ("", "0px")
    assert tab.evaluate("document.activeElement.getAttribute('role')") == "region"


# Every control a visitor can reach: shown (not inside a folded <details>), not disabled, not
# taken out of the tab order; a group of radio buttons is one stop (arrow keys move within it).
VISIBLE_CONTROLS = """() => {
  const shown = [...document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
    .filter(e => !e.disabled && e.tabIndex >= 0
                 && e.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true}));
  const groups = new Set();
  return shown.filter(e => e.type !== 'radio' || (!groups.has(e.name) && groups.add(e.name)))
    .map(e => e.tagName.toLowerCase() + ' ' + (e.name || e.textContent.trim().slice(0, 30)));
}"""
FOCUSED = """() => { const e = document.activeElement;
  return e === document.body ? null
    : e.tagName.toLowerCase() + ' ' + (e.name || e.textContent.trim().slice(0, 30)); }"""


@pytest.mark.parametrize("page", ["/subscribe", "/history", "incident"])
def test_every_control_of_the_other_pages_is_reached_by_keyboard_with_a_visible_focus(
    chromium, live_server, components, incident_and_maintenance, texts, page
):
    """The form with its SMS, robot and webhook ways (all unfolded), the history and an
    incident's page: Tab reaches every control shown, each with a focus ring (the home page and
    /uptime above)."""
    path = incident_and_maintenance.get_absolute_url() if page == "incident" else page
    tab = chromium.new_page(locale="zh-CN", viewport=DESKTOP)
    tab.goto(live_server.url + path)
    tab.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    tab.evaluate("document.activeElement.blur()")
    controls = tab.evaluate(VISIBLE_CONTROLS)
    if page == "/subscribe":  # every way to subscribe is on the page and unfolded
        assert {"input phone", "select chat_app", "input endpoint"} <= set(controls), controls
    reached: list[str] = []
    for _ in range(len(controls) + 10):
        tab.keyboard.press("Tab")
        focused = tab.evaluate(FOCUSED)
        if focused is None or (reached and focused == reached[0]):
            break
        assert focus_ring(tab) not in ("", "0px"), f"no visible focus on {focused} of {path}"
        reached.append(focused)
    assert sorted(reached) == sorted(controls), f"{path}: {reached} {controls}"


def test_uptime_reads_as_one_sentence_and_a_day_opens_by_key_tap_and_hover(
    chromium, live_server, components, incident_and_maintenance
):
    phone = chromium.new_context(locale="en-US", viewport=PHONE, has_touch=True, is_mobile=True)
    tab = phone.new_page()
    tab.goto(live_server.url + "/")
    disbursement = tab.locator(".component").filter(has_text="Disbursement").first
    spoken = disbursement.aria_snapshot()
    assert 'img "Disbursement: ' in spoken and "over 90 days, 1 incident" in spoken
    assert spoken.count("img") == 1 and "Today" not in spoken  # not 90 bars, no legend

    detail = disbursement.locator(".day-detail")
    bars = disbursement.locator(".bar")
    disbursement.locator(".bars").focus()  # the keyboard starts at today
    assert detail.inner_text() == bars.nth(89).get_attribute("data-tip")
    assert "Disbursement failing" in detail.inner_text()
    tab.keyboard.press("ArrowLeft")
    assert detail.inner_text() == bars.nth(88).get_attribute("data-tip")
    tab.keyboard.press("Home")
    assert detail.inner_text() == bars.nth(0).get_attribute("data-tip")
    tab.keyboard.press("Escape")
    assert detail.inner_text() == ""
    bars.nth(10).tap()  # a finger has no hover
    assert detail.inner_text() == bars.nth(10).get_attribute("data-tip")
    assert detail.is_visible()

    desk = chromium.new_page(locale="en-US", viewport=DESKTOP)
    desk.goto(live_server.url + "/")
    row = desk.locator(".component").filter(has_text="Disbursement").first
    row.locator(".bar").nth(50).hover()
    assert row.locator(".day-detail").inner_text() == row.locator(".bar").nth(50).get_attribute(
        "data-tip"
    )


def test_status_is_never_colour_alone_and_motion_can_be_turned_off(
    chromium, live_server, components, incident_and_maintenance
):
    tab = chromium.new_page(locale="en-US", viewport=DESKTOP)
    tab.goto(live_server.url + "/")
    signs = tab.eval_on_selector_all(
        ".status",
        "els => els.map(e => [e.className, getComputedStyle(e, '::before').content])",
    )
    assert signs and all(content not in ("none", "normal", '""') for _, content in signs)
    outage = [c for name, c in signs if "major_outage" in name]
    assert outage and outage[0] != next(c for name, c in signs if "operational" in name)
    worst = tab.locator(".bar.level-major_outage").first
    assert worst.evaluate("b => getComputedStyle(b).transitionDuration") == "0.15s"
    pattern = "b => getComputedStyle(b).backgroundImage"
    assert "gradient" in worst.evaluate(pattern)  # a bad day is striped, not only red
    assert tab.locator(".bar.level-operational").first.evaluate(pattern) == "none"

    tab.emulate_media(reduced_motion="reduce")
    assert worst.evaluate("b => getComputedStyle(b).transitionDuration") == "0s"

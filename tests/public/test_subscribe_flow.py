"""Subscribing as a visitor does it, in a real browser on a phone: the header's button, the
form, the confirmation email sent by a real Celery worker to a real SMTP server, its link, the
manage page, and one click to stop."""

from __future__ import annotations

import re

import pytest

from statuspage.notify.models import Subscriber
from tests.public.browsing import AXE, PHONE, Watched, need_chromium, serious_violations

need_chromium()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_visitor_subscribes_confirms_manages_and_unsubscribes(
    chromium, live_server, components, mailbox, start_worker, settings
):
    settings.PUBLIC_URL = live_server.url  # the emails' and pages' absolute links
    start_worker(PUBLIC_URL=live_server.url)  # sends what the pages queue
    context = chromium.new_context(locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_init_script(script=AXE)
    tab = context.new_page()
    watched = Watched(tab)
    tab.goto(live_server.url + "/")

    button = tab.get_by_role("link", name="Subscribe", exact=True)
    box = button.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], "subscribe is up front, not a scroll away"
    button.tap()
    tab.wait_for_url("**/subscribe")
    assert (
        tab.locator("form input:not([type=hidden])").first.get_attribute("name") == "email"
    )  # email first
    webhook = tab.get_by_label("Webhook URL", exact=True)
    assert not webhook.is_visible()  # folded under "For developers"
    tab.get_by_label("Email address").fill("ana@example.com")
    tab.get_by_role("group", name="Borrowing window").get_by_label("Disbursement").check()
    with tab.expect_navigation():
        tab.get_by_role("button", name="Subscribe", exact=True).tap()
    assert tab.locator("h1").inner_text() == "Check your inbox"

    (message,) = mailbox.wait_for(1)
    assert message["To"] == "ana@example.com"
    text = message.get_body(("plain",)).get_content()
    tab.goto(re.search(rf"{live_server.url}/subscribe/confirm/\S+", text).group(0))
    assert serious_violations(tab) == []
    with tab.expect_navigation():
        tab.get_by_role("button", name="Yes, subscribe me").tap()
    assert tab.locator("h1").inner_text() == "You are subscribed"
    assert Subscriber.objects.get(email="ana@example.com").state == "active"

    with tab.expect_navigation():
        tab.get_by_role("link", name="Manage your subscription").tap()
    assert tab.locator("h1").inner_text() == "Your subscription"
    assert serious_violations(tab) == []
    assert tab.get_by_text("ana@example.com").is_visible()
    assert (
        tab.get_by_role("group", name="Borrowing window").get_by_label("Disbursement").is_checked()
    )
    assert not tab.get_by_label("App").is_checked()

    with tab.expect_navigation():
        tab.get_by_role("button", name="Unsubscribe").tap()  # one click, no second question
    assert "You are unsubscribed" in tab.locator("p.notice[role=status]").inner_text()
    assert Subscriber.objects.get(email="ana@example.com").state == "unsubscribed"
    assert tab.get_by_role("button", name="Subscribe again").is_visible()
    assert len(mailbox.messages) == 1  # nothing else was sent
    assert watched.problems == []

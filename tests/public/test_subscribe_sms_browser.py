"""Subscribing by SMS as a borrower does it, in a real browser on a phone, in Chinese: the SMS
way offered open, a mainland number typed without +86, the code sent through the provider's
SDK by a real Celery worker to a stand-in that checks its credentials, typed back, and the
subscription active."""

from __future__ import annotations

import re

import pytest

from statuspage.notify import sms
from statuspage.notify.models import Subscriber
from tests.notify.sms_standins import STAND_INS
from tests.notify.test_worker import until
from tests.public.browsing import AXE, PHONE, Watched, need_chromium, serious_violations

need_chromium()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def twilio(settings):
    settings.ALLOW_PRIVATE_ADDRESSES = True  # the stand-in listens on 127.0.0.1
    stand_in = STAND_INS["twilio"]()
    settings.SMS_URL = stand_in.url()
    yield stand_in
    stand_in.close()
    sms.forget()


def test_a_borrower_subscribes_by_sms_and_types_the_code_back(
    chromium, live_server, components, twilio, start_worker, settings
):
    settings.PUBLIC_URL = live_server.url
    start_worker(PUBLIC_URL=live_server.url, SMS_URL=settings.SMS_URL)  # sends the code
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_init_script(script=AXE)
    tab = context.new_page()
    watched = Watched(tab)
    tab.goto(live_server.url + "/subscribe")

    number = tab.get_by_label("手机号码")
    assert number.is_visible()  # offered open: no hunting for it
    assert serious_violations(tab) == []
    number.fill("138 0013 8000")
    with tab.expect_navigation():
        number.press("Enter")  # the phone keyboard's "Go": SMS, though email comes first
    assert tab.locator("h1").inner_text() == "输入我们发送的验证码"
    assert "+86138····8000" in tab.locator("main").inner_text()
    assert serious_violations(tab) == []

    until(lambda: twilio.sent, 30, "the code's SMS")
    (sent,) = twilio.sent
    assert sent.phone == "+8613800138000"
    code = re.search(r"\b(\d{6})\b", sent.text).group(1)
    assert "验证码" in sent.text
    subscriber = Subscriber.objects.get(mode="sms")
    assert subscriber.state == "unconfirmed" and subscriber.email == ""

    tab.get_by_label("验证码").fill("000000" if code != "000000" else "111111")
    with tab.expect_navigation():
        tab.get_by_role("button", name="确认").tap()
    error = tab.locator("#code-errors")
    assert "验证码错误或已过期" in error.inner_text()
    assert tab.get_by_label("验证码").get_attribute("aria-invalid") == "true"

    tab.get_by_label("验证码").fill(code)
    with tab.expect_navigation():
        tab.get_by_role("button", name="确认").tap()
    subscriber.refresh_from_db()
    assert subscriber.state == "active"
    assert len(twilio.sent) == 1  # the code, and nothing else before it was typed back
    # The wrong code's answer is a 400 (the form with its error), said twice: as the request
    # and as the console's note of it. Nothing else failed.
    assert watched.problems == [
        f"400: {tab.url}",
        "console error: Failed to load resource: the server responded with a status of 400 "
        "(Bad Request)",
    ]

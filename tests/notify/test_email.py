"""Notice emails: multipart, in the subscriber's language, one-click unsubscribe, one connection."""

from __future__ import annotations

import re

from statuspage.notify import delivery
from statuspage.notify.models import Delivery, Notice
from statuspage.status import services
from tests.notify.workers import send_all

BODY = "Payouts are **failing**."


def test_a_notice_email_says_what_and_what_to_do_in_both_parts(
    components, email_subscriber, mailbox, outage
):
    email_subscriber("ana@example.com", language="en")
    outage(body=BODY)
    send_all()
    [message] = mailbox.wait_for(1)
    assert message["Subject"].strip() == "[Status] Investigating: Disbursement failing"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Disbursement failing" in part
        assert "WeChat mini-program" in part
        assert "Borrowing window - Disbursement" in part
    assert "Payouts are **failing**." in text
    assert "<strong>failing</strong>" in html


def test_it_speaks_the_subscribers_language(components, email_subscriber, mailbox, outage):
    email_subscriber("li@example.com", language="zh-hans")
    outage(body=BODY)
    send_all()
    [message] = mailbox.wait_for(1)
    assert "调查中" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "在此期间请使用" in text
    assert "微信小程序" in text
    assert "借款窗口 - 放款" in text


def test_every_email_carries_one_click_unsubscribe_and_a_manage_link(
    components, email_subscriber, mailbox, client, outage
):
    email_subscriber("ana@example.com")
    outage(body=BODY)
    send_all()
    [message] = mailbox.wait_for(1)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"].strip()  # folded after the colon when long
    url = re.fullmatch(r"<(http://127\.0\.0\.1:8000/subscriptions/[^>]+/unsubscribe)>", header)
    assert url, header
    assert url.group(1) in message.get_body(("plain",)).get_content()
    # the mail client's POST, without cookies, unsubscribes and answers 200 without redirect
    response = client.post(
        url.group(1).removeprefix("http://127.0.0.1:8000"), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert Delivery.objects.get().subscriber.state == "unsubscribed"


def test_the_message_id_is_stable_per_delivery(components, email_subscriber, mailbox, outage):
    email_subscriber("ana@example.com")
    outage(body=BODY)
    send_all()
    sent = Delivery.objects.get()
    [message] = mailbox.wait_for(1)
    assert message["Message-ID"] == f"<{sent.uid}@127.0.0.1>"


def test_many_messages_share_one_smtp_connection(components, email_subscriber, mailbox, outage):
    for n in range(30):
        email_subscriber(f"s{n}@example.com")
    outage(body=BODY)
    send_all()
    mailbox.wait_for(30)
    assert mailbox.sessions == 1
    assert Delivery.objects.filter(status="delivered").count() == 30


def test_a_refused_address_quarantines_the_subscriber(
    components, email_subscriber, mailbox, outage
):
    gone = email_subscriber("nobody@example.com")
    email_subscriber("ana@example.com")
    mailbox.refuse.add("nobody@example.com")
    outage(body=BODY)
    send_all()
    refused = Delivery.objects.get(subscriber=gone)
    assert refused.status == "dead"
    assert refused.last_status_code == 550
    gone.refresh_from_db()
    assert gone.state == "quarantined"
    assert len(mailbox.to("ana@example.com")) == 1


def test_an_unreachable_mail_server_means_retry_not_loss(
    components, email_subscriber, settings, outage
):
    email_subscriber("ana@example.com")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    outage(body=BODY)
    send_all()
    failed = Delivery.objects.get()
    assert failed.status == "failed"
    assert "unreachable" in failed.last_error


def test_prepared_bytes_and_django_messages_say_the_same(components, email_subscriber, outage):
    """The SMTP fast path and the path for other backends produce the same email."""
    import email
    import email.policy

    from statuspage.notify.messages import NoticeEmails

    email_subscriber("li@example.com", language="zh-hans")
    outage(body=BODY)
    notice = Notice.objects.get()
    delivery.fan_out(notice.pk, lambda mode, ids: None)
    emails = NoticeEmails()
    sent = Delivery.objects.select_related("notice", "subscriber").get()
    fast = email.message_from_bytes(emails.raw(sent), policy=email.policy.default)
    slow = email.message_from_bytes(
        emails.compose(sent).message().as_bytes(), policy=email.policy.default
    )
    for header in (
        "Subject",
        "To",
        "Message-ID",
        "References",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
    ):
        assert fast[header].strip() == slow[header].strip(), header
    assert fast["From"] == slow["From"]
    for kind in ("plain", "html"):
        assert fast.get_body((kind,)).get_content() == slow.get_body((kind,)).get_content()


def test_other_email_backends_get_ordinary_messages(components, email_subscriber, settings, outage):
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email_subscriber("ana@example.com")
    outage(body=BODY)
    send_all()
    [message] = mail.outbox
    assert message.subject == "[Status] Investigating: Disbursement failing"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Delivery.objects.get().status == "delivered"


def test_the_email_shows_the_update_it_announces_even_when_back_dated(
    components, email_subscriber, mailbox, outage
):
    from datetime import timedelta

    from django.utils import timezone

    email_subscriber("ana@example.com")
    incident = outage(body=BODY)
    send_all()
    services.post_update(
        incident,
        status="identified",
        body="We found a stuck queue.",
        display_at=timezone.now() - timedelta(hours=1),  # shown before the first update
    )
    send_all()
    [_, second] = mailbox.wait_for(2)
    text = second.get_body(("plain",)).get_content()
    assert "We found a stuck queue." in text

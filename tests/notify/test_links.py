"""The unsubscribe link, in every email and webhook body, only unsubscribes. Managing a
subscription (components, language, a webhook's secret) takes a manage link: emailed to the
owner on request, expiring, and retired by the next one or by a secret rotation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.utils import timezone

from statuspage.notify import delivery, subscriptions, tokens
from statuspage.notify.models import Notice, Subscriber
from statuspage.status import services
from statuspage.status.models import Incident

PUBLIC_URL = settings.PUBLIC_URL


def notify_everyone(components) -> None:
    services.open_incident(
        Incident(name="Disbursement failing"),
        body="Payouts are failing.",
        component_statuses={components["disbursement"]: "major_outage"},
    )
    for notice in Notice.objects.filter(fanned_out_at__isnull=True):
        delivery.fan_out(notice.pk, lambda mode, ids: delivery.deliver(ids))


def path_of(url: str) -> str:
    return url.removeprefix(PUBLIC_URL)


def manage_link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"{re.escape(PUBLIC_URL)}(/subscriptions/\S+)", text).group(1)


def ask_for_manage_link(client: Client, worker, address: str):
    return worker(client.post, "/subscriptions/manage", {"email": address})


def test_an_emails_unsubscribe_link_unsubscribes_and_cannot_manage(
    components, email_subscriber, mailbox, client
):
    ana = email_subscriber("ana@example.com")
    notify_everyone(components)
    [message] = mailbox.wait_for(1)
    header = re.fullmatch(r"<([^>]+)>", message["List-Unsubscribe"].strip()).group(1)
    text = message.get_body(("plain",)).get_content()
    assert header in text
    # No manage token anywhere in the message: the only /subscriptions/ links are the
    # unsubscribe link and the page where the owner asks for a manage link.
    links = set(re.findall(rf"{re.escape(PUBLIC_URL)}/subscriptions/\S+", text))
    assert links == {header, f"{PUBLIC_URL}/subscriptions/manage"}

    token = path_of(header).removeprefix("/subscriptions/").removesuffix("/unsubscribe")
    assert client.get(f"/subscriptions/{token}").status_code == 400
    assert client.post(f"/subscriptions/{token}", {"action": "save"}).status_code == 400
    page = client.get(path_of(header))
    assert page.status_code == 200
    assert b'value="save"' not in page.content
    ana.refresh_from_db()
    assert ana.state == "active"
    assert Client(enforce_csrf_checks=True).post(path_of(header)).status_code == 200
    ana.refresh_from_db()
    assert ana.state == "unsubscribed"


def test_a_webhooks_unsubscribe_link_never_shows_or_rotates_its_secret(
    components, webhook_subscriber, receiver, client
):
    hook = webhook_subscriber("/ok")
    secret = hook.secret
    notify_everyone(components)
    [payload] = [r.json() for r in receiver.received if b'"incident"' in r.body]
    unsubscribe = payload["meta"]["unsubscribe"]
    token = path_of(unsubscribe).removeprefix("/subscriptions/").removesuffix("/unsubscribe")
    assert secret not in client.get(path_of(unsubscribe)).content.decode()
    refused = client.post(f"/subscriptions/{token}", {"action": "rotate"})
    assert refused.status_code == 400
    assert secret not in refused.content.decode()
    hook.refresh_from_db()
    assert (hook.secret, hook.state) == (secret, "active")


def test_the_owner_is_emailed_a_manage_link_on_request_and_strangers_learn_nothing(
    client, email_subscriber, mailbox, worker
):
    email_subscriber("ana@example.com")
    known = ask_for_manage_link(client, worker, "Ana@Example.com")
    unknown = ask_for_manage_link(client, worker, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    [message] = mailbox.wait_for(1)
    assert message["To"] == "ana@example.com"
    manage = client.get(manage_link_in(message))
    assert manage.status_code == 200
    assert b'value="save"' in manage.content


def test_the_unsubscribe_page_offers_to_email_a_manage_link(client, email_subscriber):
    ana = email_subscriber("ana@example.com")
    page = client.get(path_of(tokens.unsubscribe_url(ana))).content.decode()
    assert 'action="/subscriptions/manage"' in page
    assert "Email me a link to manage my subscription" in page


def test_a_manage_link_expires(client, email_subscriber, clock, settings):
    settings.MANAGE_LINK_MAX_AGE_HOURS = 24
    ana = email_subscriber("ana@example.com")
    url = path_of(subscriptions.issue_manage_url(ana))
    assert client.get(url).status_code == 200
    clock(timezone.now() + timedelta(hours=25))
    expired = client.get(url)
    assert expired.status_code == 400
    assert b"/subscriptions/manage" in expired.content  # where to ask for a new one


def test_a_new_manage_link_retires_the_last(client, email_subscriber, mailbox, worker):
    email_subscriber("ana@example.com")
    ask_for_manage_link(client, worker, "ana@example.com")
    ask_for_manage_link(client, worker, "ana@example.com")
    first, second = mailbox.wait_for(2)
    assert client.get(manage_link_in(first)).status_code == 400
    assert client.get(manage_link_in(second)).status_code == 200


def test_rotating_the_secret_retires_the_link_that_did_it(client, webhook_subscriber):
    hook = webhook_subscriber("/ok")
    url = path_of(subscriptions.issue_manage_url(hook))
    rotated = client.post(url, {"action": "rotate"})
    assert rotated.status_code == 200
    hook.refresh_from_db()
    assert hook.secret in rotated.content.decode()  # shown once, to whoever rotated it
    assert client.get(url).status_code == 400
    # the page just shown carries a fresh link for its own forms
    action = re.search(r'action="(/subscriptions/[^"]+)"', rotated.content.decode()).group(1)
    assert action != url
    assert client.post(action, {"action": "save", "language": "zh-hans"}).status_code == 200
    hook.refresh_from_db()
    assert hook.language == "zh-hans"


@pytest.mark.usefixtures("one_window")
def test_manage_link_requests_are_limited_per_address_and_per_client(
    client, email_subscriber, mailbox, worker, settings
):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = (2, 3600)
    settings.SUBSCRIBE_RATE_PER_IP = (4, 600)
    email_subscriber("ana@example.com")
    answers = [ask_for_manage_link(client, worker, "ana@example.com") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]  # silently: no tell
    assert len(mailbox.wait_for(2)) == 2
    assert len(mailbox.messages) == 2
    limited = ask_for_manage_link(client, worker, "ana@example.com")
    assert limited.status_code == 429


def test_unconfirmed_addresses_get_no_manage_link(client, mailbox, worker, db):
    subscriptions.subscribe(email="ana@example.com")
    ask_for_manage_link(client, worker, "ana@example.com")
    assert mailbox.messages == []


def test_an_unsubscribe_link_from_before_the_split_still_only_unsubscribes(client, clock, db):
    """Emails sent by earlier versions carry the then-permanent manage token in their
    unsubscribe link: it keeps unsubscribing, and being older than a manage link may be, it
    no longer manages."""
    ana = subscriptions.subscribe(email="ana@example.com", skip_confirmation=True)
    old_token = tokens.manage_token(ana)
    clock(timezone.now() + timedelta(days=30))
    assert client.get(f"/subscriptions/{old_token}").status_code == 400
    assert client.post(f"/subscriptions/{old_token}/unsubscribe").status_code == 200
    assert Subscriber.objects.get().state == "unsubscribed"


def test_a_forged_or_garbage_token_is_refused_everywhere(client, db):
    ana = subscriptions.subscribe(email="ana@example.com", skip_confirmation=True)
    forged = signing.dumps(ana.pk, salt="something else")
    for url in (
        f"/subscriptions/{forged}",
        f"/subscriptions/{forged}/unsubscribe",
        "/subscriptions/garbage",
        "/subscriptions/garbage/unsubscribe",
        f"/subscriptions/{signing.dumps(['x'], salt=tokens.UNSUBSCRIBE_SALT)}/unsubscribe",
    ):
        assert client.post(url).status_code == 400, url
    assert Subscriber.objects.get().state == "active"


def test_an_sms_short_unsubscribe_link_only_unsubscribes_and_a_forged_one_does_nothing(
    client, email_subscriber
):
    ana = email_subscriber()
    url = tokens.short_unsubscribe_url(ana)
    assert len(url) - len(settings.PUBLIC_URL) == len("/u/") + 12 + 1 + 10
    path = path_of(url)
    assert client.get(path).status_code == 200  # asks for a click: scanners follow links
    ana.refresh_from_db()
    assert ana.state == "active"
    forged = path[:-1] + ("A" if path[-1] != "A" else "B")
    assert client.post(forged).status_code == 400
    ana.refresh_from_db()
    assert ana.state == "active"
    assert client.post(path).status_code == 200
    ana.refresh_from_db()
    assert ana.state == "unsubscribed"

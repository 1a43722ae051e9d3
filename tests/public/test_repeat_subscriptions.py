"""A stranger who submits someone else's address again changes nothing about their
subscription: not its components, not its language, not its pending confirmation link. The
owner is sent a message (their confirmation again, or a fresh manage link), a limited number of
times, through every door: the form, /api/v2/subscribers.json and the management API."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from statuspage.api.models import ApiKey
from statuspage.notify import subscriptions
from statuspage.notify.models import Subscriber
from statuspage.status.models import Page
from tests.api.clients import Api

PUBLIC_URL = settings.PUBLIC_URL


@pytest.fixture
def api(operator) -> Api:
    key = ApiKey.issue(name="crm", scopes=["read", "write"], created_by=operator)[1]
    return Api(Client(headers={"Accept-Language": "en"}), Page.get().id, key)


def subscribe(client: Client, **data):
    return client.post("/subscribe", {"mode": "email", "language": "en", **data})


def link(message, path: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"{re.escape(PUBLIC_URL)}(/{path}\S+)", text).group(1)


def chosen(subscriber: Subscriber) -> tuple:
    subscriber.refresh_from_db()
    return (
        subscriber.state,
        subscriber.language,
        subscriber.confirm_nonce,
        set(subscriber.components.values_list("pk", flat=True)),
    )


def test_a_strangers_repeat_keeps_a_pending_confirmation_and_its_choices(
    client, components, mailbox, worker
):
    worker(subscribe, client, email="ana@example.com", components=[components["app"].pk])
    [confirmation] = mailbox.wait_for(1)
    ana = Subscriber.objects.get()
    before = chosen(ana)

    stranger = Client(REMOTE_ADDR="198.51.100.66")
    answer = worker(
        subscribe,
        stranger,
        email="ANA@example.com",
        language="zh-hans",
        components=[components["limit"].pk],
    )

    assert answer.status_code == 200
    assert chosen(ana) == before
    # the owner got their confirmation again, and the first link still works
    assert len(mailbox.wait_for(2)) == 2
    assert "Confirm" in mailbox.messages[1]["Subject"]
    assert client.post(link(confirmation, "subscribe/confirm/")).status_code == 200
    assert chosen(ana)[0] == "active"
    assert chosen(ana)[3] == {components["app"].pk}


def test_a_strangers_repeat_of_an_active_address_sends_its_owner_a_manage_link(
    client, components, mailbox, worker
):
    ana = subscriptions.subscribe(
        email="ana@example.com",
        components=[components["app"]],
        language="en",
        skip_confirmation=True,
    )
    before = chosen(ana)

    worker(subscribe, client, email="ana@example.com", language="zh-hans")

    assert chosen(ana) == before
    [message] = mailbox.wait_for(1)
    assert message["To"] == "ana@example.com"
    assert "already subscribed" in message["Subject"]
    manage = client.get(link(message, "subscriptions/"))
    assert manage.status_code == 200
    assert b"ana@example.com" in manage.content


def test_a_strangers_repeat_does_not_resubscribe_a_former_subscriber(
    client, components, mailbox, worker
):
    ana = subscriptions.subscribe(email="ana@example.com", skip_confirmation=True)
    subscriptions.unsubscribe(ana)

    worker(subscribe, client, email="ana@example.com")

    assert chosen(ana)[0] == "unsubscribed"
    [confirmation] = mailbox.wait_for(1)
    # only the owner, by following the confirmation, subscribes again
    assert client.post(link(confirmation, "subscribe/confirm/")).status_code == 200
    assert chosen(ana)[0] == "active"


def test_the_public_api_repeat_changes_nothing_either(client, components, mailbox, worker):
    ana = subscriptions.subscribe(email="ana@example.com")
    before = chosen(ana)
    answer = worker(
        client.post,
        "/api/v2/subscribers.json",
        {"subscriber": {"email": "ana@example.com", "component_ids": [components["app"].pk]}},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 201
    assert chosen(ana) == before


def test_the_management_api_repeat_without_skipping_confirmation_changes_nothing(
    api: Api, components, mailbox, worker
):
    ana = subscriptions.subscribe(email="ana@example.com")
    before = chosen(ana)
    answer = worker(
        api.post,
        "subscribers",
        {"subscriber": {"email": "ana@example.com", "component_ids": [components["app"].pk]}},
    )
    assert answer.status_code == 201
    assert chosen(ana) == before


@pytest.mark.usefixtures("one_window")
def test_messages_to_an_address_at_others_request_are_limited(
    api: Api, components, mailbox, worker, settings
):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = (2, 3600)
    subscriptions.subscribe(email="ana@example.com", skip_confirmation=True)
    for _ in range(5):
        worker(api.post, "subscribers", {"subscriber": {"email": "ana@example.com"}})
    assert len(mailbox.wait_for(2)) == 2
    assert len(mailbox.messages) == 2  # the three other requests sent nothing
    assert len(mailbox.to("ana@example.com")) == 2

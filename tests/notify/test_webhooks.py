"""Webhooks: Statuspage payloads, Standard Webhooks signatures, and what each answer means."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from statuspage.notify import delivery
from statuspage.notify.models import Attempt, Delivery, Notice, Subscriber
from statuspage.status import services
from statuspage.status.models import Incident
from tests.notify.workers import send_all


def test_the_receiver_gets_a_signed_statuspage_payload(components, webhook_subscriber, receiver):
    hook = webhook_subscriber("/ok")
    services.open_incident(
        Incident(name="Disbursement failing"),
        body="Payouts are failing.",
        component_statuses={components["disbursement"]: "major_outage"},
    )
    send_all()
    incident_posts = [r for r in receiver.received if b'"incident"' in r.body]
    assert len(incident_posts) == 1
    request = incident_posts[0]
    payload = Webhook(hook.secret).verify(request.body, request.headers)
    assert payload["incident"]["name"] == "Disbursement failing"
    assert payload["incident"]["status"] == "investigating"
    assert payload["incident"]["impact"] == "critical"
    assert payload["incident"]["incident_updates"][0]["body"] == "Payouts are failing."
    assert payload["page"]["status_description"] == "Partial System Outage"
    assert payload["meta"]["unsubscribe"].startswith("http://127.0.0.1:8000/subscriptions/")
    assert payload["meta"]["unsubscribe"].endswith("/unsubscribe")
    assert {"id", "page_id", "shortlink", "components", "scheduled_for"} <= set(payload["incident"])
    assert request.headers["webhook-id"] == Delivery.objects.get(notice__kind="incident_update").uid


def test_component_changes_are_posted_as_component_updates(
    components, webhook_subscriber, receiver
):
    hook = webhook_subscriber("/ok")
    services.set_component_status(components["app"], "partial_outage")
    send_all()
    [request] = receiver.received
    payload = Webhook(hook.secret).verify(request.body, request.headers)
    assert payload["component_update"]["old_status"] == "operational"
    assert payload["component_update"]["new_status"] == "partial_outage"
    assert payload["component_update"]["component_type"] == "Component"
    assert payload["component"]["name"] == "App"
    assert "incident" not in payload


def test_a_forged_or_stale_signature_does_not_verify(components, webhook_subscriber, receiver):
    from standardwebhooks.webhooks import WebhookVerificationError

    webhook_subscriber("/ok")
    services.set_component_status(components["app"], "partial_outage")
    send_all()
    [request] = receiver.received
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(request.body, request.headers)


def attempts_of(subscriber: Subscriber) -> Delivery:
    return Delivery.objects.filter(subscriber=subscriber).latest("id")


def test_a_server_error_is_retried_later_with_the_same_webhook_id(
    outage, webhook_subscriber, receiver
):
    hook = webhook_subscriber("/fail")
    outage()
    send_all()
    failed = attempts_of(hook)
    assert failed.status == "failed"
    assert failed.last_status_code == 500
    assert timedelta(seconds=40) < failed.next_attempt_at - timezone.now() < timedelta(seconds=80)
    # due again: the sweeper would hand it out; attempt it directly
    Delivery.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
    delivery.deliver([failed.pk])
    assert receiver.ids().count(failed.uid) == 2
    failed.refresh_from_db()
    assert failed.attempts == 2
    assert Attempt.objects.filter(delivery=failed).count() == 2


def test_a_timeout_is_a_temporary_failure(outage, webhook_subscriber, receiver):
    hook = webhook_subscriber("/slow")
    outage()
    send_all()
    failed = attempts_of(hook)
    assert failed.status == "failed"
    assert "timed out" in failed.last_error


def test_redirects_are_not_followed_and_count_as_failures(outage, webhook_subscriber, receiver):
    hook = webhook_subscriber("/redirect")
    outage()
    send_all()
    failed = attempts_of(hook)
    assert failed.status == "failed"
    assert failed.last_status_code == 301
    assert "not followed" in failed.last_error
    assert {r.path for r in receiver.received} == {"/redirect"}  # one per notice


def test_410_gone_removes_the_endpoint(outage, webhook_subscriber, receiver):
    hook = webhook_subscriber("/gone")
    incident = outage()
    send_all()
    assert attempts_of(hook).status == "dead"
    hook.refresh_from_db()
    assert hook.state == "unsubscribed"
    services.post_update(incident, status="identified", body="Found it.")
    send_all()
    assert len(receiver.received) == 1


@pytest.mark.parametrize(("path", "at_least"), [("/limited", 7200), ("/unavailable", 900)])
def test_429_and_503_honour_retry_after(outage, webhook_subscriber, receiver, path, at_least):
    hook = webhook_subscriber(path)
    outage()
    send_all()
    failed = attempts_of(hook)
    assert failed.status == "failed"
    wait = (failed.next_attempt_at - timezone.now()).total_seconds()
    assert at_least - 5 <= wait <= at_least + 5


def test_an_endpoint_failing_for_the_whole_window_is_quarantined_and_its_owner_told(
    outage, webhook_subscriber, receiver, mailbox
):
    from statuspage.notify import tasks

    hook = webhook_subscriber("/fail", owner="owner@example.com")
    outage()
    send_all()
    failed = attempts_of(hook)
    # the last attempt of the schedule
    Delivery.objects.filter(pk=failed.pk).update(
        attempts=delivery.MAX_ATTEMPTS - 1, next_attempt_at=timezone.now()
    )
    delivery.deliver([failed.pk])
    failed.refresh_from_db()
    hook.refresh_from_db()
    assert failed.status == "dead"
    assert hook.state == "quarantined"
    tasks.tell_owner(hook.pk)
    tasks.tell_owner(hook.pk)  # once only
    [message] = mailbox.to("owner@example.com")
    assert "paused" in message["Subject"]
    assert hook.endpoint in message.get_body(("plain",)).get_content()


def test_the_retry_schedule_spans_about_three_days():
    total = sum(delivery.RETRY_SCHEDULE, timedelta())
    assert timedelta(days=3) <= total <= timedelta(days=3.5)
    assert delivery.retry_delay(delivery.MAX_ATTEMPTS) is None
    delays = {delivery.retry_delay(1) for _ in range(20)}
    assert len(delays) > 1  # jitter
    assert all(timedelta(seconds=47) <= d <= timedelta(seconds=73) for d in delays)


def test_a_claimed_delivery_is_not_sent_twice(outage, webhook_subscriber, receiver):
    webhook_subscriber("/ok")
    outage()
    notice = Notice.objects.get(kind="incident_update")
    handed: list[int] = []
    delivery.fan_out(notice.pk, lambda mode, ids: handed.extend(ids))
    _token, claimed = delivery.claim(handed, timezone.now())
    assert len(claimed) == 1
    assert delivery.deliver(handed) == 0  # leased by the first claimer
    assert receiver.received == []

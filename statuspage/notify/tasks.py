"""Celery tasks: each loads by id and calls the engine. Nothing here holds state."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

from statuspage.celery import enqueue
from statuspage.notify import delivery, messages, subscriptions
from statuspage.notify.models import Mode, Subscriber, SubscriberState

log = logging.getLogger(__name__)


def enqueue_send(mode: str, ids: list[int]) -> None:
    """Hand a batch to the queue of its channel: webhooks, SMS and robot messages do not wait
    behind a long email fan-out (workers take from each queue in turn)."""
    queues: dict[str, Any] = {
        Mode.WEBHOOK: deliver_webhooks,
        Mode.SMS: deliver_messages,
        Mode.ROBOT: deliver_messages,
    }
    enqueue(queues.get(mode, deliver_emails), ids)


@shared_task
def fan_out(notice_id: int) -> int:
    return delivery.fan_out(notice_id, enqueue_send)


@shared_task
def deliver_emails(delivery_ids: list[int]) -> int:
    return delivery.deliver(delivery_ids, enqueue_send)


@shared_task
def deliver_webhooks(delivery_ids: list[int]) -> int:
    return delivery.deliver(delivery_ids, enqueue_send)


@shared_task
def deliver_messages(delivery_ids: list[int]) -> int:
    """SMS and chat robots: short messages, read first."""
    return delivery.deliver(delivery_ids, enqueue_send)


@shared_task
def sweep() -> dict[str, int]:
    found = delivery.sweep(lambda pk: enqueue(fan_out, pk), enqueue_send)
    unconfirmed = Subscriber.objects.filter(
        state=SubscriberState.UNCONFIRMED, confirmation_sent_at__isnull=True
    ).values_list("pk", flat=True)[:1000]
    for pk in unconfirmed:
        enqueue(send_confirmation, pk)
    owners = Subscriber.objects.filter(
        mode__in=(Mode.WEBHOOK, Mode.ROBOT),
        state=SubscriberState.QUARANTINED,
        owner_notified_at__isnull=True,
    ).values_list("pk", flat=True)[:1000]
    for pk in owners:
        enqueue(tell_owner, pk)
    return found


@shared_task(autoretry_for=(OSError,), retry_backoff=5, retry_backoff_max=300, max_retries=8)
def send_confirmation(subscriber_id: str) -> None:
    """The confirmation email; for SMS subscribers and robots, a code (send_code)."""
    subscriber = Subscriber.objects.get(pk=subscriber_id)
    if subscriber.state == SubscriberState.ACTIVE:
        return
    if subscriber.mode in subscriptions.CODE_MODES:
        enqueue(send_code, subscriber_id)
        return
    messages.confirmation_email(subscriber).send()
    Subscriber.objects.filter(pk=subscriber_id).update(confirmation_sent_at=timezone.now())


@shared_task(bind=True, max_retries=8)
def send_code(self, subscriber_id: str) -> None:
    """A fresh code by SMS or to the robot; retried on a temporary failure (after the wait the
    other end asked for, else 5 s doubling to 5 min), given up on a permanent one."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.mode not in subscriptions.CODE_MODES:
        return
    try:
        subscriptions.send_code(subscriber)
    except subscriptions.CodeNotSent as exc:
        if exc.permanent:
            log.warning("code for subscriber %s not sent: %s", subscriber_id, exc)
            return
        wait = exc.retry_after or min(300, 5 * 2**self.request.retries)
        raise self.retry(exc=exc, countdown=wait) from exc


@shared_task(autoretry_for=(OSError,), retry_backoff=5, retry_backoff_max=300, max_retries=8)
def send_already_subscribed(subscriber_id: str) -> None:
    messages.already_subscribed_email(Subscriber.objects.get(pk=subscriber_id)).send()


@shared_task(autoretry_for=(OSError,), retry_backoff=5, retry_backoff_max=300, max_retries=8)
def send_manage_link(subscriber_id: str) -> None:
    messages.manage_link_email(Subscriber.objects.get(pk=subscriber_id)).send()


@shared_task(autoretry_for=(OSError,), retry_backoff=5, retry_backoff_max=300, max_retries=8)
def tell_owner(subscriber_id: str) -> None:
    """Email a quarantined webhook's owner, once: the claim commits before the email is sent
    (no network inside a transaction); if sending fails, the claim is undone for a retry."""
    claimed = Subscriber.objects.filter(
        pk=subscriber_id, state=SubscriberState.QUARANTINED, owner_notified_at__isnull=True
    ).update(owner_notified_at=timezone.now())
    if not claimed:
        return
    try:
        messages.quarantine_email(Subscriber.objects.get(pk=subscriber_id)).send()
    except Exception:
        Subscriber.objects.filter(pk=subscriber_id).update(owner_notified_at=None)
        raise

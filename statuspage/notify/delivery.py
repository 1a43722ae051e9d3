"""The delivery engine: fan a notice out, claim deliveries, record outcomes, retry, sweep.

The promise (DESIGN.md): every active subscriber whose components are affected receives every
notice marked for delivery, at least once, within the retry window. How each step keeps it:
- fan-out pages through subscribers and inserts deliveries with a unique constraint, moving a
  cursor in the same transaction, so it can be cut at any point and resumed without duplicates;
- a delivery is claimed by one conditional UPDATE (due, unleased → leased); whoever updates the
  row owns the attempt, so two workers never send the same attempt;
- an outcome is written only by the lease holder; a worker that dies leaves a lease that
  expires, and the sweeper hands the delivery out again;
- retry waits live in `next_attempt_at`, never in Celery countdowns.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from statuspage.notify.channels import CHANNELS, Outcome
from statuspage.notify.models import (
    Attempt,
    Delivery,
    DeliveryStatus,
    Mode,
    Notice,
    Subscriber,
    SubscriberState,
)

log = logging.getLogger(__name__)

# Waits after attempt 1, 2, ...: about 3.2 days in all, then the delivery is given up.
RETRY_SCHEDULE = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=12),
    timedelta(hours=24),
    timedelta(hours=24),
]
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
JITTER = 0.2
FAN_OUT_PAGE = 2000
SEND_BATCH = {Mode.EMAIL: 200, Mode.WEBHOOK: 500}
SWEEP_LIMIT = 50_000
# A notice not fanned out this long after it was written lost its message (or Redis was down).
FAN_OUT_GRACE = timedelta(seconds=30)


def retry_delay(attempts: int, retry_after: float | None = None) -> timedelta | None:
    """How long to wait after `attempts` failed tries, or None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    base = RETRY_SCHEDULE[attempts - 1]
    delay = base * random.uniform(1 - JITTER, 1 + JITTER)  # spreads retries of a burst
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fan_out(notice_id: int, enqueue) -> int:
    """Create the notice's deliveries, a page of subscribers at a time, and hand them out.

    `enqueue(mode, ids)` schedules a send. Idempotent and resumable: the cursor moves in the
    same transaction as the inserts, and the unique (notice, subscriber) constraint makes a
    concurrent or repeated run create nothing twice. Returns the number of deliveries created.
    """
    created = 0
    while True:
        with transaction.atomic():
            notice = Notice.objects.select_for_update().get(pk=notice_id)
            if notice.fanned_out_at is not None:
                return created
            page = list(
                notice.audience()
                .filter(pk__gt=notice.fanout_cursor)
                .order_by("pk")
                .values_list("pk", "mode")[:FAN_OUT_PAGE]
            )
            now = timezone.now()
            if not page:
                notice.fanned_out_at = now
                notice.save(update_fields=["fanned_out_at"])
                return created
            Delivery.objects.bulk_create(
                [
                    Delivery(notice=notice, subscriber_id=pk, mode=mode, next_attempt_at=now)
                    for pk, mode in page
                ],
                ignore_conflicts=True,
                batch_size=FAN_OUT_PAGE,
            )
            notice.fanout_cursor = page[-1][0]
            notice.save(update_fields=["fanout_cursor"])
        fresh = Delivery.objects.filter(
            notice_id=notice_id, subscriber_id__in=[pk for pk, _ in page], attempts=0
        ).values_list("pk", "mode")
        created += _hand_out(fresh, enqueue)


def _hand_out(rows: Iterable[tuple[int, str]], enqueue) -> int:
    by_mode: dict[str, list[int]] = defaultdict(list)
    for pk, mode in rows:
        by_mode[mode].append(pk)
    for mode, ids in by_mode.items():
        for chunk in chunks(ids, SEND_BATCH[mode]):
            enqueue(mode, chunk)
    return sum(len(ids) for ids in by_mode.values())


def claim(ids: list[int], now: datetime) -> tuple[str, list[Delivery]]:
    """Lease the due, unleased deliveries among `ids` to the caller, in one UPDATE."""
    token = secrets.token_hex(12)
    Delivery.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now),
        pk__in=ids,
        status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED),
        next_attempt_at__lte=now,
    ).update(
        lease_token=token,
        lease_until=now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    claimed = list(
        Delivery.objects.filter(pk__in=ids, lease_token=token).select_related("subscriber")
    )
    # A batch is mostly one notice: load each payload once, not once per row.
    notices = Notice.objects.in_bulk({d.notice_id for d in claimed})
    for delivery in claimed:
        delivery.notice = notices[delivery.notice_id]
    return token, claimed


def deliver(ids: list[int]) -> int:
    """Attempt the given deliveries (those still due and unleased). Returns how many were sent."""
    now = timezone.now()
    token, claimed = claim(ids, now)
    if not claimed:
        return 0
    sendable = [d for d in claimed if d.subscriber.state == SubscriberState.ACTIVE]
    inactive = [d for d in claimed if d.subscriber.state != SubscriberState.ACTIVE]
    if inactive:
        _record(
            token,
            inactive,
            [
                Outcome(False, error=f"subscriber {d.subscriber.state}", permanent=True)
                for d in inactive
            ],
        )
    by_mode: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in sendable:
        by_mode[delivery.mode].append(delivery)
    delivered = 0
    for mode, batch in by_mode.items():
        outcomes = CHANNELS[mode].send(batch)
        _record(token, batch, outcomes)
        delivered += sum(o.ok for o in outcomes)
    return delivered


@transaction.atomic  # one commit per batch, not one per row
def _record(token: str, deliveries: list[Delivery], outcomes: list[Outcome]) -> None:
    """Write what happened. Only the lease holder writes; a lost lease means someone else
    owns the delivery now, and their outcome wins."""
    now = timezone.now()
    Attempt.objects.bulk_create(
        Attempt(
            delivery=d,
            at=now,
            duration_ms=o.duration_ms,
            status_code=o.status_code,
            error=o.error[:2000],
            ok=o.ok,
        )
        for d, o in zip(deliveries, outcomes, strict=True)
    )
    ours = Delivery.objects.filter(pk__in=[d.pk for d in deliveries], lease_token=token)
    done = [d.pk for d, o in zip(deliveries, outcomes, strict=True) if o.ok]
    if done:
        ours.filter(pk__in=done).update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=now,
            last_error="",
            lease_token="",
            lease_until=None,
        )
    for delivery, outcome in zip(deliveries, outcomes, strict=True):
        if outcome.ok:
            continue
        delay = None if outcome.permanent else retry_delay(delivery.attempts, outcome.retry_after)
        ours.filter(pk=delivery.pk).update(
            status=DeliveryStatus.DEAD if delay is None else DeliveryStatus.FAILED,
            next_attempt_at=now + delay if delay else now,
            last_error=outcome.error[:2000],
            last_status_code=outcome.status_code,
            lease_token="",
            lease_until=None,
        )
        subscriber = delivery.subscriber
        if outcome.gone:
            stop(subscriber, SubscriberState.UNSUBSCRIBED, outcome.error)
        elif outcome.bounced:
            stop(subscriber, SubscriberState.QUARANTINED, outcome.error)
        elif (
            delay is None
            and not outcome.permanent
            and delivery.mode == Mode.WEBHOOK  # a mail outage of ours is not the subscriber's
            and _failing_throughout(delivery)
        ):
            stop(subscriber, SubscriberState.QUARANTINED, "failing for the whole retry window")


def _failing_throughout(delivery: Delivery) -> bool:
    """No delivery to this subscriber succeeded since this one was created."""
    return not Delivery.objects.filter(
        subscriber_id=delivery.subscriber_id,
        status=DeliveryStatus.DELIVERED,
        delivered_at__gte=delivery.created_at,
    ).exists()


def stop(subscriber: Subscriber, state: str, reason: str) -> None:
    """Pause (quarantine) or remove (unsubscribe) a subscriber whose endpoint keeps failing.

    Its pending deliveries end as dead with the reason, so nothing keeps hammering it; a
    quarantined webhook's owner is told by email (see `notify_owners`).
    """
    now = timezone.now()
    updated = Subscriber.objects.filter(pk=subscriber.pk, state=SubscriberState.ACTIVE).update(
        state=state,
        quarantined_at=now if state == SubscriberState.QUARANTINED else None,
        unsubscribed_at=now if state == SubscriberState.UNSUBSCRIBED else None,
        quarantine_reason=reason[:2000],
        owner_notified_at=None,
    )
    if updated:
        Delivery.objects.filter(
            subscriber_id=subscriber.pk,
            status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED),
            lease_token="",
        ).update(status=DeliveryStatus.DEAD, last_error=f"subscriber {state}: {reason}"[:2000])
        log.warning("subscriber %s %s: %s", subscriber.pk, state, reason)


def due_deliveries(now: datetime) -> list[tuple[int, str]]:
    """Deliveries the sweeper should hand out again.

    A retry is due at its `next_attempt_at`. A first attempt was handed out by its fan-out, so
    it is only picked up once it has waited a whole lease (its message was lost, or a worker
    died holding it); that keeps a long queue during a big fan-out from being doubled.
    """
    grace = timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    return list(
        Delivery.objects.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now),
            Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - grace),
        )
        .order_by("next_attempt_at")
        .values_list("pk", "mode")[:SWEEP_LIMIT]
    )


def sweep(enqueue_fan_out, enqueue_send, now: datetime | None = None) -> dict[str, int]:
    """Finish whatever a lost message, a stopped Redis or a killed worker left behind."""
    now = now or timezone.now()
    notices = list(
        Notice.objects.filter(
            fanned_out_at__isnull=True, created_at__lte=now - timedelta(seconds=30)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    for notice_id in notices:
        enqueue_fan_out(notice_id)
    handed = _hand_out(due_deliveries(now), enqueue_send)
    return {"notices": len(notices), "deliveries": handed}


def replay(ids: list[int], enqueue_send) -> int:
    """Operator's replay: the deliveries start their retry schedule again, now.

    Leased deliveries are left alone (a worker is sending them at this moment).
    """
    rows = Delivery.objects.filter(pk__in=ids).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now())
    )
    picked = list(rows.values_list("pk", "mode"))
    rows.update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), attempts=0)
    return _hand_out(picked, enqueue_send)

"""The delivery engine: fan a notice out, claim deliveries, record outcomes, retry, sweep.

The promise (DESIGN.md): every subscriber confirmed before a notice was written, whose
components are affected, receives the notice (once per address or endpoint), at least once,
within the retry window; with a worker up, within 90 seconds of the notice or of the worker
coming back. How each step keeps it:
- fan-out pages through subscribers and inserts deliveries with a unique constraint, moving a
  cursor in the same transaction, so it can be cut at any point and resumed without duplicates;
- a delivery is claimed by one conditional UPDATE (due, unleased, under the attempt cap →
  leased); whoever updates the row owns the attempt, so two workers never send the same attempt;
- the lease is short and renewed while its batch is being sent, so a worker that dies frees its
  deliveries within a lease, and a live one never loses them mid-send;
- outcomes are written as they become known, by the lease holder only, in small commits (a
  few dozen messages or half a second): a failure later in the batch loses nothing already
  recorded, and an exception while sending a message is that message's failure;
- a batch stops taking new messages before the task's time limit and gives the rest back,
  unattempted, to a fresh task;
- retry waits live in `next_attempt_at`, never in Celery countdowns; the sweeper hands out what
  is due and not already queued, and gives up deliveries whose attempts are used up (a delivery
  whose worker keeps dying included).
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

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
SEND_BATCH: dict[str, int] = {
    Mode.EMAIL: 200, Mode.WEBHOOK: 500, Mode.ROBOT: 200, Mode.SMS: 100,
}  # fmt: skip
SWEEP_LIMIT = 50_000
# A notice not fanned out this long after it was written lost its message (or Redis was down).
FAN_OUT_GRACE = timedelta(seconds=30)
# A due delivery handed out this long ago and still not attempted lost its message (or its
# claim failed): it is handed out again. A copy that was only waiting in a long queue claims
# nothing when it finally runs.
REDISPATCH_AFTER = timedelta(seconds=60)
# While a batch is being sent its lease is extended this often (or every third of a lease).
RENEW_EVERY = 5.0
# Recording an outcome survives a dropped database connection: reconnect and try again.
RECORD_TRIES = 4
# Outcomes are committed in chunks of this many messages, or after this long, whichever first.
RECORD_EVERY = 25
RECORD_EVERY_SECONDS = 0.5
RECORD_RETRY_WAIT = 1.0


def lease_length() -> timedelta:
    return timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)


def send_budget() -> float:
    """Seconds a batch may spend sending: it stops taking new messages after this, so that
    the longest single send still ends before Celery's soft time limit."""
    longest = max(settings.EMAIL_TIMEOUT, settings.WEBHOOK_TIMEOUT_SECONDS) * 2
    return max(1.0, settings.CELERY_TASK_SOFT_TIME_LIMIT - longest)


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
    """Enqueue the rows in batches per channel, stamping them as queued."""
    by_mode: dict[str, list[int]] = defaultdict(list)
    for pk, mode in rows:
        by_mode[mode].append(pk)
    for mode, ids in by_mode.items():
        for chunk in chunks(ids, SEND_BATCH[mode]):
            Delivery.objects.filter(pk__in=chunk).update(dispatched_at=timezone.now())
            enqueue(mode, chunk)
    return sum(len(ids) for ids in by_mode.values())


def available(now: datetime) -> Q:
    """Waiting for an attempt: not finished, and not leased (or the lease has run out)."""
    return Q(status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED)) & (
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )


def give_up_exhausted(rows, now: datetime) -> int:
    """Deliveries that used up their attempts without an outcome (their workers died mid-send,
    or their outcome could not be written) end as dead, with the reason shown."""
    return rows.filter(available(now), attempts__gte=MAX_ATTEMPTS).update(
        status=DeliveryStatus.DEAD,
        lease_token="",
        lease_until=None,
        last_error=f"gave up: {MAX_ATTEMPTS} attempts ended without an outcome (worker lost)",
    )


def claim(ids: list[int], now: datetime) -> tuple[str, list[Delivery]]:
    """Lease the due, unleased deliveries among `ids` to the caller, in one UPDATE.

    Never takes a delivery that has used up its attempts (those are given up here), nor one
    whose subscriber has an earlier notice still waiting for its first attempt in another
    batch: notices reach a subscriber in the order they were written. (The later one is handed
    out again by the sweeper; retries of an earlier notice that failed do not hold later ones
    back.) Within a batch the claimed deliveries come oldest notice first, and channels keep
    that order for each subscriber.
    """
    give_up_exhausted(Delivery.objects.filter(pk__in=ids), now)
    token = secrets.token_hex(12)
    Delivery.objects.filter(
        available(now),
        pk__in=_not_waiting_for_an_earlier_notice(ids),
        attempts__lt=MAX_ATTEMPTS,
        next_attempt_at__lte=now,
    ).update(lease_token=token, lease_until=now + lease_length(), attempts=F("attempts") + 1)
    claimed = list(
        Delivery.objects.filter(pk__in=ids, lease_token=token)
        .select_related("subscriber")
        .order_by("notice_id", "pk")  # oldest notice first: channels send in this order
    )
    # A batch is mostly one notice: load each payload once, not once per row.
    notices = Notice.objects.in_bulk({d.notice_id for d in claimed})
    for delivery in claimed:
        delivery.notice = notices[delivery.notice_id]
    return token, claimed


def _not_waiting_for_an_earlier_notice(ids: list[int]) -> list[int]:
    """The deliveries among `ids` whose subscriber has no earlier notice still unattempted in
    another batch (an earlier one in this batch is sent first: see `claim`).

    Two index lookups rather than a correlated NOT EXISTS: with statistics that think pending
    rows are rare (a fresh fan-out on a table of delivered rows), PostgreSQL ran that as a scan
    of every unattempted row per claimed row, over a second per batch of 200."""
    rows = list(Delivery.objects.filter(pk__in=ids).values_list("pk", "subscriber_id", "notice_id"))
    if not rows:
        return []
    waiting = dict(
        Delivery.objects.filter(
            subscriber_id__in={subscriber for _, subscriber, _ in rows},
            status=DeliveryStatus.PENDING,
            attempts=0,
            notice_id__lt=max(notice for _, _, notice in rows),
        )
        .exclude(pk__in=ids)
        .values_list("subscriber_id")
        .annotate(earliest=Min("notice_id"))
    )
    return [
        pk
        for pk, subscriber, notice in rows
        if subscriber not in waiting or waiting[subscriber] >= notice
    ]


class Lease:
    """The caller's hold on the deliveries it claimed, renewed while they are being sent."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.renewed = time.monotonic()

    def renew(self) -> None:
        if time.monotonic() - self.renewed < min(RENEW_EVERY, settings.DELIVERY_LEASE_SECONDS / 3):
            return
        _with_reconnect(
            lambda: Delivery.objects.filter(lease_token=self.token).update(
                lease_until=timezone.now() + lease_length()
            )
        )
        self.renewed = time.monotonic()

    def give_back(self, unsent: list[Delivery]) -> list[tuple[int, str]]:
        """Unsent deliveries return to the queue as they were: the attempt is not counted."""
        pks = [d.pk for d in unsent]
        rows = Delivery.objects.filter(pk__in=pks, lease_token=self.token)
        returned = list(rows.values_list("pk", "mode"))
        rows.update(lease_token="", lease_until=None, attempts=F("attempts") - 1)
        return returned


def deliver(ids: list[int], enqueue_send: Callable[[str, list[int]], None] | None = None) -> int:
    """Attempt the given deliveries (those still due and unleased). Returns how many were sent.

    Outcomes are written as they happen. Deliveries left unsent when the time budget runs out
    (or Celery's soft time limit strikes) are given back unattempted and, with `enqueue_send`,
    handed to a fresh task at once.
    """
    started = time.monotonic()
    token, claimed = claim(ids, timezone.now())
    if not claimed:
        return 0
    lease = Lease(token)
    sendable = [d for d in claimed if d.subscriber.state == SubscriberState.ACTIVE]
    inactive = [d for d in claimed if d.subscriber.state != SubscriberState.ACTIVE]
    if inactive:
        _record(
            token,
            [(d, Outcome(False, error=f"subscriber {d.subscriber.state}", permanent=True))
             for d in inactive],
        )  # fmt: skip
    by_mode: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in sendable:
        by_mode[delivery.mode].append(delivery)
    outcomes = Outcomes(token, sendable)
    budget = send_budget()
    try:
        for mode, batch in by_mode.items():
            rounds = CHANNELS[mode].send(batch)
            try:
                for results in rounds:
                    outcomes.add(results)
                    if time.monotonic() - started > budget:
                        break
                    lease.renew()
            finally:
                rounds.close()
            if time.monotonic() - started > budget:
                break
    except SoftTimeLimitExceeded:
        log.warning("a batch of %s deliveries was cut by the time limit", len(claimed))
    outcomes.flush()  # what was sent before the cut is kept
    if outcomes.unsent:
        returned = _with_reconnect(lambda: lease.give_back(list(outcomes.unsent.values())))
        if enqueue_send is not None:
            _hand_out(returned, enqueue_send)
    return outcomes.delivered


class Outcomes:
    """A batch's outcomes, written as they happen in small commits: every RECORD_EVERY
    messages or RECORD_EVERY_SECONDS, whichever comes first (a commit per message halved the
    email rate). A worker killed mid-batch re-sends at most the last few unrecorded ones."""

    def __init__(self, token: str, sendable: list[Delivery]) -> None:
        self.token = token
        self.unsent = {d.pk: d for d in sendable}
        self.delivered = 0
        self._waiting: list[tuple[Delivery, Outcome]] = []
        self._written = time.monotonic()

    def add(self, results: list[tuple[Delivery, Outcome]]) -> None:
        self._waiting.extend(results)
        waited = time.monotonic() - self._written
        if len(self._waiting) >= RECORD_EVERY or waited >= RECORD_EVERY_SECONDS:
            self.flush()

    def flush(self) -> None:
        results, self._waiting = self._waiting, []
        self._written = time.monotonic()
        if not results:
            return
        _record(self.token, results)
        tell_operators([(d, o) for d, o in results if o.ours])
        for sent, outcome in results:
            self.unsent.pop(sent.pk, None)
            self.delivered += outcome.ok


def tell_operators(refusals: list[tuple[Delivery, Outcome]]) -> None:
    """Refusals of ours (our mail server refusing us; an SMS provider refusing our template,
    signature or account) are for operators to fix: an error in the log and an email to the
    operators (operators.alerts: staff who can change incidents, and ADMINS) once an hour per
    channel and cause, not once per message. Each delivery shows it too. (A refusing mail
    server may refuse that email as well: the log and the delivery log still say it.)"""
    from statuspage.operators.alerts import send_to_operators  # operators import notify

    told: set[str] = set()
    for sent, refusal in refusals:
        cause = "".join(
            c if c.isascii() and (c.isalnum() or c in "_.-") else "-"
            for c in f"{sent.mode}-{refusal.cause or 'refused'}"
        )
        if cause in told:
            continue
        told.add(cause)
        try:
            first = cache.add(f"notify:operators-told:{cause}", 1, timeout=3600)
        except Exception:  # Redis down: say it again rather than never
            first = True
        if first:
            subject = SUBJECTS.get(sent.mode, SUBJECTS[Mode.EMAIL])
            log.error("%s: %s", subject, refusal.error)
            with translation.override(settings.LANGUAGE_CODE):
                body = _(
                    "Subscribers are not getting notices, and it is ours to fix:\n\n%(error)s\n\n"
                    "Each delivery shows it in the admin (Notifications → Deliveries). Once it "
                    "is fixed, replay from there the ones that gave up; the others are retried. "
                    "This is said once an hour."
                ) % {"error": refusal.error}
                send_to_operators(_(subject), body, what=cause)


SUBJECTS: dict[str, str] = {
    Mode.EMAIL: gettext_noop("Notifications are not going out"),
    Mode.SMS: gettext_noop("SMS messages are not going out"),
}


def _with_reconnect(write: Callable[[], object]):
    """Run a write; if the database connection dropped (a restart, a terminated backend),
    reconnect and run it again, a few times, rather than leave rows leased until expiry."""
    for attempt in range(1, RECORD_TRIES + 1):
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            if attempt == RECORD_TRIES or connection.in_atomic_block:
                raise
            log.warning("database write failed (%s); reconnecting, try %s", exc, attempt + 1)
            connection.close()
            time.sleep(RECORD_RETRY_WAIT * attempt)
    raise AssertionError("unreachable")


def _record(token: str, results: list[tuple[Delivery, Outcome]]) -> None:
    _with_reconnect(lambda: _write_outcomes(token, results))


@transaction.atomic  # one commit per chunk of outcomes (see Outcomes)
def _write_outcomes(token: str, results: list[tuple[Delivery, Outcome]]) -> None:
    """Write what happened. Only the lease holder writes; a lost lease means someone else
    owns the delivery now, and their outcome wins. A delivery deleted meanwhile (its subscriber
    was deleted) is skipped; the locks keep it from being deleted while this writes."""
    now = timezone.now()
    existing = set(
        Delivery.objects.select_for_update()
        .filter(pk__in=[d.pk for d, _ in results])
        .values_list("pk", flat=True)
    )
    results = [(d, o) for d, o in results if d.pk in existing]
    ours = Delivery.objects.filter(pk__in=[d.pk for d, _ in results], lease_token=token)
    for delivery, outcome in results:  # not attempted: back in the queue, the attempt uncounted
        if outcome.deferred:
            ours.filter(pk=delivery.pk).update(
                next_attempt_at=now + timedelta(seconds=outcome.retry_after or 1),
                attempts=F("attempts") - 1,
                last_error=outcome.error[:2000],
                lease_token="",
                lease_until=None,
            )
    results = [(d, o) for d, o in results if not o.deferred]
    Attempt.objects.bulk_create(
        Attempt(
            delivery=d,
            at=now,
            duration_ms=o.duration_ms,
            status_code=o.status_code,
            error=o.error[:2000],
            ok=o.ok,
        )
        for d, o in results
    )
    done = [d.pk for d, o in results if o.ok]
    if done:
        ours.filter(pk__in=done).update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=now,
            last_error="",
            lease_token="",
            lease_until=None,
        )
    for delivery, outcome in results:
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
            and delivery.mode != Mode.EMAIL  # a mail outage of ours is not the subscriber's
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
    """Deliveries the sweeper should hand out: due, unleased, and not already in the queue.

    A delivery counts as queued when it was handed out after it last became available (its
    retry time came, or its lease ran out) and less than REDISPATCH_AFTER ago; so a retry
    waiting in a long queue is not enqueued again at every sweep, and one whose message was
    lost, or whose claim failed, is handed out again within REDISPATCH_AFTER.
    """
    not_queued = (
        Q(dispatched_at__isnull=True)
        | Q(dispatched_at__lt=F("next_attempt_at"))
        | Q(lease_until__isnull=False, dispatched_at__lt=F("lease_until"))
        | Q(dispatched_at__lt=now - REDISPATCH_AFTER)
    )
    return list(
        Delivery.objects.filter(available(now), not_queued, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", "mode")[:SWEEP_LIMIT]
    )


def sweep(enqueue_fan_out, enqueue_send, now: datetime | None = None) -> dict[str, int]:
    """Finish whatever a lost message, a stopped Redis or a killed worker left behind."""
    now = now or timezone.now()
    notices = list(
        Notice.objects.filter(fanned_out_at__isnull=True, created_at__lte=now - FAN_OUT_GRACE)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    for notice_id in notices:
        enqueue_fan_out(notice_id)
    given_up = give_up_exhausted(Delivery.objects.all(), now)
    handed = _hand_out(due_deliveries(now), enqueue_send)
    return {"notices": len(notices), "deliveries": handed, "given_up": given_up}


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

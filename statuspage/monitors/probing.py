"""Running probes: claim the due ones, check them concurrently, turn results into states.

- A run is claimed per (probe, slot) with a conditional UPDATE of `claimed_slot`, so two beats,
  or a task delivered twice, never check the same slot twice.
- The HTTP goes through `lib.outbound` (no redirects, public addresses only unless
  ALLOW_PRIVATE_ADDRESSES) on an event loop of its own in a thread, every probe at once, each
  under its own hard timeout: a hanging target costs only its own timeout. The calling thread
  records each result as it arrives, so a healthy probe's result never waits for a slow one.
- A failure without any answer (timeout, refused, DNS) is held until the run shows that our
  own network works (some target answered). If none did, across at least two targets, or while
  monitoring is already known to be failing, no state moves: the run is recorded as a
  MonitoringFailure instead, since the fault is most likely ours.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlsplit

import aiohttp
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from statuspage.lib import outbound
from statuspage.monitors.models import (
    MonitoringFailure,
    Probe,
    ProbeResult,
    parse_status_ranges,
)
from statuspage.monitors.signals import reconcile
from statuspage.operators import alerts

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024  # the most of a response searched for the expected text
GUARD_MIN_HOSTS = 2  # one target (host and port) failing is its own fault, not ours


@dataclass(frozen=True)
class Check:
    """What the event loop needs of a probe (no ORM objects cross the thread)."""

    probe_id: int
    url: str
    method: str
    timeout: float
    expected: str
    expect_text: str
    reject_text: str

    @classmethod
    def of(cls, probe: Probe) -> Check:
        return cls(
            probe.pk,
            probe.url,
            probe.method,
            probe.timeout_seconds,
            probe.expected_status,
            probe.expect_text,
            probe.reject_text,
        )


@dataclass(frozen=True)
class Outcome:
    probe_id: int
    at: datetime
    latency_ms: int | None
    status_code: int | None
    error: str
    refused: bool = False  # refused by our own rules (lib.outbound), before any packet left

    @property
    def answered(self) -> bool:
        return self.status_code is not None

    @property
    def unanswered(self) -> bool:
        """A failure that says nothing about the target if our own network is down."""
        return not self.answered and not self.refused


def claim_due(now: datetime | None = None) -> list[Probe]:
    """Claim every enabled probe whose current slot has not been claimed yet. Safe to call
    from any number of processes at once: each slot is won by exactly one UPDATE."""
    now = now or timezone.now()
    claimed = []
    for probe in Probe.objects.filter(enabled=True).select_related("component"):
        slot = probe.slot(now)
        if probe.claimed_slot is not None and probe.claimed_slot >= slot:
            continue
        won = (
            Probe.objects.filter(pk=probe.pk, enabled=True)
            .filter(Q(claimed_slot__isnull=True) | Q(claimed_slot__lt=slot))
            .update(claimed_slot=slot)
        )
        if won:
            probe.claimed_slot = slot
            claimed.append(probe)
    return claimed


async def check(client: outbound.Client, probe: Check) -> Outcome:
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    refused = False
    try:
        response = await client.send(
            outbound.Request(probe.url, b"", {"User-Agent": "statuspage-probe/1"}),
            method=probe.method,
            max_body=MAX_BODY,
            timeout=probe.timeout,
        )
    except TimeoutError:
        error = f"no answer within {probe.timeout:g} s"
    except (outbound.RefusedURL, outbound.RefusedAddress) as exc:
        error, refused = str(exc), True
    except outbound.NoSlot as exc:
        error = str(exc)
    except (aiohttp.ClientError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # one probe's surprise must not end the others' run
        log.exception("probe %s failed unexpectedly", probe.probe_id)
        error, refused = f"{type(exc).__name__}: {exc}", True
    else:
        status_code = response.status
        text = response.body.decode("utf-8", errors="replace")
        if not any(low <= status_code <= high for low, high in parse_status_ranges(probe.expected)):
            error = f"HTTP {status_code}, expected {probe.expected}"
        elif probe.expect_text and probe.expect_text not in text:
            error = f"“{probe.expect_text}” not in the response"
        elif probe.reject_text and probe.reject_text in text:
            error = f"“{probe.reject_text}” in the response"
    latency = round((time.monotonic() - started) * 1000)
    return Outcome(probe.probe_id, timezone.now(), latency, status_code, error[:200], refused)


def _check_all(checks: list[Check], results: queue.Queue) -> None:
    """The event loop's side: every check at once, each result handed over as it completes."""

    async def main() -> None:
        async with outbound.Client(
            timeout=max(c.timeout for c in checks),
            allow_private=settings.ALLOW_PRIVATE_ADDRESSES,
            concurrency=settings.MONITOR_CONCURRENCY,
            slot_wait=max(c.timeout for c in checks),
        ) as client:
            for done in asyncio.as_completed([check(client, c) for c in checks]):
                results.put(await done)

    try:
        asyncio.run(main())
    finally:
        results.put(None)


def run(probes: list[Probe]) -> None:
    """Check the (claimed) probes and record what they found; see the module's docstring."""
    if not probes:
        return
    by_id = {p.pk: p for p in probes}
    results: queue.Queue[Outcome | None] = queue.Queue()
    thread = threading.Thread(
        target=_check_all, args=([Check.of(p) for p in probes], results), daemon=True
    )
    thread.start()
    # Each check ends within its slot wait plus its timeout; this bounds the run even if the
    # loop's shutdown lingers (a DNS lookup still running in its executor).
    deadline = time.monotonic() + 2 * max(p.timeout_seconds for p in probes) + 5
    network_ok = False
    held: list[Outcome] = []
    for _ in probes:
        try:
            outcome = results.get(timeout=max(deadline - time.monotonic(), 0))
        except queue.Empty:
            log.error("a probe run outlived its timeouts; its remaining checks are dropped")
            break
        if outcome is None:
            break
        if outcome.answered and not network_ok:
            network_ok = True
            for earlier in held:
                record(by_id[earlier.probe_id], earlier)
            held.clear()
        if network_ok or not outcome.unanswered:
            record(by_id[outcome.probe_id], outcome)
        else:
            held.append(outcome)
    hosts = {urlsplit(by_id[o.probe_id].url).netloc for o in held}
    if held and (len(hosts) >= GUARD_MIN_HOSTS or MonitoringFailure.current() is not None):
        monitoring_failed(held)
        for outcome in held:
            record(by_id[outcome.probe_id], outcome, move=False)
        return
    for outcome in held:
        record(by_id[outcome.probe_id], outcome)
    if network_ok:
        monitoring_recovered()


@transaction.atomic
def record(probe: Probe, outcome: Outcome, *, move: bool = True) -> None:
    """Keep one result; with `move`, advance the probe's state and reconcile its component."""
    locked = Probe.objects.select_for_update().filter(pk=probe.pk).first()
    if locked is None:
        return  # deleted while it was being checked
    result = ProbeResult.objects.create(
        probe=locked,
        at=outcome.at,
        latency_ms=outcome.latency_ms,
        status_code=outcome.status_code,
        error=outcome.error,
    )
    locked.last_checked_at = outcome.at
    if not move:
        locked.save(update_fields=["last_checked_at"])
        return
    before = locked.state
    after = locked.record(result)
    locked.save(
        update_fields=[
            "last_checked_at",
            "state",
            "down_streak",
            "bad_streak",
            "up_streak",
            "answer_streak",
        ]
    )
    if after != before:
        log.info("probe %s (%s) went from %s to %s", locked.pk, locked.url, before, after)
        reconcile(locked.component, actor=f"probe {locked.pk}: {locked.url}")


def monitoring_failed(held: list[Outcome]) -> MonitoringFailure:
    """Open, or extend, the one "monitoring itself is failing" episode."""
    detail = "; ".join(sorted({o.error for o in held}))[:500]
    now = timezone.now()
    with transaction.atomic():
        episode = (
            MonitoringFailure.objects.select_for_update().filter(ended_at__isnull=True).first()
        )
        if episode is None:
            log.error(
                "monitoring itself is failing: all %d probes of a run got no answer (%s); "
                "no component changed",
                len(held),
                detail,
            )
            episode = MonitoringFailure.objects.create(
                started_at=now, last_seen_at=now, detail=detail
            )
            # Once per episode, after the commit.
            transaction.on_commit(partial(alerts.monitoring_failing, now, detail))
            return episode
        episode.runs += 1
        episode.last_seen_at = now
        episode.detail = detail
        episode.save(update_fields=["runs", "last_seen_at", "detail"])
        return episode


def monitoring_recovered() -> None:
    ended = MonitoringFailure.objects.filter(ended_at__isnull=True).update(ended_at=timezone.now())
    if ended:
        log.warning("monitoring reaches its targets again")


def prune(now: datetime | None = None) -> int:
    """Delete results older than MONITOR_RESULTS_MAX_AGE_HOURS; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.MONITOR_RESULTS_MAX_AGE_HOURS)
    deleted, _ = ProbeResult.objects.filter(at__lt=cutoff).delete()
    return deleted

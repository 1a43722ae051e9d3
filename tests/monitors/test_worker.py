"""With real Celery worker processes: a tick queued twice (two beats, a redelivered task) runs
each probe's slot once. Whether the two ticks overlap in time is up to the workers; the race of
two claims at the same instant is pinned down in test_claims.py with a barrier."""

from __future__ import annotations

import time

import pytest

from statuspage.monitors import tasks
from statuspage.monitors.models import Probe, ProbeResult

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_tick_queued_twice_on_two_worker_processes_checks_each_probe_once(
    components, target_factory, start_worker
):
    targets = [target_factory() for _ in range(4)]
    for n in range(40):
        Probe.objects.create(
            component=components["credit"],
            url=f"{targets[n % 4].url}?n={n}",
            interval_seconds=24 * 3600,  # one slot for the whole test
            timeout_seconds=2,
        )
    start_worker(concurrency=2)
    tasks.run_due_probes.delay()
    tasks.run_due_probes.delay()
    deadline = time.monotonic() + 30
    while ProbeResult.objects.count() < 40 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)  # room for a second check of any probe, were it to happen
    assert ProbeResult.objects.count() == 40
    assert ProbeResult.objects.filter(error="").count() == 40
    assert sum(t.hits for t in targets) == 40

"""A probe's slot is run once, whoever asks: beats, redelivered tasks, racing workers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from statuspage.monitors import probing, tasks
from statuspage.monitors.models import Probe, ProbeResult

NOON = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


def make_probes(component, count: int, **fields) -> list[Probe]:
    return [
        Probe.objects.create(
            component=component, url=f"http://192.0.2.{n}/", timeout_seconds=1, **fields
        )
        for n in range(count)
    ]


def test_a_slot_is_claimed_once(components):
    make_probes(components["credit"], 3)
    assert len(probing.claim_due(NOON)) == 3
    assert probing.claim_due(NOON + timedelta(seconds=9)) == []
    assert len(probing.claim_due(NOON + timedelta(seconds=10))) == 3


def test_each_probe_keeps_its_own_interval(components):
    fast = Probe.objects.create(component=components["credit"], url="http://a.example/")
    slow = Probe.objects.create(
        component=components["credit"], url="http://b.example/", interval_seconds=60
    )
    assert set(probing.claim_due(NOON)) == {fast, slow}
    assert probing.claim_due(NOON + timedelta(seconds=30)) == [fast]
    assert set(probing.claim_due(NOON + timedelta(seconds=60))) == {fast, slow}


def test_disabled_probes_are_not_run(components):
    make_probes(components["credit"], 2, enabled=False)
    assert probing.claim_due(NOON) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_racing_never_claim_the_same_slot(components):
    make_probes(components["credit"], 20)
    for second in range(0, 50, 10):
        now = NOON + timedelta(seconds=second)
        start = threading.Barrier(2)
        claimed: list[list[int]] = [[], []]

        def worker(index: int, now=now, start=start, claimed=claimed) -> None:
            try:
                start.wait()
                claimed[index] = [p.pk for p in probing.claim_due(now)]
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        together = claimed[0] + claimed[1]
        assert len(together) == len(set(together)) == 20


def test_the_beat_task_runs_due_probes_once_per_slot(components, target, add_probe, clock):
    add_probe(components["credit"], target.url)
    clock(NOON)
    assert tasks.run_due_probes() == 1
    assert tasks.run_due_probes() == 0
    assert target.hits == 1
    clock(NOON + timedelta(seconds=10))
    assert tasks.run_due_probes() == 1
    assert ProbeResult.objects.count() == 2

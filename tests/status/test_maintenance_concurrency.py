"""Two beat processes at once: each automatic step still happens exactly once.

These tests commit for real (other threads must see the rows), so they use a transactional
database and put the migration-created rows back afterwards.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from statuspage.status import maintenance, services
from statuspage.status.models import Component, Incident, IncidentUpdate, RecurringMaintenance

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def at_once(function, *args, runs: int = 2) -> list:
    """Call `function` from `runs` threads released together, as two beats firing at once."""
    barrier = threading.Barrier(runs)
    results: list = []
    errors: list = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(function(*args))
        except Exception as exc:  # surfaced below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_beats_start_and_complete_a_maintenance_once(components):
    start = timezone.now() + timedelta(hours=1)
    window = services.open_incident(
        Incident(
            kind="maintenance",
            name="Credit system upgrade",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=1),
            scheduled_auto_in_progress=True,
            scheduled_auto_completed=True,
        ),
        body="Planned.",
        affected=[components["credit"]],
    )

    assert sorted(at_once(maintenance.run_due, start + timedelta(minutes=1))) == [0, 1]
    assert IncidentUpdate.objects.filter(incident=window, status="in_progress").count() == 1
    assert Component.objects.get(pk=components["credit"].pk).status == "under_maintenance"

    assert sorted(at_once(maintenance.run_due, start + timedelta(hours=2))) == [0, 1]
    assert IncidentUpdate.objects.filter(incident=window, status="completed").count() == 1
    assert Component.objects.get(pk=components["credit"].pk).changes.count() == 2


def test_two_beats_generate_each_recurring_window_once(components, settings):
    settings.MAINTENANCE_AHEAD_DAYS = 14
    today = timezone.localdate()
    schedule = RecurringMaintenance.objects.create(
        name="Nightly batch",
        body="Nightly batch run.",
        frequency="daily",
        start_time="03:00",
        duration_minutes=30,
        time_zone="Asia/Shanghai",
        starts_on=today,
    )
    created = at_once(maintenance.schedule_recurring)
    assert sorted(created)[0] == 0
    assert Incident.objects.filter(recurrence=schedule).count() == sum(created) >= 13

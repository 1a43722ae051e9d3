"""Scheduled maintenance runs itself: it starts and completes on time, once, as ordinary updates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from statuspage.status import maintenance, services, signals, tasks
from statuspage.status.models import Component, Incident, IncidentUpdate, Page, StatusChange

MINUTE = timedelta(minutes=1)


@pytest.fixture
def window(components):
    """Credit checks and limits are upgraded two hours from now, for two hours, automatically."""
    start = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    return services.open_incident(
        Incident(
            kind="maintenance",
            name="Credit system upgrade",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
            scheduled_auto_in_progress=True,
            scheduled_auto_completed=True,
        ),
        body="Planned work.",
        affected=[components["credit"], components["limit"]],
    )


def status_of(component: Component) -> str:
    return Component.objects.get(pk=component.pk).status


@pytest.fixture
def published():
    seen = []

    def record(update, notify, **kwargs):
        seen.append((update.status, notify))

    signals.update_published.connect(record)
    yield seen
    signals.update_published.disconnect(record)


def test_nothing_happens_before_the_window(window, components):
    assert maintenance.run_due(window.scheduled_for - MINUTE) == 0
    window.refresh_from_db()
    assert window.status == "scheduled"
    assert status_of(components["credit"]) == "operational"


def test_at_its_start_the_maintenance_goes_in_progress_with_its_components(
    window, components, published
):
    version = Page.get().version
    assert maintenance.run_due(window.scheduled_for + MINUTE) == 1

    window.refresh_from_db()
    assert window.status == "in_progress"
    assert window.started_at == window.scheduled_for + MINUTE
    assert status_of(components["credit"]) == "under_maintenance"
    assert status_of(components["limit"]) == "under_maintenance"
    assert status_of(components["app"]) == "operational"
    update = window.updates.first()
    assert update.status == "in_progress"
    assert "in progress" in update.body
    assert {a["new_status"] for a in update.affected_components} == {"under_maintenance"}
    assert published == [("in_progress", True)]  # notifies like any update
    assert set(
        StatusChange.objects.filter(incident_update=update).values_list("cause", flat=True)
    ) == {"maintenance"}
    assert Page.get().version > version


def test_at_its_end_it_completes_and_components_return_to_operational(window, components):
    maintenance.run_due(window.scheduled_for + MINUTE)
    assert maintenance.run_due(window.scheduled_until + MINUTE) == 1

    window.refresh_from_db()
    assert window.status == "completed"
    assert window.resolved_at == window.scheduled_until + MINUTE
    assert status_of(components["credit"]) == "operational"
    assert status_of(components["limit"]) == "operational"
    assert [u.status for u in window.updates.all()] == ["completed", "in_progress", "scheduled"]


def test_a_component_degraded_before_the_window_is_degraded_again_after_it(window, components):
    services.open_incident(
        Incident(name="Slow credit checks"),
        body="Slow.",
        component_statuses={components["credit"]: "degraded_performance"},
    )
    maintenance.run_due(window.scheduled_for + MINUTE)
    assert status_of(components["credit"]) == "under_maintenance"

    maintenance.run_due(window.scheduled_until + MINUTE)
    assert status_of(components["credit"]) == "degraded_performance"
    assert status_of(components["limit"]) == "operational"


def test_a_component_an_incident_changed_during_the_window_keeps_that_status(window, components):
    maintenance.run_due(window.scheduled_for + MINUTE)
    services.open_incident(
        Incident(name="Limits failing after the upgrade"),
        body="Failing.",
        component_statuses={components["limit"]: "major_outage"},
    )

    maintenance.run_due(window.scheduled_until + MINUTE)
    assert status_of(components["limit"]) == "major_outage"  # not blindly operational
    assert status_of(components["credit"]) == "operational"


def test_a_component_another_running_maintenance_covers_stays_under_maintenance(window, components):
    longer = services.open_incident(
        Incident(
            kind="maintenance",
            name="Limit engine migration",
            scheduled_for=window.scheduled_for,
            scheduled_until=window.scheduled_until + timedelta(hours=3),
            scheduled_auto_in_progress=True,
            scheduled_auto_completed=True,
        ),
        body="Longer work.",
        affected=[components["limit"]],
    )
    maintenance.run_due(window.scheduled_for + MINUTE)
    maintenance.run_due(window.scheduled_until + MINUTE)
    assert status_of(components["credit"]) == "operational"
    assert status_of(components["limit"]) == "under_maintenance"

    maintenance.run_due(longer.scheduled_until + MINUTE)
    assert status_of(components["limit"]) == "operational"


def test_running_twice_takes_each_step_once(window):
    at = window.scheduled_for + MINUTE
    assert maintenance.run_due(at) == 1
    assert maintenance.run_due(at) == 0
    assert maintenance.start(window.pk, now=at) is None  # a late second claim finds nothing
    assert window.updates.filter(status="in_progress").count() == 1

    end = window.scheduled_until + MINUTE
    assert maintenance.run_due(end) == 1
    assert maintenance.complete(window.pk, now=end) is None
    assert window.updates.filter(status="completed").count() == 1


def test_a_beat_that_was_down_completes_a_window_that_ended_instead_of_starting_it(
    window, components, published
):
    assert maintenance.run_due(window.scheduled_until + timedelta(hours=1)) == 1

    window.refresh_from_db()
    assert window.status == "completed"
    assert not window.updates.filter(status="in_progress").exists()
    assert status_of(components["credit"]) == "operational"
    assert not StatusChange.objects.exists()  # never put under maintenance after the fact
    assert published == [("completed", True)]


def test_a_beat_that_was_down_during_the_start_still_starts_a_running_window(window):
    assert maintenance.run_due(window.scheduled_for + timedelta(minutes=50)) == 1
    window.refresh_from_db()
    assert window.status == "in_progress"


def test_without_the_automatic_flags_the_operator_stays_in_charge(components):
    start = timezone.now() + timedelta(hours=1)
    manual = services.open_incident(
        Incident(
            kind="maintenance",
            name="Manual work",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=1),
        ),
        body="Planned.",
        affected=[components["app"]],
    )
    assert maintenance.run_due(start + timedelta(hours=2)) == 0
    manual.refresh_from_db()
    assert manual.status == "scheduled"
    assert status_of(components["app"]) == "operational"


def test_auto_start_alone_leaves_completion_to_the_operator(components):
    start = timezone.now() + timedelta(hours=1)
    started_only = services.open_incident(
        Incident(
            kind="maintenance",
            name="Open-ended work",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=1),
            scheduled_auto_in_progress=True,
        ),
        body="Planned.",
        affected=[components["app"]],
    )
    maintenance.run_due(start + MINUTE)
    maintenance.run_due(start + timedelta(hours=2))
    started_only.refresh_from_db()
    assert started_only.status == "in_progress"
    assert status_of(components["app"]) == "under_maintenance"


def test_a_failing_step_rolls_back_its_claim_and_is_retried(window, components):
    def outbox_down(**kwargs):
        raise RuntimeError("outbox unavailable")

    signals.update_published.connect(outbox_down)
    try:
        assert maintenance.run_due(window.scheduled_for + MINUTE) == 0
    finally:
        signals.update_published.disconnect(outbox_down)
    window.refresh_from_db()
    assert window.status == "scheduled"
    assert status_of(components["credit"]) == "operational"
    assert not IncidentUpdate.objects.filter(status="in_progress").exists()

    assert maintenance.run_due(window.scheduled_for + 2 * MINUTE) == 1


def test_the_beat_task_runs_whatever_is_due(components):
    start = timezone.now() - timedelta(minutes=5)
    running = Incident(
        kind="maintenance",
        name="Already begun",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
        scheduled_auto_in_progress=True,
    )
    services.open_incident(running, body="Planned.", affected=[components["app"]])
    assert tasks.run_maintenance.apply().get() == 1
    assert status_of(components["app"]) == "under_maintenance"

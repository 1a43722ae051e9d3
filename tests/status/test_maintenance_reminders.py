"""Subscribers are reminded once, a configurable time before a maintenance starts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from statuspage.status import maintenance, services, signals
from statuspage.status.models import Incident
from tests.status.admin_forms import change_form, typed

MINUTE = timedelta(minutes=1)


@pytest.fixture
def reminded():
    seen = []

    def record(incident, **kwargs):
        seen.append(incident.pk)

    signals.maintenance_reminder.connect(record)
    yield seen
    signals.maintenance_reminder.disconnect(record)


def schedule(components, *, remind: bool = True, hours_ahead: float = 3) -> Incident:
    start = (timezone.now() + timedelta(hours=hours_ahead)).replace(microsecond=0)
    return services.open_incident(
        Incident(
            kind="maintenance",
            name="Credit system upgrade",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
            scheduled_remind_prior=remind,
        ),
        body="Planned work.",
        affected=[components["credit"]],
    )


def test_subscribers_are_reminded_once_an_hour_before(components, reminded):
    window = schedule(components)
    assert maintenance.run_due(window.scheduled_for - timedelta(minutes=61)) == 0
    assert reminded == []

    at = window.scheduled_for - timedelta(minutes=59)
    assert maintenance.run_due(at) == 1
    assert maintenance.run_due(at + MINUTE) == 0
    assert maintenance.remind(window.pk, now=at + 2 * MINUTE) is None
    assert reminded == [window.pk]
    window.refresh_from_db()
    assert window.scheduled_reminded_at == at
    assert window.status == "scheduled"  # a reminder is not an update


def test_the_lead_time_is_a_setting(components, reminded, settings):
    settings.MAINTENANCE_REMINDER_MINUTES = 15
    window = schedule(components)
    maintenance.run_due(window.scheduled_for - timedelta(minutes=30))
    assert reminded == []
    maintenance.run_due(window.scheduled_for - timedelta(minutes=10))
    assert reminded == [window.pk]


def test_no_reminder_unless_asked_for_or_once_the_window_began(components, reminded):
    quiet = schedule(components, remind=False)
    maintenance.run_due(quiet.scheduled_for - timedelta(minutes=30))
    late = schedule(components, hours_ahead=5)
    maintenance.run_due(late.scheduled_for + MINUTE)  # beat was down for the whole lead time
    assert reminded == []


def test_a_reminder_whose_delivery_failed_is_not_marked_sent(components):
    window = schedule(components)

    def outbox_down(**kwargs):
        raise RuntimeError("outbox unavailable")

    signals.maintenance_reminder.connect(outbox_down)
    try:
        assert maintenance.run_due(window.scheduled_for - timedelta(minutes=30)) == 0
    finally:
        signals.maintenance_reminder.disconnect(outbox_down)
    window.refresh_from_db()
    assert window.scheduled_reminded_at is None  # the next run tries again


def test_moving_a_window_in_the_console_resets_its_reminder(operator_client, components):
    window = schedule(components)
    maintenance.run_due(window.scheduled_for - timedelta(minutes=30))
    window.refresh_from_db()
    assert window.scheduled_reminded_at is not None

    later = window.scheduled_for + timedelta(days=1)
    response = operator_client.post(
        f"/admin/status/incident/{window.pk}/change/",
        change_form(
            window,
            **typed("scheduled_for", later),
            **typed("scheduled_until", later + timedelta(hours=2)),
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    window.refresh_from_db()
    assert window.scheduled_for == later
    assert window.scheduled_reminded_at is None

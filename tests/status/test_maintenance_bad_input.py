"""A maintenance window that is over, or ends before it starts, is refused; nothing is saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import Incident, IncidentUpdate, StatusChange
from tests.status.admin_forms import ADD, change_form, errors_of, incident_form, local, typed


def window_form(start, end, **overrides) -> dict:
    return incident_form(
        kind="maintenance",
        update_status="scheduled",
        **typed("scheduled_for", start),
        **typed("scheduled_until", end),
        **overrides,
    )


def test_a_window_that_is_already_over_is_refused(components):
    start = timezone.now() - timedelta(hours=3)
    with pytest.raises(ValidationError, match="already over"):
        services.open_incident(
            Incident(
                kind="maintenance",
                name="Yesterday's upgrade",
                scheduled_for=start,
                scheduled_until=start + timedelta(hours=2),
            ),
            body="Planned.",
            affected=[components["credit"]],
        )
    assert not Incident.objects.exists()
    assert not IncidentUpdate.objects.exists()


def test_a_window_that_began_but_has_not_ended_is_accepted(components):
    start = timezone.now() - timedelta(minutes=10)
    window = services.open_incident(
        Incident(
            kind="maintenance",
            name="Running late",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=1),
        ),
        body="Planned.",
    )
    assert window.status == "scheduled"


@pytest.mark.parametrize(
    ("start_in", "end_in", "message"),
    [
        (timedelta(days=-2), timedelta(days=-2, hours=2), "already over"),
        (timedelta(days=2), timedelta(days=2, hours=-1), "must end after it starts"),
    ],
)
def test_the_console_refuses_bad_windows_and_saves_nothing(
    operator_client, components, start_in, end_in, message
):
    now = timezone.now()
    response = operator_client.post(
        ADD,
        window_form(
            now + start_in,
            now + end_in,
            **{f"component_{components['credit'].pk}": "under_maintenance"},
        ),
    )
    assert response.status_code == 200
    assert message in errors_of(response)
    assert not Incident.objects.exists()
    assert not StatusChange.objects.exists()


def test_the_console_refuses_moving_a_scheduled_window_into_the_past(operator_client, components):
    start = timezone.now() + timedelta(days=1)
    window = services.open_incident(
        Incident(
            kind="maintenance",
            name="Upgrade",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
        ),
        body="Planned.",
    )
    past = local(timezone.now() - timedelta(days=1))
    response = operator_client.post(
        f"/admin/status/incident/{window.pk}/change/",
        change_form(
            window,
            scheduled_for_0=past.strftime("%Y-%m-%d"),
            scheduled_for_1="02:00:00",
            scheduled_until_0=past.strftime("%Y-%m-%d"),
            scheduled_until_1="03:00:00",
        ),
    )
    assert response.status_code == 200
    assert "already over" in errors_of(response)
    window.refresh_from_db()
    assert window.scheduled_for == start

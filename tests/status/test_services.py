"""The write path: each service function does the whole change in one transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from statuspage.status import services, signals
from statuspage.status.models import (
    Component,
    Incident,
    IncidentUpdate,
    Page,
    StatusChange,
)


def test_opening_an_incident_writes_update_statuses_log_impact_and_version(components, open_outage):
    version = Page.get().version
    incident = open_outage()

    assert incident.status == "investigating"
    assert incident.impact == "critical"
    assert incident.started_at is not None
    update = incident.updates.get()
    assert update.affected_components == [
        {
            "code": components["disbursement"].pk,
            "name": "借款窗口 - 放款",
            "old_status": "operational",
            "new_status": "major_outage",
        }
    ]
    assert Component.objects.get(pk=components["disbursement"].pk).status == "major_outage"
    change = StatusChange.objects.get(component=components["disbursement"])
    assert (change.old_status, change.new_status, change.incident_update_id) == (
        "operational",
        "major_outage",
        update.pk,
    )
    assert list(incident.components.all()) == [components["disbursement"]]
    assert Page.get().version == version + 1


def test_a_failure_inside_the_transaction_leaves_nothing_behind(components, open_outage):
    def explode(**kwargs):
        raise RuntimeError("outbox unavailable")

    signals.update_published.connect(explode)
    try:
        with pytest.raises(RuntimeError):
            open_outage()
    finally:
        signals.update_published.disconnect(explode)

    assert not Incident.objects.exists()
    assert not IncidentUpdate.objects.exists()
    assert not StatusChange.objects.exists()
    assert Component.objects.get(pk=components["disbursement"].pk).status == "operational"


def test_the_published_signal_fires_once_per_update_with_the_notify_flag(components, open_outage):
    seen = []

    def record(update, notify, **kwargs):
        seen.append((update.status, notify))

    signals.update_published.connect(record)
    try:
        incident = open_outage()
        services.post_update(incident, status="identified", body="Found it.", notify=False)
    finally:
        signals.update_published.disconnect(record)
    assert seen == [("investigating", True), ("identified", False)]


def test_updates_move_status_and_stamp_times(components, open_outage):
    incident = open_outage()
    services.post_update(incident, status="monitoring", body="Fix deployed.")
    assert incident.monitoring_at is not None
    services.post_update(
        incident,
        status="resolved",
        body="All good.",
        component_statuses={components["disbursement"]: "operational"},
    )
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert incident.resolved_at is not None
    assert incident.impact == "critical"  # a resolved incident keeps the impact it had
    assert [u.status for u in incident.updates.all()] == ["resolved", "monitoring", "investigating"]


def test_an_update_that_repeats_a_status_affects_without_logging_a_change(components, open_outage):
    incident = open_outage()
    second = services.open_incident(
        Incident(name="Payout bank down"),
        body="Same component, second incident.",
        component_statuses={components["disbursement"]: "major_outage"},
    )
    assert second.impact == "critical"
    assert StatusChange.objects.filter(component=components["disbursement"]).count() == 1
    assert incident.pk != second.pk


def test_a_closed_incident_takes_an_update_only_when_reopened(components, open_outage):
    incident = open_outage()
    services.resolve(incident)
    with pytest.raises(ValidationError, match="Reopen"):
        services.post_update(incident, status="investigating", body="It is back.")
    with pytest.raises(ValidationError, match="open status"):
        services.post_update(incident, status="resolved", body="x", reopen=True)

    services.post_update(incident, status="investigating", body="It is back.", reopen=True)
    incident.refresh_from_db()
    assert incident.status == "investigating"
    assert incident.resolved_at is None


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        ("scheduled", "text", "not a status of this incident"),
        ("identified", "   ", "Write a message"),
        ("identified", "", "Write a message"),
    ],
)
def test_invalid_updates_are_refused_and_change_nothing(
    components, status, body, message, open_outage
):
    incident = open_outage()
    version = Page.get().version
    with pytest.raises(ValidationError, match=message):
        services.post_update(incident, status=status, body=body)
    assert incident.updates.count() == 1
    assert Page.get().version == version


def test_unknown_component_statuses_are_refused(components):
    with pytest.raises(ValidationError, match="Unknown component status"):
        services.open_incident(
            Incident(name="x"), body="y", component_statuses={components["app"]: "on_fire"}
        )
    assert not Incident.objects.exists()


def test_maintenance_must_end_after_it_starts(components):
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError, match="end after it starts"):
        services.open_incident(
            Incident(
                kind="maintenance",
                name="Upgrade",
                scheduled_for=start,
                scheduled_until=start - timedelta(hours=1),
            ),
            body="Planned.",
        )
    with pytest.raises(ValidationError, match="start and an end"):
        services.open_incident(Incident(kind="maintenance", name="Upgrade"), body="Planned.")
    assert not Incident.objects.exists()


def test_a_status_of_another_kind_is_refused_on_creation(components):
    with pytest.raises(ValidationError, match="not a status of"):
        services.open_incident(Incident(name="x", status="in_progress"), body="y")


def test_maintenance_starts_scheduled_and_has_maintenance_impact(components):
    start = timezone.now() + timedelta(days=1)
    maintenance = services.open_incident(
        Incident(
            kind="maintenance",
            name="Upgrade",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
        ),
        body="Planned.",
        affected=[components["credit"]],
    )
    assert maintenance.status == "scheduled"
    assert maintenance.impact == "maintenance"
    assert maintenance.started_at is None
    assert list(maintenance.components.all()) == [components["credit"]]
    assert Component.objects.get(pk=components["credit"].pk).status == "operational"


def test_resolve_brings_affected_components_back_in_the_same_update(components, open_outage):
    incident = open_outage()
    update = services.resolve(incident)
    assert update.status == "resolved"
    # Page content in every language, whatever the operator's own language is.
    assert (update.body_zh_hans, update.body_en) == (
        "此事件已解决。",
        "This incident has been resolved.",
    )
    assert update.affected_components[0]["new_status"] == "operational"
    assert Component.objects.get(pk=components["disbursement"].pk).status == "operational"


def test_status_changes_are_append_only(components, open_outage):
    open_outage()
    change = StatusChange.objects.get()
    change.new_status = "operational"
    with pytest.raises(ValueError, match="append-only"):
        change.save()


def test_editing_a_component_status_logs_it_like_any_change(components, operator):
    app = components["app"]
    app.status = "degraded_performance"
    services.save_component(app, author=operator)
    change = StatusChange.objects.get(component=app)
    assert (change.cause, change.actor, change.new_status) == (
        "operator",
        "olga",
        "degraded_performance",
    )


def test_deleting_the_last_component_of_a_group_deletes_the_group(components, borrowing):
    for key in ("identity", "credit", "limit"):
        services.delete_component(components[key])
    assert type(borrowing).objects.filter(pk=borrowing.pk).exists()
    services.delete_component(components["disbursement"])
    assert not type(borrowing).objects.filter(pk=borrowing.pk).exists()


def test_postmortem_publishes_and_reverts(components, open_outage):
    incident = open_outage()
    services.resolve(incident)
    with pytest.raises(ValidationError):
        services.publish_postmortem(incident)
    services.save_postmortem_draft(incident, "## What happened\nThe bank's gateway failed.")
    services.publish_postmortem(incident)
    assert incident.status == "postmortem"
    assert incident.postmortem_body.startswith("## What happened")
    services.revert_postmortem(incident)
    assert incident.status == "resolved"
    assert incident.postmortem_published_at is None


def test_public_ids_look_like_statuspage_ids(components, open_outage):
    incident = open_outage()
    for value in (incident.pk, incident.updates.get().pk, components["app"].pk):
        assert len(value) == 12
        assert value.isalnum()
        assert value == value.lower()


def test_moving_a_maintenance_window_rearms_its_reminder_but_not_into_the_past(components):
    start = timezone.now() + timedelta(days=1)
    maintenance = services.open_incident(
        Incident(
            kind="maintenance",
            name="Upgrade",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
            scheduled_remind_prior=True,
        ),
        body="Planned.",
    )
    Incident.objects.filter(pk=maintenance.pk).update(scheduled_reminded_at=timezone.now())
    services.edit_incident(
        maintenance,
        scheduled_for=start + timedelta(days=1),
        scheduled_until=start + timedelta(days=1, hours=2),
    )
    maintenance.refresh_from_db()
    assert maintenance.scheduled_reminded_at is None
    with pytest.raises(ValidationError, match="already over"):
        services.edit_incident(
            maintenance,
            scheduled_for=timezone.now() - timedelta(hours=3),
            scheduled_until=timezone.now() - timedelta(hours=1),
        )
    maintenance.refresh_from_db()
    assert maintenance.scheduled_for > timezone.now()


def test_saving_the_page_is_one_transaction(db, monkeypatch):
    """A page change and its version move together: if the version cannot move, nothing is
    saved (a cache would otherwise serve the old page as the new version)."""
    page = Page.get()
    before = page.name_en

    def version_store_fails() -> None:
        raise RuntimeError("version not moved")

    monkeypatch.setattr(services.pageversion, "bump", version_store_fails)
    page.name_en = "Renamed"
    with pytest.raises(RuntimeError):
        services.save_page(page)
    assert Page.get().name_en == before

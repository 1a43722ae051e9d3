"""The incident rules, one test each, at the service level: which statuses a kind takes, how an
incident opens, closes and reopens, maintenance windows, expiry and the impact override; and
`edit_incident`, the one function that edits an incident."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from statuspage.status import services, signals
from statuspage.status.models import Component, Incident, IncidentUpdate, Page, StatusChange


@pytest.fixture
def published():
    """Every update_published signal (what the notification outbox listens to)."""
    seen: list[tuple[str, bool]] = []

    def record(update, notify, **kwargs):
        seen.append((update.status, notify))

    signals.update_published.connect(record)
    yield seen
    signals.update_published.disconnect(record)


@pytest.fixture
def outage(components) -> Incident:
    return services.open_incident(
        Incident(name="Disbursement failing"),
        body="Loans are not being paid out.",
        component_statuses={components["disbursement"]: "major_outage"},
    )


@pytest.fixture
def window(schedule_maintenance):
    """Schedules the credit system's upgrade (tomorrow unless `start` says otherwise)."""

    def schedule(start=None, **fields) -> Incident:
        start = start or timezone.now() + timedelta(days=1)
        return schedule_maintenance("Credit system upgrade", start, body="Planned.", **fields)

    return schedule


def announcement(**fields) -> Incident:
    return services.open_incident(
        Incident(kind="announcement", name="New repayment rules", **fields), body="From May."
    )


def error_of(caught: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    return " ".join(caught.value.message_dict[field])


# Statuses per kind


@pytest.mark.parametrize(
    ("kind", "foreign"),
    [("incident", "in_progress"), ("maintenance", "investigating"), ("announcement", "monitoring")],
)
def test_each_kind_refuses_the_statuses_of_another(components, kind, foreign, window):
    opened = {
        "incident": lambda: services.open_incident(Incident(name="x"), body="y"),
        "maintenance": lambda: window(),
        "announcement": announcement,
    }[kind]()
    with pytest.raises(ValidationError) as caught:
        services.edit_incident(opened, status=foreign, body="Next.")
    assert (
        error_of(caught, "status")
        == f"“{foreign}” is not a status of this {opened.get_kind_display().lower()}."
    )
    assert opened.updates.count() == 1


@pytest.mark.parametrize(
    ("kind", "first"),
    [("incident", "investigating"), ("maintenance", "scheduled"), ("announcement", "identified")],
)
def test_each_kind_opens_in_its_first_status(components, kind, first, window):
    opened = {
        "incident": lambda: services.open_incident(Incident(name="x"), body="y"),
        "maintenance": lambda: window(),
        "announcement": announcement,
    }[kind]()
    assert opened.status == first


def test_a_new_incident_cannot_start_closed(db):
    with pytest.raises(ValidationError, match="cannot start resolved"):
        services.open_incident(Incident(name="Old news", status="resolved"), body="Done.")
    assert not Incident.objects.exists()


# Closing and reopening


@pytest.mark.parametrize("closing", ["resolved", "postmortem"])
def test_a_closing_status_stamps_resolved_at_and_takes_the_incident_off_the_open_list(
    outage, closing
):
    services.edit_incident(outage, status=closing, body="Over.")
    assert outage.resolved_at is not None
    assert outage.is_closed
    assert not Incident.objects.open().filter(pk=outage.pk).exists()


def test_completing_a_maintenance_closes_it(components, window):
    window = window()
    services.edit_incident(window, status="completed", body="Done early.")
    assert window.is_closed
    assert window.resolved_at is not None


def test_a_closed_incident_takes_no_update_unless_it_is_reopened(outage):
    services.resolve(outage)
    with pytest.raises(ValidationError) as caught:
        services.edit_incident(outage, body="One more thing.")
    assert error_of(caught, "status") == "This incident is closed. Reopen it to post an update."
    assert outage.updates.count() == 2


def test_reopening_needs_an_open_status(outage):
    services.resolve(outage)
    with pytest.raises(ValidationError, match="open status to reopen"):
        services.edit_incident(outage, status="resolved", body="Still fine.", reopen=True)


def test_reopening_clears_resolved_at(outage):
    services.resolve(outage)
    services.edit_incident(outage, status="investigating", body="It is back.", reopen=True)
    assert (outage.status, outage.resolved_at) == ("investigating", None)


def test_a_closed_incident_can_still_be_renamed_without_reopening(outage):
    services.resolve(outage)
    services.edit_incident(outage, name="Disbursement failed for an hour")
    assert (outage.name, outage.status) == ("Disbursement failed for an hour", "resolved")


# Updates


def test_a_new_status_needs_a_message(outage, published):
    with pytest.raises(ValidationError) as caught:
        services.edit_incident(outage, status="identified")
    assert error_of(caught, "body") == "Write a message for this update."
    with pytest.raises(ValidationError, match="Write a message"):
        services.edit_incident(outage, status="identified", body="   ")
    assert Incident.objects.get(pk=outage.pk).status == "investigating"
    assert published == []


def test_the_current_status_without_a_message_posts_nothing(outage, published):
    assert services.edit_incident(outage, status="investigating") is None
    assert outage.updates.count() == 1
    assert published == []


# Maintenance windows


def test_a_maintenance_needs_a_start_and_an_end(components, window):
    window = window()
    with pytest.raises(ValidationError, match="needs a start and an end"):
        services.edit_incident(window, scheduled_until=None)


def test_a_maintenance_must_end_after_it_starts(components, window):
    window = window()
    with pytest.raises(ValidationError) as caught:
        services.edit_incident(window, scheduled_until=window.scheduled_for - timedelta(hours=1))
    assert error_of(caught, "scheduled_until") == "The maintenance must end after it starts."


def test_a_new_window_that_is_already_over_is_refused(components, window):
    with pytest.raises(ValidationError, match="already over"):
        window(start=timezone.now() - timedelta(hours=3))


def test_a_scheduled_window_cannot_be_moved_into_the_past(components, window):
    window = window()
    past = timezone.now() - timedelta(hours=3)
    with pytest.raises(ValidationError) as caught:
        services.edit_incident(
            window, scheduled_for=past, scheduled_until=past + timedelta(hours=1)
        )
    assert error_of(caught, "scheduled_until") == "This maintenance window is already over."
    window.refresh_from_db()
    assert window.scheduled_for > timezone.now()


def test_a_running_window_may_end_now(components, window):
    window = window(start=timezone.now() - timedelta(minutes=30))
    services.edit_incident(window, status="in_progress", body="Started.")
    services.edit_incident(window, scheduled_until=timezone.now() - timedelta(minutes=1))
    assert window.scheduled_until < timezone.now()


def test_moving_a_window_sends_its_reminder_again(components, window):
    window = window(scheduled_remind_prior=True)
    Incident.objects.filter(pk=window.pk).update(scheduled_reminded_at=timezone.now())
    services.edit_incident(window, scheduled_remind_prior=True)  # not moved: still reminded
    assert Incident.objects.get(pk=window.pk).scheduled_reminded_at is not None
    later = window.scheduled_for + timedelta(days=1)
    services.edit_incident(window, scheduled_for=later, scheduled_until=later + timedelta(hours=1))
    assert window.scheduled_reminded_at is None


# Announcements and impact


def test_only_announcements_expire(outage):
    with pytest.raises(ValidationError) as caught:
        services.edit_incident(outage, expires_at=timezone.now() + timedelta(days=1))
    assert error_of(caught, "expires_at") == "Only announcements expire."


def test_a_new_announcement_cannot_expire_in_the_past(db):
    with pytest.raises(ValidationError, match="expiry must be in the future"):
        announcement(expires_at=timezone.now() - timedelta(minutes=1))


def test_the_impact_override_replaces_the_derived_impact_until_it_is_cleared(outage):
    services.edit_incident(outage, impact_override="minor")
    assert outage.impact == "minor"
    services.edit_incident(outage, impact_override="")
    assert outage.impact == "critical"


def test_an_unknown_impact_is_refused(outage):
    with pytest.raises(ValidationError, match="Unknown impact"):
        services.edit_incident(outage, impact_override="apocalyptic")


# The edit itself


def test_an_edit_of_own_fields_posts_no_update_but_moves_the_page(outage, published):
    version = Page.get().version
    assert services.edit_incident(outage, name="Payouts failing", cause="third_party") is None
    outage.refresh_from_db()
    assert (outage.name, outage.cause) == ("Payouts failing", "third_party")
    assert outage.updates.count() == 1
    assert published == []
    assert Page.get().version > version


def test_an_edit_with_a_message_posts_an_update_with_its_components(
    outage, components, published, operator
):
    update = services.edit_incident(
        outage,
        name="Payouts failing",
        status="monitoring",
        body="Fix deployed.",
        component_statuses={components["disbursement"]: "degraded_performance"},
        affected=[components["app"]],
        notify=False,
        author=operator,
    )
    assert (outage.name, outage.status) == ("Payouts failing", "monitoring")
    assert outage.monitoring_at is not None
    assert (update.body, update.author, update.deliver_notifications) == (
        "Fix deployed.",
        operator,
        False,
    )
    assert set(outage.components.all()) == {components["disbursement"], components["app"]}
    change = StatusChange.objects.filter(component=components["disbursement"]).first()
    assert (change.new_status, change.incident_update, change.actor) == (
        "degraded_performance",
        update,
        "olga",
    )
    assert published == [("monitoring", False)]


def test_components_without_a_message_join_the_incident_quietly(outage, components, published):
    assert (
        services.edit_incident(
            outage, component_statuses={components["credit"]: "partial_outage"}, via="api"
        )
        is None
    )
    assert Component.objects.get(pk=components["credit"].pk).status == "partial_outage"
    assert StatusChange.objects.get(component=components["credit"]).cause == "api"
    assert components["credit"] in outage.components.all()
    assert outage.updates.count() == 1
    assert published == []


def test_an_invalid_update_leaves_the_fields_unsaved_too(outage, components):
    version = Page.get().version
    with pytest.raises(ValidationError):
        services.edit_incident(
            outage,
            name="Renamed",
            status="identified",
            body="",
            component_statuses={components["credit"]: "major_outage"},
        )
    assert Incident.objects.get(pk=outage.pk).name == "Disbursement failing"
    assert Component.objects.get(pk=components["credit"].pk).status == "operational"
    assert IncidentUpdate.objects.count() == 1
    assert Page.get().version == version


def test_an_unknown_component_status_is_refused_before_anything_is_written(outage, components):
    with pytest.raises(ValidationError, match="Unknown component status"):
        services.edit_incident(
            outage, name="Renamed", component_statuses={components["credit"]: "on_fire"}
        )
    assert Incident.objects.get(pk=outage.pk).name == "Disbursement failing"


def test_an_incident_cannot_change_its_kind(outage):
    with pytest.raises(TypeError, match="kind"):
        services.edit_incident(outage, kind="maintenance")
    assert Incident.objects.get(pk=outage.pk).kind == "incident"


def test_check_edit_refuses_what_edit_incident_refuses_and_writes_nothing(outage):
    services.check_edit(outage, name="Renamed", status="identified", body="Found it.")
    assert Incident.objects.get(pk=outage.pk).name == "Disbursement failing"
    assert outage.updates.count() == 1
    with pytest.raises(ValidationError, match="Write a message"):
        services.check_edit(outage, status="identified")

"""/api/v2, /v1 and the webhook payloads send the same objects: the webhook and /v1 shapes
extend /api/v2's key for key, value for value, so a key added to a shape shows in all three."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from statuspage.api.models import ApiKey
from statuspage.lib.timestamps import statuspage_time
from statuspage.notify import payloads
from statuspage.status import services
from statuspage.status.maintenance import remind
from statuspage.status.models import Incident, Page, StatusChange


def assert_extends(full: object, base: object, where: str = "") -> None:
    """Every key of `base` is in `full` with the same value, at every depth."""
    if isinstance(base, dict):
        assert isinstance(full, dict), where
        missing = set(base) - set(full)
        assert not missing, f"{where}: {sorted(missing)} missing"
        for key, value in base.items():
            assert_extends(full[key], value, f"{where}.{key}")
    elif isinstance(base, list):
        assert isinstance(full, list) and len(full) == len(base), where
        for index, (mine, theirs) in enumerate(zip(full, base, strict=True)):
            assert_extends(mine, theirs, f"{where}[{index}]")
    else:
        assert full == base, f"{where}: {full!r} != {base!r}"


@pytest.fixture
def management(operator) -> Client:
    key = ApiKey.issue(name="shapes", scopes=["read"], created_by=operator)[1]
    return Client(headers={"Authorization": f"OAuth {key}", "Accept-Language": "en"})


@pytest.fixture
def outage(open_outage) -> Incident:
    return open_outage(
        cause="third_party", expected_recovery_at=timezone.now() + timedelta(hours=2)
    )


@pytest.fixture
def maintenance(schedule_maintenance) -> Incident:
    return schedule_maintenance(
        "Database upgrade",
        timezone.now() + timedelta(hours=2),
        hours=1,
        body="Planned work.",
        affected=("app",),
        scheduled_remind_prior=True,
    )


def test_a_webhook_incident_is_the_api_v2_incident_and_v1_holds_every_webhook_key(
    client, management, outage
):
    [public] = client.get("/api/v2/incidents.json").json()["incidents"]
    managed = management.get(f"/v1/pages/{Page.get().id}/incidents/{outage.pk}").json()
    webhook = payloads.incident_payload(outage, timezone.now())["incident"]

    assert_extends(webhook, public, "webhook")
    assert_extends(managed, webhook, "v1")


def test_a_webhook_maintenance_is_the_api_v2_scheduled_maintenance(client, management, maintenance):
    [public] = client.get("/api/v2/scheduled-maintenances.json").json()["scheduled_maintenances"]
    managed = management.get(f"/v1/pages/{Page.get().id}/incidents/{maintenance.pk}").json()
    webhook = payloads.incident_payload(maintenance, timezone.now())["incident"]

    assert_extends(webhook, public, "webhook")
    assert_extends(managed, webhook, "v1")
    assert webhook["scheduled_remind_prior"] is True


def test_a_component_is_the_same_in_v2_v1_and_a_component_change_webhook(
    client, management, components
):
    app = components["app"]
    services.set_component_status(app, "partial_outage")
    public = next(
        c for c in client.get("/api/v2/components.json").json()["components"] if c["id"] == app.pk
    )
    managed = management.get(f"/v1/pages/{Page.get().id}/components/{app.pk}").json()
    change = StatusChange.objects.filter(component=app).latest("at")
    webhook = payloads.component_payload(change, timezone.now())["component"]

    assert_extends(managed, public, "v1")
    assert_extends(public, webhook, "webhook")


def test_the_webhook_incident_carries_statuspages_management_keys(outage):
    incident = payloads.incident_payload(outage, timezone.now())["incident"]

    assert incident["backfilled"] is False
    assert incident["postmortem_ignored"] is False
    assert incident["postmortem_notified_subscribers"] is False
    assert incident["postmortem_notified_twitter"] is False
    assert incident["postmortem_body_last_updated_at"] is None
    assert incident["scheduled_reminded_at"] is None
    assert incident["incident_updates"][0]["wants_twitter_update"] is False
    assert incident["incident_updates"][0]["twitter_updated_at"] is None
    assert incident["components"][0]["automation_email"] is None


def test_the_public_api_sends_no_management_keys(client, outage):
    [public] = client.get("/api/v2/incidents.json").json()["incidents"]

    assert "backfilled" not in public
    assert "postmortem_ignored" not in public
    assert "wants_twitter_update" not in public["incident_updates"][0]
    assert "automation_email" not in public["components"][0]


def test_a_reminded_maintenance_says_when_its_reminder_went_out(maintenance):
    reminded = maintenance.scheduled_for - timedelta(minutes=30)
    assert remind(maintenance.pk, now=reminded) is not None

    maintenance.refresh_from_db()
    incident = payloads.incident_payload(maintenance, timezone.now())["incident"]

    assert incident["scheduled_reminded_at"] == statuspage_time(reminded, Page.get().zone)

"""Incidents and maintenance through /v1: opened, updated, resolved, listed, deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from statuspage.status import signals
from statuspage.status.models import Component, Incident, IncidentUpdate, Page, StatusChange

SPEC_KEYS = {
    "id", "page_id", "name", "status", "impact", "impact_override", "shortlink", "backfilled",
    "created_at", "updated_at", "monitoring_at", "resolved_at", "scheduled_for",
    "scheduled_until", "scheduled_remind_prior", "scheduled_auto_in_progress",
    "scheduled_auto_completed", "metadata", "postmortem_body", "postmortem_ignored",
    "postmortem_published_at", "components", "incident_updates", "started_at",
}  # fmt: skip


def in_default_language(message: str) -> str:
    """Messages the API writes for the client are in the page's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message)


@pytest.fixture
def published():
    """Every update_published signal: what the notification outbox listens to."""
    seen: list[tuple[str, bool]] = []

    def record(update, notify, **kwargs):
        seen.append((update.body, notify))

    signals.update_published.connect(record)
    yield seen
    signals.update_published.disconnect(record)


def open_outage(api, components, **extra):
    response = api.post(
        "incidents",
        {
            "incident": {
                "name": "Checkout errors",
                "status": "investigating",
                "body": "We are looking into failed payouts.",
                "components": {components["disbursement"].id: "partial_outage"},
                "component_ids": [components["limit"].id],
                "metadata": {"alertmanager": {"group_key": "abc"}},
                **extra,
            }
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_opening_an_incident_posts_its_first_update_and_sets_components(
    api, components, published, client
):
    body = open_outage(api, components)
    assert set(body) >= SPEC_KEYS
    incident = Incident.objects.get(pk=body["id"])
    assert (incident.kind, incident.status, incident.impact) == (
        "incident",
        "investigating",
        "major",
    )
    assert incident.metadata == {"alertmanager": {"group_key": "abc"}}
    assert set(incident.components.all()) == {components["disbursement"], components["limit"]}
    assert Component.objects.get(pk=components["disbursement"].pk).status == "partial_outage"
    assert Component.objects.get(pk=components["limit"].pk).status == "operational"
    (update,) = body["incident_updates"]
    assert update["body"] == "We are looking into failed payouts."
    assert update["affected_components"][0]["new_status"] == "partial_outage"
    assert {c["id"] for c in body["components"]} == {
        components["disbursement"].id,
        components["limit"].id,
    }
    assert published == [("We are looking into failed payouts.", True)]
    summary = client.get("/api/v2/summary.json").json()
    assert summary["incidents"][0]["id"] == incident.id


def test_only_a_name_is_needed(api, db, published):
    response = api.post("incidents", {"incident": {"name": "Something is off"}})
    assert response.status_code == 201
    assert response.json()["status"] == "investigating"
    assert response.json()["incident_updates"][0]["body"] == in_default_language(
        "We are investigating this issue."
    )


def test_message_is_read_as_body_and_notifications_can_be_off(api, db, published):
    response = api.post(
        "incidents",
        {
            "incident": {
                "name": "Quiet",
                "message": "Nobody needs to know.",
                "deliver_notifications": False,
            }
        },
    )
    assert response.json()["incident_updates"][0]["body"] == "Nobody needs to know."
    assert published == [("Nobody needs to know.", False)]


def test_a_scheduled_status_opens_a_maintenance(api, components):
    start = timezone.now() + timedelta(days=1)
    response = api.post(
        "incidents",
        {
            "incident": {
                "name": "DB upgrade",
                "status": "scheduled",
                "scheduled_for": start.isoformat(),
                "scheduled_until": (start + timedelta(hours=2)).isoformat(),
                "scheduled_remind_prior": True,
                "scheduled_auto_transition": True,
                "scheduled_auto_completed": True,
                "component_ids": [components["credit"].id],
                "body": "Planned work.",
            }
        },
    )
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    assert (incident.kind, incident.status, incident.impact) == (
        "maintenance",
        "scheduled",
        "maintenance",
    )
    assert incident.scheduled_for == start.replace(microsecond=start.microsecond)
    assert (incident.scheduled_remind_prior, incident.scheduled_auto_in_progress) == (True, True)
    assert incident.scheduled_auto_completed is True
    assert [i["id"] for i in api.get("incidents/upcoming").json()] == [incident.id]
    assert [i["id"] for i in api.get("incidents/scheduled").json()] == [incident.id]
    assert api.get("incidents/active_maintenance").json() == []
    assert api.get("incidents/unresolved").json() == []


def test_a_patch_with_a_new_status_posts_an_update(api, components, published):
    opened = open_outage(api, components)
    response = api.patch(
        f"incidents/{opened['id']}",
        {
            "incident": {
                "status": "resolved",
                "body": "Fixed.",
                "components": {components["disbursement"].id: "operational"},
            }
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "resolved"
    assert body["resolved_at"] is not None
    assert [u["status"] for u in body["incident_updates"]] == ["resolved", "investigating"]
    assert Component.objects.get(pk=components["disbursement"].pk).status == "operational"
    assert published[-1] == ("Fixed.", True)


def test_resolving_without_components_leaves_them_as_they_are(api, components):
    opened = open_outage(api, components)
    api.patch(f"incidents/{opened['id']}", {"incident": {"status": "resolved"}})
    incident = Incident.objects.get(pk=opened["id"])
    update = incident.updates.first()
    # the stock message, in every language (each reader gets theirs)
    assert update.body_zh_hans == "此事件已解决。"
    assert update.body_en == "This incident has been resolved."
    assert Component.objects.get(pk=components["disbursement"].pk).status == "partial_outage"


def test_a_patch_of_own_fields_posts_no_update(api, components, published):
    opened = open_outage(api, components)
    version = Page.get().version
    response = api.patch(
        f"incidents/{opened['id']}",
        {
            "incident": {
                "name": "Payout errors",
                "impact_override": "critical",
                "status": "investigating",
            }
        },
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["impact"]) == ("Payout errors", "critical")
    assert IncidentUpdate.objects.filter(incident_id=opened["id"]).count() == 1
    assert len(published) == 1
    assert Page.get().version > version


def test_a_patch_of_components_alone_changes_them_without_an_update(api, components, published):
    opened = open_outage(api, components)
    response = api.patch(
        f"incidents/{opened['id']}",
        {"incident": {"components": {components["credit"].id: "major_outage"}}},
    )
    assert response.status_code == 200
    assert response.json()["impact"] == "critical"
    assert len(response.json()["incident_updates"]) == 1
    assert Component.objects.get(pk=components["credit"].pk).status == "major_outage"
    assert StatusChange.objects.get(component=components["credit"]).cause == "api"
    assert len(published) == 1


def test_a_new_open_status_reopens_a_resolved_incident(api, components):
    opened = open_outage(api, components)
    api.patch(f"incidents/{opened['id']}", {"incident": {"status": "resolved"}})
    response = api.patch(
        f"incidents/{opened['id']}", {"incident": {"status": "identified", "body": "Back again."}}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["resolved_at"]) == ("identified", None)


def test_a_closed_incident_takes_no_message_without_reopening(api, components):
    opened = open_outage(api, components)
    api.patch(f"incidents/{opened['id']}", {"incident": {"status": "resolved"}})
    response = api.patch(f"incidents/{opened['id']}", {"incident": {"body": "One more thing."}})
    assert response.status_code == 422
    assert "status" in response.json()["errors"]
    assert IncidentUpdate.objects.filter(incident_id=opened["id"]).count() == 2


def test_deleting_answers_200_with_the_incident(api, components):
    opened = open_outage(api, components)
    response = api.delete(f"incidents/{opened['id']}")
    assert response.status_code == 200
    assert response.json()["id"] == opened["id"]
    assert response.json()["name"] == "Checkout errors"
    assert not Incident.objects.filter(pk=opened["id"]).exists()
    assert Component.objects.get(pk=components["disbursement"].pk).status == "partial_outage"


def test_the_lists_split_incidents_by_state(api, components):
    outage = open_outage(api, components)
    fixed = api.post("incidents", {"incident": {"name": "Old", "body": "x"}}).json()
    api.patch(f"incidents/{fixed['id']}", {"incident": {"status": "resolved"}})
    now = timezone.now()
    running = api.post(
        "incidents",
        {
            "incident": {
                "name": "Network",
                "status": "in_progress",
                "scheduled_for": (now - timedelta(minutes=5)).isoformat(),
                "scheduled_until": (now + timedelta(hours=1)).isoformat(),
            }
        },
    ).json()
    assert [i["id"] for i in api.get("incidents/unresolved").json()] == [outage["id"]]
    assert [i["id"] for i in api.get("incidents/active_maintenance.json").json()] == [running["id"]]
    assert [i["id"] for i in api.get("incidents").json()] == [
        running["id"],
        fixed["id"],
        outage["id"],
    ]


def test_q_searches_names_and_update_bodies(api, components):
    outage = open_outage(api, components)
    api.post("incidents", {"incident": {"name": "Unrelated", "body": "Nothing."}})
    assert [i["id"] for i in api.get("incidents", q="checkout").json()] == [outage["id"]]
    assert [i["id"] for i in api.get("incidents", q="failed payouts").json()] == [outage["id"]]
    assert api.get("incidents", q="no such words").json() == []


def test_an_unknown_incident_is_404(api, db):
    assert api.get("incidents/zzzzzzzzzzzz").status_code == 404
    assert api.patch("incidents/zzzzzzzzzzzz", {"incident": {"name": "x"}}).status_code == 404
    assert api.delete("incidents/zzzzzzzzzzzz").status_code == 404

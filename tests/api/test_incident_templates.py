"""Incident templates through /v1, wrapped in `template` as Statuspage wraps them."""

from __future__ import annotations

from statuspage.status.models import IncidentTemplate


def test_a_template_is_created_listed_changed_and_deleted(api, components):
    created = api.post(
        "incident_templates",
        {
            "template": {
                "name": "Bank down",
                "title": "Payouts delayed",
                "body": "A partner bank is down.",
                "update_status": "identified",
                "should_send_notifications": True,
                "component_ids": [components["disbursement"].id],
                "should_tweet": True,
                "group_id": None,
            }
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["title"], body["update_status"], body["component_ids"]) == (
        "Payouts delayed",
        "identified",
        [components["disbursement"].id],
    )
    assert body["components"][0]["name"] == "放款"
    template_id = body["id"]
    assert [t["id"] for t in api.get("incident_templates").json()] == [template_id]

    changed = api.patch(
        f"incident_templates/{template_id}",
        {"template": {"update_status": "scheduled", "component_ids": []}},
    )
    assert changed.status_code == 200
    stored = IncidentTemplate.objects.get(pk=template_id)
    assert (stored.kind, stored.update_status, stored.components.count()) == (
        "maintenance",
        "scheduled",
        0,
    )
    assert api.delete(f"incident_templates/{template_id}").status_code == 204
    assert not IncidentTemplate.objects.exists()


def test_a_template_needs_a_name_title_and_body(api, db):
    response = api.post("incident_templates", {"template": {"name": "Incomplete"}})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"title", "body"}
    assert not IncidentTemplate.objects.exists()

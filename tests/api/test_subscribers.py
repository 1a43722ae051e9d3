"""Subscribers through /v1, as Statuspage's API and its clients manage them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from statuspage.notify import subscriptions
from statuspage.notify.models import Subscriber
from statuspage.status import services
from statuspage.status.models import Incident

SUBSCRIBER_KEYS = {
    "id", "mode", "email", "endpoint", "phone_number", "phone_country", "display_phone_number",
    "obfuscated_channel_name", "workspace_name", "quarantined_at", "purge_at", "components",
    "component_ids", "page_access_user_id", "created_at", "skip_confirmation_notification",
    "state", "incident_id", "language", "chat_app",
}  # fmt: skip


def test_an_email_subscriber_is_created_unconfirmed_and_sent_a_confirmation(api, components):
    response = api.post("subscribers", {"subscriber": {"email": "Ana@Example.com"}})
    assert response.status_code == 201
    body = response.json()
    assert set(body) - {"secret", "confirmation_url"} == SUBSCRIBER_KEYS
    assert (body["mode"], body["email"], body["state"]) == (
        "email",
        "ana@example.com",
        "unconfirmed",
    )
    assert body["endpoint"] is None and body["phone_number"] is None
    assert Subscriber.objects.get().state == "unconfirmed"


def test_importing_an_existing_list_skips_confirmation(api, components, integrator):
    integrator.user_permissions.add(
        Permission.objects.get(codename="add_subscriber_without_confirmation")
    )
    response = api.post(
        "subscribers",
        {
            "subscriber": {
                "email": "ops@example.com",
                "component_ids": [components["disbursement"].id],
                "skip_confirmation_notification": True,
            }
        },
    )
    assert response.status_code == 201
    assert response.json()["state"] == "active"
    assert response.json()["components"] == [components["disbursement"].id]


def test_a_webhook_subscriber_gets_its_secret_once(api, components, settings):
    settings.ALLOW_PRIVATE_ADDRESSES = True
    body = {"subscriber": {"endpoint": "http://127.0.0.1:9/hook", "email": "ops@example.com"}}
    created = api.post("subscribers", body).json()
    assert created["mode"] == "webhook"
    assert created["secret"].startswith("whsec_")
    assert created["secret"] == Subscriber.objects.get().secret
    again = api.get(f"subscribers/{created['id']}").json()
    assert "secret" not in again


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone_number": "5555550100", "phone_country": "US"}, "phone_number"),
        ({}, "email"),
        ({"endpoint": "https://hooks.example.com/sp"}, "email"),
        ({"email": "not an address"}, "email"),
        ({"email": "a@example.com", "component_ids": []}, "component_ids"),
        ({"email": "a@example.com", "component_ids": ["nosuchcompo"]}, "component_ids"),
        ({"email": "a@example.com", "endpoint": "http://169.254.169.254/latest"}, "endpoint"),
        ({"email": "a@example.com", "endpoint": "http://10.0.0.1/hook"}, "endpoint"),
    ],
)
def test_invalid_subscribers_are_422_and_change_nothing(api, components, body, field):
    response = api.post("subscribers", {"subscriber": body})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Subscriber.objects.exists()


@pytest.fixture
def people(db):
    active = subscriptions.subscribe(email="a@example.com", skip_confirmation=True)
    waiting = subscriptions.subscribe(email="w@example.com")
    paused = subscriptions.subscribe(email="q@example.com", skip_confirmation=True)
    paused.state = "quarantined"
    paused.save()
    return {"active": active, "waiting": waiting, "paused": paused}


def test_the_list_is_paged_from_zero_and_leaves_out_quarantined(api, people):
    listed = api.get("subscribers").json()
    assert [s["email"] for s in listed] == ["a@example.com"]
    everyone = api.get("subscribers", state="all").json()
    assert {s["email"] for s in everyone} == {"a@example.com", "w@example.com", "q@example.com"}
    assert [s["email"] for s in api.get("subscribers", state="all", limit=1, page=0).json()] == [
        "a@example.com"
    ]
    assert len(api.get("subscribers", state="all", limit=1, page=2).json()) == 1
    assert api.get("subscribers", state="all", limit=1, page=3).json() == []
    assert api.get("subscribers", state="nonsense").status_code == 400


def test_changing_components_and_unsubscribing(api, people, components):
    active = people["active"]
    patched = api.patch(f"subscribers/{active.id}", {"component_ids": [components["app"].id]})
    assert patched.status_code == 200
    assert patched.json()["components"] == [components["app"].id]
    wrapped = api.patch(
        f"subscribers/{active.id}", {"subscriber": {"component_ids": [components["credit"].id]}}
    )
    assert wrapped.json()["components"] == [components["credit"].id]
    deleted = api.delete(f"subscribers/{active.id}")
    assert deleted.status_code == 200
    assert deleted.json()["state"] == "unsubscribed"
    assert api.get(f"subscribers/{active.id}").status_code == 200  # kept, with its history
    assert [s["id"] for s in api.get("subscribers/unsubscribed").json()] == [active.id]


def test_counts_and_histogram(api, people):
    assert api.get("subscribers/count").json() == {
        "email": 1, "sms": 0, "webhook": 0, "integration_partner": 0, "slack": 0, "teams": 0
    }  # fmt: skip
    histogram = api.get("subscribers/histogram_by_state").json()
    assert histogram["email"] == {"active": 1, "unconfirmed": 1, "quarantined": 1}
    assert api.get("subscribers/histogram").json() == histogram  # atlassian-python-api's path


def test_bulk_actions(api, people):
    assert api.post("subscribers/reactivate", {"subscribers": "all"}).status_code == 201
    people["paused"].refresh_from_db()
    assert people["paused"].state == "active"
    assert (
        api.post(
            "subscribers/resend_confirmation", {"subscribers": [people["waiting"].id]}
        ).status_code
        == 201
    )
    response = api.post(
        "subscribers/unsubscribe", {"subscribers": [people["active"].id, "nosuchsubscr"]}
    )
    assert response.status_code == 422
    people["active"].refresh_from_db()
    assert people["active"].state == "active"  # nothing half done
    assert (
        api.post("subscribers/unsubscribe", {"subscribers": [people["active"].id]}).status_code
        == 201
    )
    people["active"].refresh_from_db()
    assert people["active"].state == "unsubscribed"


def test_resend_confirmation_is_for_the_unconfirmed(api, people):
    assert api.post(f"subscribers/{people['waiting'].id}/resend_confirmation").status_code == 201
    assert api.post(f"subscribers/{people['active'].id}/resend_confirmation").status_code == 422
    assert api.post("subscribers/nosuchsubscr/resend_confirmation").status_code == 404


def test_an_incident_has_its_own_subscribers(api, components):
    incident = services.open_incident(Incident(name="Payouts slow"), body="Slow.")
    created = api.post(
        f"incidents/{incident.id}/subscribers", {"subscriber": {"email": "f@example.com"}}
    )
    assert created.status_code == 201
    follower = created.json()
    assert follower["incident_id"] == incident.id
    assert api.get("subscribers", state="all").json() == []  # not a page subscriber
    assert [
        s["id"] for s in api.get(f"incidents/{incident.id}/subscribers", state="all").json()
    ] == [follower["id"]]
    assert api.get(f"incidents/{incident.id}/subscribers/{follower['id']}").status_code == 200
    assert api.delete(f"incidents/{incident.id}/subscribers/{follower['id']}").json()["state"] == (
        "unsubscribed"
    )
    webhook = {"subscriber": {"email": "o@example.com", "endpoint": "https://hooks.example.com/x"}}
    assert api.post(f"incidents/{incident.id}/subscribers", webhook).status_code == 422


def test_a_read_only_key_cannot_subscribe(reader, components):
    assert reader.post("subscribers", {"subscriber": {"email": "a@example.com"}}).status_code == 403
    assert not Subscriber.objects.exists()

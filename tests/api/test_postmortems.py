"""Postmortems: drafted, published (PUT or POST), reverted and deleted through /v1."""

from __future__ import annotations

import pytest

from statuspage.status import services
from statuspage.status.models import Incident


@pytest.fixture
def resolved(components):
    incident = services.open_incident(Incident(name="Payouts down"), body="Down.")
    services.resolve(incident)
    return Incident.objects.get(pk=incident.pk)


def test_a_postmortem_is_drafted_published_and_shown(api, resolved, client):
    assert api.get(f"incidents/{resolved.id}/postmortem").status_code == 404
    drafted = api.put(
        f"incidents/{resolved.id}/postmortem", {"postmortem": {"body_draft": "## What happened"}}
    )
    assert drafted.status_code == 200
    assert (drafted.json()["body_draft"], drafted.json()["body"]) == ("## What happened", None)
    published = api.put(
        f"incidents/{resolved.id}/postmortem/publish",
        {"postmortem": {"notify_subscribers": True, "notify_twitter": False}},
    )
    assert published.status_code == 200
    assert published.json()["body"] == "## What happened"
    assert published.json()["notify_subscribers"] is True
    assert published.json()["published_at"] is not None
    assert api.get(f"incidents/{resolved.id}").json()["status"] == "postmortem"
    assert "What happened" in client.get(f"/incidents/{resolved.id}").content.decode()


def test_atlassian_python_apis_posts_work_too(api, resolved):
    assert (
        api.post(
            f"incidents/{resolved.id}/postmortem", {"postmortem": {"body_draft": "Text."}}
        ).status_code
        == 200
    )
    assert (
        api.post(
            f"incidents/{resolved.id}/postmortem/publish", {"postmortem": {"notify_tweets": True}}
        ).json()["body"]
        == "Text."
    )
    reverted = api.post(f"incidents/{resolved.id}/postmortem/revert")
    assert (reverted.status_code, reverted.json()["body"]) == (200, None)
    assert Incident.objects.get(pk=resolved.pk).status == "resolved"


def test_deleting_a_postmortem_answers_204(api, resolved):
    api.put(f"incidents/{resolved.id}/postmortem", {"postmortem": {"body_draft": "Text."}})
    response = api.delete(f"incidents/{resolved.id}/postmortem")
    assert (response.status_code, response.content) == (204, b"")
    assert Incident.objects.get(pk=resolved.pk).postmortem_body_draft == ""


def test_publishing_without_a_draft_is_refused(api, resolved):
    response = api.put(f"incidents/{resolved.id}/postmortem/publish")
    assert response.status_code == 422
    assert Incident.objects.get(pk=resolved.pk).postmortem_published_at is None


def test_a_draft_needs_a_body(api, resolved):
    response = api.put(f"incidents/{resolved.id}/postmortem", {"postmortem": {}})
    assert response.status_code == 422
    assert "body_draft" in response.json()["errors"]

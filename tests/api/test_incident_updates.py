"""Corrections to posted updates, at Statuspage's path and at atlassian-python-api's."""

from __future__ import annotations

import pytest

from statuspage.status import services
from statuspage.status.models import Incident, IncidentUpdate


@pytest.fixture
def update(components):
    incident = services.open_incident(Incident(name="Slow"), body="Slwo.")
    return incident.updates.get()


@pytest.mark.parametrize("segment", ["incident_updates", "incidents_update"])
def test_an_update_is_corrected_without_a_new_notice(api, update, segment):
    response = api.patch(
        f"incidents/{update.incident_id}/{segment}/{update.id}",
        {
            "incident_update": {
                "body": "Slow.",
                "display_at": "2026-03-01T02:05:00Z",
                "deliver_notifications": False,
                "wants_twitter_update": False,
            }
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["body"] == "Slow."
    assert response.json()["display_at"] == "2026-03-01T10:05:00.000+08:00"
    stored = IncidentUpdate.objects.get(pk=update.pk)
    assert (stored.body, stored.deliver_notifications) == ("Slow.", False)
    assert IncidentUpdate.objects.count() == 1


def test_a_blank_body_is_refused(api, update):
    response = api.patch(
        f"incidents/{update.incident_id}/incident_updates/{update.id}",
        {"incident_update": {"body": "  "}},
    )
    assert response.status_code == 422
    assert IncidentUpdate.objects.get(pk=update.pk).body == "Slwo."


def test_an_update_of_another_incident_is_404(api, update, components):
    other = services.open_incident(Incident(name="Other"), body="Other.")
    path = f"incidents/{other.id}/incident_updates/{update.id}"
    assert api.patch(path, {"incident_update": {"body": "x"}}).status_code == 404

"""summary.json, read by a strict client written from the reference, says what the page says."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import Component, Incident, IncidentKind
from tests.api.statuspage_reader import Unreadable, read_summary


@pytest.fixture
def busy_page(components, commit):
    """An outage, a resolved incident, an announcement, maintenance at every stage."""
    now = timezone.now()
    outage = commit(
        services.open_incident,
        Incident(name="Disbursement failing"),
        body="Loans are not being paid out.",
        component_statuses={
            components["disbursement"]: "major_outage",
            components["credit"]: "degraded_performance",
        },
    )
    commit(services.post_update, outage, status="identified", body="A bank link is down.")
    old = commit(
        services.open_incident,
        Incident(name="App slow"),
        body="Slow.",
        component_statuses={components["app"]: "degraded_performance"},
    )
    commit(services.resolve, old, body="Fixed.")
    notice = commit(
        services.open_incident,
        Incident(kind=IncidentKind.ANNOUNCEMENT, name="New limits from Monday"),
        body="Limits change.",
    )
    upcoming = commit(
        services.open_incident,
        Incident(
            kind=IncidentKind.MAINTENANCE,
            name="Database upgrade",
            scheduled_for=now + timedelta(days=1),
            scheduled_until=now + timedelta(days=1, hours=2),
        ),
        body="Planned.",
        affected=[components["limit"]],
    )
    running = commit(
        services.open_incident,
        Incident(
            kind=IncidentKind.MAINTENANCE,
            name="Network work",
            status="in_progress",
            scheduled_for=now - timedelta(hours=1),
            scheduled_until=now + timedelta(hours=1),
        ),
        body="Under way.",
        component_statuses={components["identity"]: "under_maintenance"},
    )
    done = commit(
        services.open_incident,
        Incident(
            kind=IncidentKind.MAINTENANCE,
            name="Cancelled work",
            scheduled_for=now + timedelta(days=2),
            scheduled_until=now + timedelta(days=2, hours=1),
        ),
        body="Planned.",
    )
    commit(services.resolve, done)
    return {"outage": outage, "notice": notice, "upcoming": upcoming, "running": running}


def test_the_summary_reads_cleanly_and_matches_the_page(client, busy_page, page):
    summary = read_summary(client.get("/api/v2/summary.json").content)

    assert summary.page_id == page.id
    assert summary.time_zone == "Asia/Shanghai"
    stored = {c.id: c for c in Component.objects.all()}
    listed = {c.id: c for c in summary.components if not c.is_group}
    assert listed.keys() == stored.keys()
    assert {i: c.status for i, c in listed.items()} == {i: c.status for i, c in stored.items()}

    assert [i.id for i in summary.incidents] == [busy_page["notice"].id, busy_page["outage"].id]
    assert [i.impact for i in summary.incidents] == ["none", "critical"]
    outage = summary.incidents[1]
    assert [u.status for u in outage.updates] == ["identified", "investigating"]
    assert {m.id for m in summary.maintenances} == {
        busy_page["upcoming"].id,
        busy_page["running"].id,
    }
    assert (summary.indicator, summary.description) == ("major", "Partial System Outage")


def test_the_reader_is_strict_enough_to_catch_a_missing_key(client, busy_page):
    """The reader is the test's teeth: show that it bites on a plausible regression."""
    import json

    data = json.loads(client.get("/api/v2/summary.json").content)
    del data["incidents"][0]["started_at"]
    with pytest.raises(Unreadable, match="started_at"):
        read_summary(json.dumps(data).encode())

    data = json.loads(client.get("/api/v2/summary.json").content)
    data["components"][1]["updated_at"] = data["components"][1]["updated_at"][:19] + "Z"
    with pytest.raises(Unreadable, match="updated_at"):
        read_summary(json.dumps(data).encode())

    data = json.loads(client.get("/api/v2/summary.json").content)
    data["status"]["indicator"] = "minor"
    with pytest.raises(Unreadable, match="roll-up"):
        read_summary(json.dumps(data).encode())

"""/api/v2: Statuspage's public JSON, key for key, as the reference describes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import Component, Incident, IncidentKind, Page
from tests.api.clients import ENDPOINTS


def stamp(moment, zone="Asia/Shanghai") -> str:
    """The reference's format, computed here independently of the serializers."""
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{local.microsecond // 1000:03d}"
        + (f"{offset[:3]}:{offset[3:]}")
    )


def get(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def component_json(component: Component, page: Page) -> dict:
    component.refresh_from_db()
    return {
        "id": component.id,
        "name": component.name_zh_hans,
        "status": component.status,
        "created_at": stamp(component.created_at),
        "updated_at": stamp(component.updated_at),
        "position": component.position,
        "description": None,
        "showcase": True,
        "start_date": None,
        "group_id": component.group_id,
        "page_id": page.id,
        "group": False,
        "only_show_if_degraded": False,
    }


@pytest.fixture
def outage(open_outage, commit):
    incident = open_outage(body="Loans are **not** being paid out.", committed=True)
    commit(services.post_update, incident, status="monitoring", body="Watching.")
    return Incident.objects.get(pk=incident.pk)


@pytest.fixture
def upcoming(schedule_maintenance):
    starts = timezone.now() + timedelta(days=1)
    return schedule_maintenance("Database upgrade", starts, body="Planned.", committed=True)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_endpoint_has_exactly_the_reference_keys(client, components, page, path):
    body = get(client, path)
    assert set(body) == ENDPOINTS[path]
    page.refresh_from_db()
    assert body["page"] == {
        "id": page.id,
        "name": "服务状态",
        "url": "http://127.0.0.1:8000",
        "time_zone": "Asia/Shanghai",
        "updated_at": stamp(page.updated_at),
    }


def test_a_component_carries_every_reference_field(client, components, page):
    listed = {c["id"]: c for c in get(client, "/api/v2/components.json")["components"]}
    assert listed[components["app"].id] == component_json(components["app"], page)
    assert listed[components["credit"].id] == component_json(components["credit"], page)


def test_a_group_is_a_row_with_its_members(client, components, borrowing, page):
    listed = {c["id"]: c for c in get(client, "/api/v2/components.json")["components"]}
    borrowing.refresh_from_db()
    assert listed[borrowing.id] == {
        "id": borrowing.id,
        "name": "借款窗口",
        "status": "operational",
        "created_at": stamp(borrowing.created_at),
        "updated_at": stamp(borrowing.updated_at),
        "position": 0,
        "description": None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": page.id,
        "group": True,
        "only_show_if_degraded": False,
        "components": [components[k].id for k in ("identity", "credit", "limit", "disbursement")],
    }


def test_a_group_row_shows_its_worst_member(client, components, borrowing, commit):
    commit(services.set_component_status, components["limit"], "partial_outage")
    listed = {c["id"]: c for c in get(client, "/api/v2/components.json")["components"]}
    assert listed[borrowing.id]["status"] == "partial_outage"


def test_components_come_in_page_order(client, components, borrowing):
    ids = [c["id"] for c in get(client, "/api/v2/components.json")["components"]]
    members = [components[k].id for k in ("identity", "credit", "limit", "disbursement")]
    assert ids == [borrowing.id, *members, components["app"].id]


def test_an_incident_carries_every_reference_field(client, outage, components, page):
    (listed,) = get(client, "/api/v2/incidents.json")["incidents"]
    first, second = outage.updates.order_by("created_at")
    assert listed == {
        "id": outage.id,
        "name": "Disbursement failing",
        "status": "monitoring",
        "created_at": stamp(outage.created_at),
        "updated_at": stamp(outage.updated_at),
        "monitoring_at": stamp(outage.monitoring_at),
        "resolved_at": None,
        "impact": "critical",
        "shortlink": f"http://127.0.0.1:8000/incidents/{outage.id}",
        "started_at": stamp(outage.started_at),
        "page_id": page.id,
        "incident_updates": [
            {
                "id": second.id,
                "status": "monitoring",
                "body": "Watching.",
                "incident_id": outage.id,
                "created_at": stamp(second.created_at),
                "updated_at": stamp(second.updated_at),
                "display_at": stamp(second.display_at),
                "affected_components": None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            },
            {
                "id": first.id,
                "status": "investigating",
                "body": "Loans are **not** being paid out.",
                "incident_id": outage.id,
                "created_at": stamp(first.created_at),
                "updated_at": stamp(first.updated_at),
                "display_at": stamp(first.display_at),
                "affected_components": [
                    {
                        "code": components["disbursement"].id,
                        "name": "借款窗口 - 放款",
                        "old_status": "operational",
                        "new_status": "major_outage",
                    }
                ],
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            },
        ],
        "components": [component_json(components["disbursement"], page)],
    }


def test_a_maintenance_adds_its_window(client, upcoming, components, page):
    (listed,) = get(client, "/api/v2/scheduled-maintenances.json")["scheduled_maintenances"]
    upcoming.refresh_from_db()
    update = upcoming.updates.get()
    assert listed == {
        "id": upcoming.id,
        "name": "Database upgrade",
        "status": "scheduled",
        "created_at": stamp(upcoming.created_at),
        "updated_at": stamp(upcoming.updated_at),
        "monitoring_at": None,
        "resolved_at": None,
        "impact": "maintenance",
        "shortlink": f"http://127.0.0.1:8000/incidents/{upcoming.id}",
        "started_at": None,
        "page_id": page.id,
        "scheduled_for": stamp(upcoming.scheduled_for),
        "scheduled_until": stamp(upcoming.scheduled_until),
        "incident_updates": [
            {
                "id": update.id,
                "status": "scheduled",
                "body": "Planned.",
                "incident_id": upcoming.id,
                "created_at": stamp(update.created_at),
                "updated_at": stamp(update.updated_at),
                "display_at": stamp(update.display_at),
                "affected_components": None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
        ],
        "components": [component_json(components["credit"], page)],
    }


def test_announcements_are_incidents_with_impact_none(client, components, commit):
    notice = commit(
        services.open_incident,
        Incident(kind=IncidentKind.ANNOUNCEMENT, name="New limits from Monday"),
        body="Limits change on Monday.",
    )
    for path in ("/api/v2/incidents.json", "/api/v2/incidents/unresolved.json"):
        (listed,) = get(client, path)["incidents"]
        assert (listed["id"], listed["status"], listed["impact"]) == (
            notice.id,
            "identified",
            "none",
        )
    assert get(client, "/api/v2/summary.json")["incidents"][0]["id"] == notice.id
    assert get(client, "/api/v2/scheduled-maintenances.json")["scheduled_maintenances"] == []


def test_maintenance_is_not_listed_as_an_incident(client, upcoming):
    assert get(client, "/api/v2/incidents.json")["incidents"] == []
    assert get(client, "/api/v2/summary.json")["incidents"] == []


def test_resolved_and_unresolved_split_the_incidents(client, outage, components, commit):
    fixed = commit(
        services.open_incident,
        Incident(name="App slow"),
        body="Slow.",
        affected=[components["app"]],
    )
    commit(services.resolve, fixed)
    published = commit(
        services.open_incident, Incident(name="Credit down"), body="Down.", affected=[]
    )
    commit(services.resolve, published)
    commit(services.save_postmortem_draft, Incident.objects.get(pk=published.pk), "What went on.")
    commit(services.publish_postmortem, Incident.objects.get(pk=published.pk))

    unresolved = get(client, "/api/v2/incidents/unresolved.json")["incidents"]
    resolved = get(client, "/api/v2/incidents/resolved.json")["incidents"]
    assert [i["id"] for i in unresolved] == [outage.id]
    assert [(i["id"], i["status"]) for i in resolved] == [
        (published.id, "postmortem"),
        (fixed.id, "resolved"),
    ]
    assert resolved[1]["resolved_at"] is not None


def test_maintenance_lists_follow_its_stage(client, upcoming, components, commit):
    now = timezone.now()
    running = commit(
        services.open_incident,
        Incident(
            kind=IncidentKind.MAINTENANCE,
            name="Network work",
            status="in_progress",
            scheduled_for=now - timedelta(minutes=5),
            scheduled_until=now + timedelta(hours=1),
        ),
        body="Under way.",
    )
    verifying = commit(
        services.open_incident,
        Incident(
            kind=IncidentKind.MAINTENANCE,
            name="Disk swap",
            status="in_progress",
            scheduled_for=now - timedelta(minutes=5),
            scheduled_until=now + timedelta(hours=1),
        ),
        body="Under way.",
    )
    commit(services.post_update, verifying, status="verifying", body="Checking.")

    def ids(path: str) -> list[str]:
        return [m["id"] for m in get(client, path)["scheduled_maintenances"]]

    assert ids("/api/v2/scheduled-maintenances/upcoming.json") == [upcoming.id]
    assert ids("/api/v2/scheduled-maintenances/active.json") == [verifying.id, running.id]
    assert ids("/api/v2/scheduled-maintenances.json") == [verifying.id, running.id, upcoming.id]
    assert set(ids("/api/v2/summary.json")) == {upcoming.id, running.id, verifying.id}


def test_lists_hold_the_50_most_recent_newest_first(client, components):
    start = timezone.now() - timedelta(days=1)
    for n in range(55):
        services.open_incident(
            Incident(name=f"Blip {n}"), body="Blip.", at=start + timedelta(minutes=n)
        )
    names = [i["name"] for i in get(client, "/api/v2/incidents.json")["incidents"]]
    assert names == [f"Blip {n}" for n in range(54, 4, -1)]
    assert len(get(client, "/api/v2/incidents/unresolved.json")["incidents"]) == 50


def test_timestamps_carry_milliseconds_in_the_page_offset(client, components, page, commit):
    page.time_zone = "America/New_York"
    commit(services.save_page, page)
    body = get(client, "/api/v2/components.json")
    app = next(c for c in body["components"] if c["id"] == components["app"].id)
    assert app["created_at"] == stamp(components["app"].created_at, "America/New_York")
    assert app["created_at"][-6:] in ("-05:00", "-04:00")
    assert body["page"]["time_zone"] == "America/New_York"


def test_the_roll_up_uses_incident_impact_when_there_are_no_components(client, db, commit):
    commit(
        services.open_incident,
        Incident(name="Something", impact_override="major"),
        body="Trouble.",
    )
    assert get(client, "/api/v2/status.json")["status"] == {
        "indicator": "major",
        "description": "Partial System Outage",
    }


def test_names_are_in_the_default_language_whatever_the_browser_asks(client, components):
    body = client.get("/api/v2/components.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["components"][0]["name"] == "借款窗口"


@pytest.mark.parametrize(
    "path", ["/api/v2/nothing.json", "/api/v2/incidents/upcoming.json", "/api/v2/", "/api/v2"]
)
def test_unknown_paths_under_api_v2_are_a_json_404(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]


def test_cors_is_open_for_reading(client, components):
    response = client.get("/api/v2/summary.json", HTTP_ORIGIN="https://lender.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v2/summary.json",
        HTTP_ORIGIN="https://lender.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 200
    assert "GET" in preflight["Access-Control-Allow-Methods"]


def test_the_public_api_is_read_only(client, components):
    assert client.post("/api/v2/summary.json", {}).status_code == 405

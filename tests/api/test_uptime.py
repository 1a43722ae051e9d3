"""Component uptime through /v1, as Statuspage's ComponentUptime."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from statuspage.status import services


def test_a_components_uptime(api, components):
    app = components["app"]
    today = timezone.localdate()
    app.start_date = today - timedelta(days=60)
    services.save_component(app)
    start, end = today - timedelta(days=30), today - timedelta(days=10)
    response = api.get(f"components/{app.id}/uptime", start=str(start), end=str(end))
    assert response.status_code == 200, response.content
    body = response.json()
    assert {"id", "name", "range_start", "range_end", "uptime_percentage", "major_outage",
            "partial_outage", "warnings", "related_events"} <= set(body)  # fmt: skip
    assert (body["id"], body["uptime_percentage"], body["major_outage"]) == (app.id, 100.0, 0)
    assert body["range_start"].startswith(str(start))


def test_a_groups_uptime_lists_its_members(api, components, borrowing):
    response = api.get(f"component-groups/{borrowing.id}/uptime")
    assert response.status_code == 200
    assert {entry["id"] for entry in response.json()} == {
        components[k].id for k in ("identity", "credit", "limit", "disbursement")
    }


def test_bad_ranges_are_422(api, components):
    path = f"components/{components['app'].id}/uptime"
    today = timezone.localdate()
    assert api.get(path, start="2026-13").status_code == 422
    assert api.get(path, start=str(today), end=str(today - timedelta(days=3))).status_code == 422
    year_ago = today - timedelta(days=365)
    assert api.get(path, start=str(year_ago), end=str(today)).status_code == 422
    assert api.get("components/nosuchcompon/uptime").status_code == 404

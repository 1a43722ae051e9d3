"""`component_uptime`: Statuspage's ComponentUptime for the management API, worked out by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from statuspage.api.uptime import component_uptime, parse_partial_date
from statuspage.status import services
from statuspage.status.models import Component, Incident

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def app(components) -> Component:
    """Counted from 2026-06-01; a partial outage 2026-10-03 12:00 to 10-06 06:00 (Shanghai)."""
    app = components["app"]
    Component.objects.filter(pk=app.pk).update(start_date=date(2026, 6, 1))
    app.refresh_from_db()
    outage = services.open_incident(
        Incident(name="App login errors"),
        body="Some logins fail.",
        component_statuses={app: "partial_outage"},
        at=datetime(2026, 10, 3, 12, 0, tzinfo=SHANGHAI),
    )
    services.resolve(outage, at=datetime(2026, 10, 6, 6, 0, tzinfo=SHANGHAI))
    outage.refresh_from_db()
    app.outage = outage
    return app


def today() -> date:
    return timezone.localdate(timezone=SHANGHAI)


def test_it_has_statuspage_s_shape_and_hand_computed_figures(app):
    result = component_uptime(app, date(2026, 10, 1), date(2026, 10, 7))
    partial = 12 * 3600 + 86400 + 86400 + 6 * 3600  # 237 600 s
    assert result == {
        "range_start": "2026-10-01",
        "range_end": "2026-10-07",
        # 7 days = 604 800 s; downtime = 0.3 × 237 600 = 71 280 s
        "uptime_percentage": round(100 * (1 - 71280 / 604800), 2),
        "major_outage": 0,
        "partial_outage": partial,
        "warnings": [],
        "id": app.pk,
        "name": "App",
        "related_events": [{"id": app.outage.pk}],
    }
    assert result["uptime_percentage"] == 88.21


def test_days_outside_the_outage_are_fully_up(app):
    result = component_uptime(app, date(2026, 9, 1), date(2026, 9, 30))
    assert (result["uptime_percentage"], result["partial_outage"]) == (100.0, 0)
    assert result["related_events"] == []


def test_the_default_range_is_the_last_90_days_from_the_start_date_at_the_earliest(app):
    result = component_uptime(app)
    assert result["range_end"] == today().isoformat()
    assert result["range_start"] == (today() - timedelta(days=90)).isoformat()
    assert result["warnings"] == []

    young = Component.objects.get(pk=app.pk)
    Component.objects.filter(pk=app.pk).update(start_date=today() - timedelta(days=10))
    young.refresh_from_db()
    assert component_uptime(young)["range_start"] == (today() - timedelta(days=10)).isoformat()


def test_an_end_after_today_is_moved_back_with_statuspage_s_warning(app):
    result = component_uptime(app, today() - timedelta(days=7), today() + timedelta(days=3))
    assert result["range_end"] == today().isoformat()
    assert result["warnings"] == [
        "End date was adjusted to today. See range_end field in response for end date used."
    ]


def test_a_start_before_the_start_date_is_moved_forward_with_a_warning(app):
    result = component_uptime(app, date(2026, 5, 20), date(2026, 10, 7))
    assert result["range_start"] == "2026-06-01"
    assert result["warnings"] == [
        "Start date was adjusted to the component's start date. "
        "See range_start field in response for start date used."
    ]
    assert result["partial_outage"] == 237600


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 10, 7), date(2026, 10, 1), "must not be before the start"),
        (date(2026, 6, 1), date(2026, 12, 1), "at most six calendar months"),
        (date(2026, 6, 15), date(2026, 12, 15), "at most six calendar months"),
        (date(2026, 1, 1), date(2026, 3, 1), "counted from 2026-06-01"),
    ],
)
def test_a_bad_range_is_refused_with_a_clear_message(app, start, end, message):
    with pytest.raises(ValidationError, match=message):
        component_uptime(app, start, end)


def test_six_calendar_months_are_allowed(app):
    result = component_uptime(app, date(2026, 6, 1), date(2026, 11, 30))
    assert result["range_end"] == min(date(2026, 11, 30), today()).isoformat()


def test_maintenance_is_not_a_related_event(app, components):
    start = datetime(2026, 10, 3, 1, 0, tzinfo=SHANGHAI)
    Incident.objects.create(
        kind="maintenance",
        name="Past upgrade",
        status="completed",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
        started_at=start,
        resolved_at=start + timedelta(hours=1),
    ).components.add(app)
    result = component_uptime(app, date(2026, 10, 1), date(2026, 10, 7))
    assert result["related_events"] == [{"id": app.outage.pk}]


@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [
        ("2026", False, date(2026, 1, 1)),
        ("2026", True, date(2026, 12, 31)),
        ("2026-02", False, date(2026, 2, 1)),
        ("2026-02", True, date(2026, 2, 28)),
        ("2026-02-14", True, date(2026, 2, 14)),
    ],
)
def test_partial_dates_mean_the_first_or_last_day(value, end, expected):
    assert parse_partial_date(value, end=end) == expected


@pytest.mark.parametrize("value", ["", "yesterday", "2026-13", "2026-02-30", "1-2-3-4"])
def test_a_malformed_date_is_refused(value):
    with pytest.raises(ValidationError, match="is not a date"):
        parse_partial_date(value)

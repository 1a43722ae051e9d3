"""Daily uptime: seconds per status per day of the page's time zone, from the status-change log.

Expectations are worked out by hand from the times below.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from statuspage.lib.redis import redis_client
from statuspage.status import services, signals, tasks, uptime
from statuspage.status.models import Component, DailyUptime, Incident, Page

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def counted_from(component: Component, day: date) -> Component:
    Component.objects.filter(pk=component.pk).update(start_date=day)
    component.refresh_from_db()
    return component


def change(component: Component, status: str, at: datetime) -> None:
    services.apply_component_statuses({component: status}, cause="operator", at=at)


def day_row(component: Component, day: date) -> dict:
    return DailyUptime.objects.filter(component=component, day=day).values(
        "observed_seconds", "major_seconds", "partial_seconds", "degraded_seconds",
        "maintenance_seconds",
    ).get()  # fmt: skip


def test_an_outage_across_midnight_is_split_at_the_page_s_midnight(components):
    app = counted_from(components["app"], date(2026, 10, 1))
    change(app, "major_outage", datetime(2026, 10, 10, 23, 30, tzinfo=SHANGHAI))
    change(app, "operational", datetime(2026, 10, 11, 0, 45, tzinfo=SHANGHAI))

    # 15:30–16:45 UTC is one UTC day, but two days on a page in Asia/Shanghai.
    assert day_row(app, date(2026, 10, 10))["major_seconds"] == 30 * 60
    assert day_row(app, date(2026, 10, 11))["major_seconds"] == 45 * 60
    assert day_row(app, date(2026, 10, 12))["major_seconds"] == 0
    assert day_row(app, date(2026, 10, 10))["observed_seconds"] == 86400


def test_a_partial_outage_over_several_days_fills_each_day(components):
    app = counted_from(components["app"], date(2026, 10, 1))
    change(app, "partial_outage", datetime(2026, 10, 3, 12, 0, tzinfo=SHANGHAI))
    change(app, "operational", datetime(2026, 10, 6, 6, 0, tzinfo=SHANGHAI))

    partial = [day_row(app, date(2026, 10, d))["partial_seconds"] for d in range(2, 8)]
    assert partial == [0, 12 * 3600, 86400, 86400, 6 * 3600, 0]
    assert uptime.Totals(observed=86400, partial=86400).downtime == 0.3 * 86400


def test_degraded_performance_and_maintenance_are_not_downtime(components):
    app = counted_from(components["app"], date(2026, 10, 1))
    change(app, "degraded_performance", datetime(2026, 10, 5, 8, 0, tzinfo=SHANGHAI))
    change(app, "under_maintenance", datetime(2026, 10, 5, 9, 0, tzinfo=SHANGHAI))
    change(app, "operational", datetime(2026, 10, 5, 11, 0, tzinfo=SHANGHAI))

    row = DailyUptime.objects.get(component=app, day=date(2026, 10, 5))
    assert (row.degraded_seconds, row.maintenance_seconds, row.downtime_seconds) == (3600, 7200, 0)
    totals = uptime.Totals.of(row)
    assert totals.uptime_percentage == 100.0
    assert totals.percentage_with_maintenance == round(100 * (1 - 7200 / 86400), 2) == 91.67


def test_days_follow_daylight_saving_time_in_the_page_s_zone(components, clock):
    """America/New_York: 2026-03-08 has 23 hours, 2026-11-01 has 25."""
    clock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))  # days are counted up to today
    page = Page.get()
    page.time_zone = "America/New_York"
    services.save_page(page)
    app = counted_from(components["app"], date(2026, 3, 1))
    change(app, "major_outage", datetime(2026, 3, 7, 22, 0, tzinfo=NEW_YORK))  # 03:00 UTC
    change(app, "operational", datetime(2026, 3, 8, 5, 0, tzinfo=NEW_YORK))  # 09:00 UTC

    before, during = day_row(app, date(2026, 3, 7)), day_row(app, date(2026, 3, 8))
    assert (before["observed_seconds"], before["major_seconds"]) == (86400, 2 * 3600)
    # Midnight EST to 05:00 EDT is five hours on the clock but four in fact.
    assert (during["observed_seconds"], during["major_seconds"]) == (23 * 3600, 4 * 3600)
    assert day_row(app, date(2026, 11, 1))["observed_seconds"] == 25 * 3600


def test_days_before_the_start_date_are_not_counted(components):
    app = counted_from(components["app"], date(2026, 10, 20))
    change(app, "major_outage", datetime(2026, 10, 18, 12, 0, tzinfo=SHANGHAI))
    change(app, "operational", datetime(2026, 10, 20, 1, 0, tzinfo=SHANGHAI))

    assert not DailyUptime.objects.filter(component=app, day__lt=date(2026, 10, 20)).exists()
    assert day_row(app, date(2026, 10, 20))["major_seconds"] == 3600  # the outage ran into it


def test_a_component_made_after_midnight_in_shanghai_is_counted_from_that_day(db, clock):
    """Without a start date a component is counted from the day it was made on the page's
    clock: made at 01:00 on Dec 2 in Shanghai (17:00 on Dec 1 in UTC), it has no row for Dec 1,
    which would otherwise count a whole day of uptime before it existed."""
    clock(datetime(2026, 12, 2, 1, 0, tzinfo=SHANGHAI))
    made = services.save_component(Component(name_en="Repayment", name_zh_hans="还款"))
    uptime.refresh_all()
    assert made.counted_from(SHANGHAI) == date(2026, 12, 2)
    days = DailyUptime.objects.filter(component=made).values_list("day", flat=True)
    assert list(days) == [date(2026, 12, 2)]


def test_rows_are_written_in_the_same_transaction_as_the_change(components):
    app = counted_from(components["app"], timezone.localdate(timezone=SHANGHAI) - timedelta(days=3))

    def outbox_down(**kwargs):
        raise RuntimeError("outbox unavailable")

    signals.update_published.connect(outbox_down)
    try:
        with pytest.raises(RuntimeError):
            services.open_incident(
                Incident(name="App down"), body="Down.", component_statuses={app: "major_outage"}
            )
    finally:
        signals.update_published.disconnect(outbox_down)
    assert not DailyUptime.objects.exists()

    services.open_incident(
        Incident(name="App down"), body="Down.", component_statuses={app: "major_outage"}
    )
    assert DailyUptime.objects.filter(component=app).count() == 4  # three days ago to today


def test_beat_fills_in_every_day_and_moves_the_page_only_when_figures_change(components, clock):
    # Noon in Shanghai: "five minutes later" stays the same day there (run near its midnight,
    # a new day's row for every component would be counted too). Tomorrow's noon, not a fixed
    # date: the components were made just now, and a clock set before then would find them
    # not yet counted (from 2026-12-01 on, noon of 2026-11-30 did).
    tomorrow = timezone.localdate(timezone=SHANGHAI) + timedelta(days=1)
    clock(datetime.combine(tomorrow, time(12, 0), tzinfo=SHANGHAI))
    app = counted_from(
        components["app"], timezone.localdate(timezone=SHANGHAI) - timedelta(days=30)
    )
    now = timezone.now()
    assert uptime.refresh_all(now) == len(components)
    assert DailyUptime.objects.filter(component=app).count() == 31

    version = Page.get().version
    assert uptime.refresh_all(now) == 0
    assert Page.get().version == version

    change(app, "major_outage", now - timedelta(minutes=1))
    later = now + timedelta(minutes=5)
    assert uptime.refresh_all(later) == 1  # the running outage grew
    assert Page.get().version == version + 1
    today = timezone.localdate(later, SHANGHAI)
    assert day_row(app, today)["major_seconds"] == pytest.approx(6 * 60, abs=2)


def test_the_beat_task_refreshes(components):
    counted_from(components["app"], timezone.localdate(timezone=SHANGHAI) - timedelta(days=2))
    redis_client().flushdb()
    assert tasks.refresh_uptime.apply().get() == len(components)
    assert DailyUptime.objects.filter(component=components["app"]).count() == 3


def test_a_new_page_time_zone_recomputes_the_days(components):
    app = counted_from(components["app"], date(2026, 10, 1))
    change(app, "major_outage", datetime(2026, 10, 10, 23, 30, tzinfo=SHANGHAI))
    change(app, "operational", datetime(2026, 10, 11, 0, 45, tzinfo=SHANGHAI))

    page = Page.get()
    page.time_zone = "UTC"
    services.save_page(page)
    uptime.refresh_all()
    assert day_row(app, date(2026, 10, 10))["major_seconds"] == 75 * 60
    assert day_row(app, date(2026, 10, 11))["major_seconds"] == 0
    assert set(DailyUptime.objects.values_list("time_zone", flat=True)) == {"UTC"}

"""Recurring maintenance: windows are scheduled ahead, once each, right across clock changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from statuspage.status import maintenance, services, tasks
from statuspage.status.models import AlternativeChannel, Component, Incident, RecurringMaintenance


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def weekly_sunday(components, **fields) -> RecurringMaintenance:
    """Every Sunday 02:00–04:00 Asia/Shanghai, on the credit and limit steps."""
    values = {
        "name": "Weekly database maintenance",
        "body": "Routine database work.",
        "frequency": "weekly",
        "weekdays": "SU",
        "start_time": time(2, 0),
        "duration_minutes": 120,
        "time_zone": "Asia/Shanghai",
        "starts_on": timezone.localdate(),
        "remind_prior": True,
        **fields,
    }
    hotline = AlternativeChannel.objects.create(
        label_zh_hans="客服热线", label_en="Customer service hotline", phone="+864008208820"
    )
    return services.save_recurring_maintenance(
        RecurringMaintenance(**values),
        [components["credit"], components["limit"]],
        channels=[hotline],
    )


def test_saving_schedules_the_windows_ahead_as_ordinary_maintenance(components, settings):
    settings.MAINTENANCE_AHEAD_DAYS = 14
    schedule = weekly_sunday(components)

    windows = list(Incident.objects.filter(recurrence=schedule).order_by("scheduled_for"))
    assert len(windows) == 2  # two Sundays in any fourteen days
    zone = schedule.zone
    for window in windows:
        local = window.scheduled_for.astimezone(zone)
        assert (local.weekday(), local.hour, local.minute) == (6, 2, 0)
        assert window.scheduled_until - window.scheduled_for == timedelta(hours=2)
        assert window.scheduled_for > timezone.now()
        assert window.status == "scheduled"
        assert window.kind == "maintenance"
        assert window.cause == "maintenance"
        assert window.scheduled_remind_prior
        assert window.scheduled_auto_in_progress and window.scheduled_auto_completed
        assert [c.label_en for c in window.channels.all()] == ["Customer service hotline"]
        assert window.updates.get().body == "Routine database work."
        assert set(window.components.all()) == {components["credit"], components["limit"]}
    assert windows[1].scheduled_for - windows[0].scheduled_for == timedelta(days=7)


def test_generating_again_creates_nothing_and_a_cancelled_window_stays_cancelled(
    components, settings
):
    settings.MAINTENANCE_AHEAD_DAYS = 14
    schedule = weekly_sunday(components)
    first, second = Incident.objects.filter(recurrence=schedule).order_by("scheduled_for")
    services.delete_incident(first)  # the operator cancels one week

    assert maintenance.schedule_recurring() == 0
    assert tasks.schedule_recurring_maintenance.apply().get() == 0
    assert list(Incident.objects.filter(recurrence=schedule)) == [second]


def test_windows_are_added_as_they_come_within_reach(components, settings):
    settings.MAINTENANCE_AHEAD_DAYS = 7
    schedule = weekly_sunday(components)
    assert Incident.objects.filter(recurrence=schedule).count() == 1

    assert maintenance.schedule_recurring(timezone.now() + timedelta(days=7)) == 1
    assert Incident.objects.filter(recurrence=schedule).count() == 2


def test_generated_windows_run_themselves(components, settings):
    settings.MAINTENANCE_AHEAD_DAYS = 7
    window = Incident.objects.get(recurrence=weekly_sunday(components))
    maintenance.run_due(window.scheduled_for + timedelta(minutes=1))
    assert Component.objects.get(pk=components["credit"].pk).status == "under_maintenance"
    maintenance.run_due(window.scheduled_until + timedelta(minutes=1))
    assert Component.objects.get(pk=components["credit"].pk).status == "operational"


def test_berlin_windows_keep_their_wall_clock_time_across_both_clock_changes():
    """Europe/Berlin: clocks go forward 2026-03-29 02:00 and back 2026-10-25 03:00."""
    schedule = RecurringMaintenance(
        frequency="weekly",
        weekdays="SU",
        start_time=time(2, 0),
        duration_minutes=120,
        time_zone="Europe/Berlin",
        starts_on=date(2026, 1, 1),
    )
    spring = schedule.windows(utc(2026, 3, 21), utc(2026, 4, 6))
    assert spring == [
        (utc(2026, 3, 22, 1), utc(2026, 3, 22, 3)),  # 02:00–04:00 CET
        (utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)),  # 02:00 does not exist: 03:00–04:00 CEST
        (utc(2026, 4, 5, 0), utc(2026, 4, 5, 2)),  # 02:00–04:00 CEST
    ]
    autumn = schedule.windows(utc(2026, 10, 17), utc(2026, 11, 2))
    assert autumn == [
        (utc(2026, 10, 18, 0), utc(2026, 10, 18, 2)),  # CEST
        (utc(2026, 10, 25, 0), utc(2026, 10, 25, 3)),  # first 02:00 (CEST) to 04:00 CET: 3 h
        (utc(2026, 11, 1, 1), utc(2026, 11, 1, 3)),  # CET
    ]


def test_new_york_daily_windows_follow_the_offset_change():
    """America/New_York: UTC-5 until 2026-03-08 02:00, UTC-4 after."""
    schedule = RecurringMaintenance(
        frequency="daily",
        start_time=time(23, 30),
        duration_minutes=60,
        time_zone="America/New_York",
        starts_on=date(2026, 3, 1),
    )
    assert [start for start, _ in schedule.windows(utc(2026, 3, 7), utc(2026, 3, 10))] == [
        utc(2026, 3, 7, 4, 30),
        utc(2026, 3, 8, 4, 30),  # Mar 7, 23:30 EST
        utc(2026, 3, 9, 3, 30),  # Mar 8, 23:30 EDT
    ]


def test_a_schedule_repeats_every_other_week_on_several_days_until_its_last_day():
    schedule = RecurringMaintenance(
        frequency="weekly",
        interval=2,
        weekdays="TU,TH",
        start_time=time(1, 0),
        duration_minutes=30,
        time_zone="Asia/Shanghai",
        starts_on=date(2026, 6, 1),  # a Monday
        ends_on=date(2026, 6, 30),
    )
    days = [
        s.astimezone(schedule.zone).date()
        for s, _ in schedule.windows(utc(2026, 5, 1), utc(2026, 8, 1))
    ]
    assert days == [
        date(2026, 6, 2),
        date(2026, 6, 4),
        date(2026, 6, 16),
        date(2026, 6, 18),
        date(2026, 6, 30),
    ]


def test_an_edit_replaces_the_windows_ahead_and_keeps_the_rest(components, settings):
    settings.MAINTENANCE_AHEAD_DAYS = 14
    schedule = weekly_sunday(components)
    old = set(Incident.objects.filter(recurrence=schedule).values_list("pk", flat=True))

    schedule.start_time = time(3, 0)
    services.save_recurring_maintenance(schedule, [components["credit"]])

    windows = Incident.objects.filter(recurrence=schedule)
    assert len(windows) == 2
    assert not old & {w.pk for w in windows}
    for window in windows:
        assert window.scheduled_for.astimezone(schedule.zone).hour == 3
        assert list(window.components.all()) == [components["credit"]]


def test_pausing_or_deleting_a_schedule_removes_only_windows_not_yet_begun(components, settings):
    settings.MAINTENANCE_AHEAD_DAYS = 14
    schedule = weekly_sunday(components)
    running = Incident.objects.filter(recurrence=schedule).order_by("scheduled_for").first()
    maintenance.run_due(running.scheduled_for + timedelta(minutes=1))

    schedule.active = False
    services.save_recurring_maintenance(schedule, [components["credit"], components["limit"]])
    assert list(Incident.objects.filter(recurrence=schedule)) == [running]
    assert maintenance.schedule_recurring() == 0

    services.delete_recurring_maintenance(schedule)
    running.refresh_from_db()
    assert running.status == "in_progress"
    assert running.recurrence is None
    assert not RecurringMaintenance.objects.exists()


def test_a_daily_schedule_generates_one_window_a_day_up_to_the_horizon(components, settings):
    settings.MAINTENANCE_AHEAD_DAYS = 30
    schedule = services.save_recurring_maintenance(
        RecurringMaintenance(
            name="Batch",
            body="Batch.",
            frequency="daily",
            start_time=time(4, 0),
            duration_minutes=15,
            time_zone="Asia/Shanghai",
            starts_on=timezone.localdate() + timedelta(days=1),
        ),
        [components["app"]],
    )
    starts = list(
        Incident.objects.filter(recurrence=schedule)
        .order_by("scheduled_for")
        .values_list("scheduled_for", flat=True)
    )
    assert {b - a for a, b in itertools.pairwise(starts)} == {timedelta(days=1)}
    assert len(starts) in (29, 30)  # depends on whether 04:00 today is already past
    assert starts[-1] <= timezone.now() + timedelta(days=30)


def test_a_monthly_schedule_skips_months_without_its_day():
    schedule = RecurringMaintenance(
        frequency="monthly",
        start_time=time(1, 0),
        duration_minutes=60,
        time_zone="Asia/Shanghai",
        starts_on=date(2026, 1, 31),
    )
    days = [
        s.astimezone(schedule.zone).date()
        for s, _ in schedule.windows(utc(2026, 1, 1), utc(2026, 6, 1))
    ]
    assert days == [date(2026, 1, 31), date(2026, 3, 31), date(2026, 5, 31)]

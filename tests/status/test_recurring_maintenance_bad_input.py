"""Bad recurring schedules get a clear error and nothing is saved, by the service or the console."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import Incident, RecurringMaintenance

ADD = "/admin/status/recurringmaintenance/add/"
TODAY = timezone.localdate()
NEXT_TUESDAY = TODAY + timedelta(days=(1 - TODAY.weekday()) % 7 or 7)


def schedule(**fields) -> RecurringMaintenance:
    values = {
        "name": "Weekly database maintenance",
        "body": "Routine work.",
        "frequency": "weekly",
        "weekdays": "SU",
        "start_time": time(2, 0),
        "duration_minutes": 120,
        "time_zone": "Asia/Shanghai",
        "starts_on": timezone.localdate(),
        **fields,
    }
    return RecurringMaintenance(**values)


def form(components, **overrides) -> dict:
    data = {
        "name_zh_hans": "每周数据库维护",
        "name_en": "Weekly database maintenance",
        "body_zh_hans": "例行维护。",
        "body_en": "Routine work.",
        "frequency": "weekly",
        "interval": "1",
        "weekdays": ["SU"],
        "start_time": "02:00",
        "duration_minutes": "120",
        "time_zone": "Asia/Shanghai",
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
        "components": [components["credit"].pk],
        "auto_in_progress": "on",
        "auto_completed": "on",
        "active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"time_zone": "Asia/Beijing"}, "time_zone", "not a known time zone"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "not a known time zone"),
        (
            {"ends_on": timezone.localdate() - timedelta(days=7)},
            "ends_on",
            "must not be before the first day",
        ),
        (
            {
                "starts_on": timezone.localdate() - timedelta(days=60),
                "ends_on": timezone.localdate() - timedelta(days=7),
            },
            "ends_on",
            "already passed",
        ),
        ({"weekdays": ""}, "weekdays", "Choose the days"),
        ({"weekdays": "SU,XX"}, "weekdays", "Unknown day: XX"),
        ({"frequency": "daily", "duration_minutes": 25 * 60}, "duration_minutes", "overlap"),
        ({"weekdays": "SA,SU", "duration_minutes": 30 * 60}, "duration_minutes", "overlap"),
        ({"duration_minutes": 0}, "duration_minutes", "greater than or equal to 1"),
        (
            {"weekdays": "MO", "starts_on": NEXT_TUESDAY, "ends_on": NEXT_TUESDAY + timedelta(1)},
            "starts_on",
            "never produce a window",
        ),
    ],
)
def test_a_bad_schedule_is_refused_with_a_clear_message(components, fields, field, message):
    with pytest.raises(ValidationError) as caught:
        services.save_recurring_maintenance(schedule(**fields), [components["credit"]])
    assert message in " ".join(caught.value.message_dict[field])
    assert not RecurringMaintenance.objects.exists()
    assert not Incident.objects.exists()


def test_windows_overlapping_another_schedule_on_a_shared_component_are_refused(components):
    services.save_recurring_maintenance(schedule(), [components["credit"], components["limit"]])
    clash = schedule(name="Sunday limit rebuild", start_time=time(3, 30), duration_minutes=60)
    with pytest.raises(ValidationError, match="overlap “Weekly database maintenance”"):
        services.save_recurring_maintenance(clash, [components["limit"]])
    assert RecurringMaintenance.objects.count() == 1
    assert Incident.objects.exclude(recurrence__name="Weekly database maintenance").count() == 0


def test_the_same_hours_are_fine_on_other_components_or_other_days(components):
    services.save_recurring_maintenance(schedule(), [components["credit"]])
    services.save_recurring_maintenance(schedule(name="App release"), [components["app"]])
    services.save_recurring_maintenance(
        schedule(name="Saturday credit work", weekdays="SA"), [components["credit"]]
    )
    assert RecurringMaintenance.objects.count() == 3


def test_an_operator_sets_up_a_recurring_window_in_the_console(operator_client, components):
    response = operator_client.post(ADD, form(components))
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = RecurringMaintenance.objects.get()
    assert created.weekday_codes == ["SU"]
    assert list(created.components.all()) == [components["credit"]]
    assert Incident.objects.filter(recurrence=created).exists()
    page = operator_client.get(f"/admin/status/recurringmaintenance/{created.pk}/change/")
    assert page.status_code == 200
    assert "02:00" in page.content.decode()  # the scheduled windows are listed


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"time_zone": "Nowhere/Special"}, "not a known time zone"),
        ({"weekdays": []}, "Choose the days"),
        ({"frequency": "daily", "duration_minutes": "1500"}, "overlap"),
        ({"ends_on": "2020-01-01"}, "must not be before the first day"),
    ],
)
def test_the_console_shows_the_error_and_saves_nothing(
    operator_client, components, overrides, message
):
    response = operator_client.post(ADD, form(components, **overrides))
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors)
    assert not RecurringMaintenance.objects.exists()
    assert not Incident.objects.exists()


def test_the_console_refuses_an_overlap_with_another_schedule(operator_client, components):
    services.save_recurring_maintenance(schedule(), [components["credit"]])
    response = operator_client.post(
        ADD, form(components, name_zh_hans="冲突", start_time="03:00", duration_minutes="30")
    )
    assert response.status_code == 200
    assert "overlap" in str(response.context["adminform"].form.errors)
    assert RecurringMaintenance.objects.count() == 1


def test_operators_may_manage_schedules_and_self_help(operator):
    for action in ("view", "add", "change", "delete"):
        assert operator.has_perm(f"status.{action}_recurringmaintenance")
        assert operator.has_perm(f"status.{action}_selfhelptopic")
    assert not operator.has_perm("status.change_dailyuptime")

"""Issue 13: operators are told by email, once and after the commit, when a monitor changes a
component, when a draft waits, when a component stays off operational with no published
incident (30 min, 1 h, 3 h), and when monitoring itself fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from statuspage.monitors import probing, reminders, signals
from statuspage.monitors.models import Probe, Reminder
from statuspage.status import services
from statuspage.status.models import Incident


@pytest.fixture(autouse=True)
def operators(operator, settings):
    operator.email = "olga@example.com"
    operator.save()
    settings.ADMINS = [("Ops", "ops@example.com")]


@pytest.fixture
def failing(components, target, add_probe):
    probe = add_probe(
        components["disbursement"], target.url, degraded_after=2, outage_after=2, recover_after=1
    )
    target.mode = "error"
    return probe


def run(probe: Probe, times: int = 1) -> None:
    for _ in range(times):
        probing.run([Probe.objects.get(pk=probe.pk)])


def test_a_monitors_change_and_its_draft_are_told_once_after_the_commit(failing, commit):
    commit(run, failing)  # one failure: nothing moves, nobody is told
    assert mail.outbox == []
    commit(run, failing)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olga@example.com", "ops@example.com"]
    # In the page's default language, as every operator alert.
    assert message.subject == "草稿事件待发布：放款现为严重中断"
    draft = Incident.objects.get()
    assert f"/admin/status/incident/{draft.pk}/change/" in message.body
    assert "访客看不到它" in message.body
    commit(run, failing)  # still failing: nothing new to tell
    assert len(mail.outbox) == 1


def test_a_change_that_rolls_back_tells_no_one(failing, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        run(failing, 2)
        raise RuntimeError("rolled back")
    assert mail.outbox == []


def test_recovery_is_told_too(failing, target, commit):
    commit(run, failing, 2)
    target.mode = "healthy"
    commit(run, failing)
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "监控：放款现为正常"
    assert not Incident.objects.exists()


def test_an_incident_published_at_once_is_said_so(failing, commit):
    failing.publish_automatically = True
    signals.save_probe(failing)
    commit(run, failing, 2)
    assert len(mail.outbox) == 1
    assert "已立即发布" in mail.outbox[0].body


def test_reminders_at_30_minutes_1_hour_and_3_hours_each_once(components, clock, commit):
    start = timezone.now()
    clock(start)
    services.set_component_status(components["credit"], "partial_outage")
    for minutes, expected in [(29, 0), (31, 1), (45, 1), (61, 2), (62, 2), (181, 3), (500, 3)]:
        clock(start + timedelta(minutes=minutes))
        commit(reminders.remind)
        commit(reminders.remind)  # a second beat at once claims nothing
        assert len(mail.outbox) == expected, minutes
    assert [m.subject for m in mail.outbox] == [
        "仍未发布事件：信用评估已部分中断 30 分钟",
        "仍未发布事件：信用评估已部分中断 1 小时",
        "仍未发布事件：信用评估已部分中断 3 小时",
    ]
    assert "/admin/status/incident/add/" in mail.outbox[0].body
    assert Reminder.objects.count() == 3


def test_a_new_episode_is_reminded_again(components, clock, commit):
    start = timezone.now()
    clock(start)
    services.set_component_status(components["credit"], "major_outage")
    clock(start + timedelta(minutes=31))
    commit(reminders.remind)
    services.set_component_status(components["credit"], "operational")
    services.set_component_status(components["credit"], "major_outage")
    clock(start + timedelta(minutes=62))
    commit(reminders.remind)
    assert len(mail.outbox) == 2
    assert "30 分钟" in mail.outbox[1].subject


def test_no_reminder_while_a_published_incident_tells_visitors(open_outage, clock, commit):
    open_outage()  # disbursement down, with an incident
    clock(timezone.now() + timedelta(minutes=40))
    commit(reminders.remind)
    assert mail.outbox == []


def test_maintenance_only_scheduled_does_not_silence_reminders(
    components, schedule_maintenance, clock, commit
):
    from datetime import UTC, datetime

    schedule_maintenance("Upgrade", datetime.now(UTC) + timedelta(days=1))  # credit, tomorrow
    start = timezone.now()
    clock(start)
    services.set_component_status(components["credit"], "major_outage")
    clock(start + timedelta(minutes=31))
    commit(reminders.remind)
    assert len(mail.outbox) == 1


def test_a_reminder_points_at_the_waiting_draft(failing, clock, commit):
    run(failing, 2)
    draft = Incident.objects.get()
    clock(timezone.now() + timedelta(minutes=31))
    commit(reminders.remind)
    assert len(mail.outbox) == 1
    assert f"/admin/status/incident/{draft.pk}/change/" in mail.outbox[0].body


def test_monitoring_itself_failing_is_told_once_per_episode(
    components, target_factory, add_probe, commit
):
    targets = [target_factory() for _ in range(2)]
    for key, target in zip(["credit", "limit"], targets, strict=True):
        add_probe(components[key], target.url, degraded_after=1, outage_after=1)
        target.stop()
    commit(probing.run, list(Probe.objects.all()))
    commit(probing.run, list(Probe.objects.all()))
    assert [m.subject for m in mail.outbox] == ["监控本身出现故障"]
    assert "探测未改变任何组件" in mail.outbox[0].body


def test_a_refusing_mail_server_does_not_fail_the_monitor(failing, commit, settings):
    settings.EMAIL_BACKEND = "tests.monitors.test_operator_alerts.Refusing"
    commit(run, failing, 2)
    assert Incident.objects.drafts().count() == 1


class Refusing:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")

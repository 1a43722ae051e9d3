"""A promise that passes unmet — an expected recovery, a "next update by" — is flagged once in
the admin, moves the page version (the page says the time is being reassessed) and is emailed to
the operators once, after the commit. A new promise clears the flag; two beats flag once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connections
from django.utils import translation

from statuspage.lib.zones import zone_label
from statuspage.status import overdue, services, tasks
from statuspage.status.models import Incident, Page

OPENED = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # 13:00 in Beijing
RECOVERY = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # 15:30 in Beijing


@pytest.fixture
def reachable(operator, outsider, settings) -> None:
    """The operator and a superuser have addresses; so has a staff member who may not change
    incidents (not told); ADMINS are told too."""
    operator.email = "olga@example.com"
    operator.save()
    outsider.email = "sam@example.com"
    outsider.save()
    User.objects.create_superuser("root", "root@example.com", "root-password-1")
    User.objects.create_user("gone", "gone@example.com", is_staff=True, is_active=False)
    settings.ADMINS = [("Ops", "ops@example.com")]


@pytest.fixture
def late(clock, open_outage) -> Incident:
    """An outage opened at 13:00 Beijing time, expected back at 15:30."""
    clock(OPENED)
    return open_outage(expected_recovery_at=RECOVERY)


def version() -> int:
    return Page.objects.values_list("version", flat=True).get()


def test_a_passed_expected_recovery_is_flagged_once_and_emailed_once(
    late, reachable, mailbox, commit
):
    assert commit(overdue.flag_overdue, RECOVERY - timedelta(seconds=1)) == 0
    before = version()

    assert commit(overdue.flag_overdue, RECOVERY) == 1
    late.refresh_from_db()
    assert late.recovery_overdue_alerted_at == RECOVERY
    assert version() == before + 1  # cached pages re-render: "being reassessed"

    [message] = mailbox.wait_for(1)
    # In the page's default language (zh-hans), times in its zone with the zone named.
    assert message["Subject"].strip() == "预计恢复时间已过：Disbursement failing"
    to = {a.addr_spec for a in message["To"].addresses}
    assert to == {"olga@example.com", "root@example.com", "ops@example.com"}
    text = message.get_body(("plain",)).get_content()
    assert "2026-11-30 15:30" in text
    with translation.override("zh-hans"):
        assert zone_label(ZoneInfo("Asia/Shanghai")) in text
    assert f"/admin/status/incident/{late.pk}/change/" in text

    assert commit(overdue.flag_overdue, RECOVERY + timedelta(minutes=5)) == 0
    assert version() == before + 1
    with pytest.raises(AssertionError):
        mailbox.wait_for(2, timeout=1)


def test_a_missed_next_update_is_flagged_once_and_emailed_once(
    clock, open_outage, reachable, mailbox, commit
):
    clock(OPENED)
    outage = open_outage()
    promised = OPENED + timedelta(minutes=30)
    services.post_update(outage, status="identified", body="找到原因了。", next_update_by=promised)
    assert commit(overdue.flag_overdue, promised - timedelta(seconds=1)) == 0

    assert commit(overdue.flag_overdue, promised) == 1
    outage.refresh_from_db()
    assert outage.next_update_overdue_alerted_at == promised
    assert commit(overdue.flag_overdue, promised + timedelta(minutes=1)) == 0
    [message] = mailbox.wait_for(1)
    assert message["Subject"].strip() == "下次更新已逾期：Disbursement failing"
    assert "13:30" in message.get_body(("plain",)).get_content()


def test_a_new_expected_recovery_clears_the_flag_and_can_be_missed_again(
    late, reachable, mailbox, commit
):
    commit(overdue.flag_overdue, RECOVERY)
    later = RECOVERY + timedelta(hours=1)
    services.edit_incident(late, expected_recovery_at=later)
    late.refresh_from_db()
    assert late.recovery_overdue_alerted_at is None
    assert commit(overdue.flag_overdue, RECOVERY + timedelta(minutes=30)) == 0
    assert commit(overdue.flag_overdue, later) == 1
    assert len(mailbox.wait_for(2)) == 2


def test_a_new_update_answers_a_missed_one(clock, open_outage, commit):
    clock(OPENED)
    outage = open_outage()
    promised = OPENED + timedelta(minutes=30)
    services.post_update(outage, status="identified", body="找到原因了。", next_update_by=promised)
    commit(overdue.flag_overdue, promised)
    services.post_update(outage, status="monitoring", body="已修复，观察中。")
    outage.refresh_from_db()
    assert outage.next_update_overdue_alerted_at is None
    assert commit(overdue.flag_overdue, promised + timedelta(hours=2)) == 0  # nothing promised


def test_closed_incidents_keep_no_promises(late, commit):
    services.resolve(late)
    assert commit(overdue.flag_overdue, RECOVERY + timedelta(hours=1)) == 0


def test_a_claim_is_taken_once(late):
    """The conditional UPDATE: whoever comes second finds the claim gone."""
    missed = Incident.objects.filter(
        overdue.missed_recovery(RECOVERY), recovery_overdue_alerted_at__isnull=True
    )
    assert overdue._claim(missed, late.pk, "recovery_overdue_alerted_at", "recovery", RECOVERY)
    assert not overdue._claim(missed, late.pk, "recovery_overdue_alerted_at", "recovery", RECOVERY)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    and not django_settings.DATABASES["default"].get("TEST", {}).get("NAME"),
    reason="in-memory SQLite is not shared between threads",
)
def test_two_beats_at_once_flag_once(components, reachable, mailbox):
    incident = services.open_incident(
        Incident(name="放款失败", expected_recovery_at=datetime.now(UTC) + timedelta(seconds=1)),
        body="放款失败。",
        component_statuses={components["disbursement"]: "major_outage"},
        notify=False,
    )
    now = incident.expected_recovery_at + timedelta(seconds=1)
    start = threading.Barrier(2)
    counts: list[int] = []

    def beat() -> None:
        start.wait()
        try:
            counts.append(overdue.flag_overdue(now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(counts) == [0, 1]
    mailbox.wait_for(1)
    with pytest.raises(AssertionError):
        mailbox.wait_for(2, timeout=1)


def test_beat_runs_the_task_every_30_seconds(late, commit):
    entry = next(
        e
        for e in django_settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == tasks.flag_overdue_promises.name
    )
    assert entry["schedule"] == 30.0
    Incident.objects.filter(pk=late.pk).update(expected_recovery_at=datetime.now(UTC))
    assert commit(tasks.flag_overdue_promises) == 1


def test_the_incident_list_flags_missed_promises_and_filters_them(
    clock, operator_client, open_outage
):
    clock(OPENED)
    late = open_outage(expected_recovery_at=OPENED + timedelta(minutes=10))
    on_time = open_outage("App slow", down={"app": "degraded_performance"})
    clock(OPENED + timedelta(minutes=20))

    listing = operator_client.get("/admin/status/incident/").text
    assert listing.count("Recovery time passed") >= 2  # the flag, and the filter's choice
    flagged = operator_client.get("/admin/status/incident/", {"missed": "any"})
    assert list(flagged.context["cl"].result_list) == [late]
    recovery = operator_client.get("/admin/status/incident/", {"missed": "recovery"})
    assert list(recovery.context["cl"].result_list) == [late]
    assert on_time not in flagged.context["cl"].result_list


def test_the_console_s_front_page_lists_missed_promises(clock, operator_client, open_outage):
    clock(OPENED)
    open_outage(expected_recovery_at=OPENED + timedelta(minutes=10))
    assert "Missed promises" not in operator_client.get("/admin/").text
    clock(OPENED + timedelta(minutes=20))
    front = operator_client.get("/admin/").text
    assert "Missed promises" in front
    assert "Disbursement failing" in front
    assert "Recovery time passed" in front

"""The console reads and writes times in the page's zone: an operator in Beijing who types 15:30
means 15:30 Beijing time, and every surface then says 15:30 (+08:00) — the page, the email,
/v1 and /api/v2. Lists, history and the status-change log show the same local times, with the
zone named."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone, translation

from statuspage.api.models import ApiKey
from statuspage.lib.zones import zone_label
from statuspage.status.models import Incident, Page
from tests.api.clients import Api
from tests.notify.workers import send_all
from tests.status.admin_forms import ADD, change_form, errors_of, incident_form

# 05:08 UTC is 13:08 in Beijing.
MORNING_UTC = datetime(2026, 11, 30, 5, 8, tzinfo=UTC)


@pytest.fixture
def api(operator) -> Api:
    key = ApiKey.issue(name="alerting", scopes=["read", "write"], created_by=operator)[1]
    return Api(Client(headers={"Accept-Language": "en"}), Page.get().id, key)


def test_15_30_typed_in_the_console_is_15_30_beijing_time_everywhere(
    clock, operator_client, client, components, email_subscriber, mailbox, api
):
    clock(MORNING_UTC)
    email_subscriber("ana@example.com", language="en")
    response = operator_client.post(
        ADD,
        incident_form(
            expected_recovery_at_0="2026-11-30",
            expected_recovery_at_1="15:30",
            **{f"component_{components['disbursement'].pk}": "major_outage"},
        ),
    )
    assert response.status_code == 302, errors_of(response)
    incident = Incident.objects.get()
    assert incident.expected_recovery_at == datetime(2026, 11, 30, 7, 30, tzinfo=UTC)

    assert "15:30" in client.get("/").text

    send_all()
    [message] = mailbox.wait_for(1)
    for part in ("plain", "html"):
        text = message.get_body((part,)).get_content()
        assert "15:30" in text, part
        assert "Beijing time" in text, part  # the zone named as people name it

    v1 = api.get(f"incidents/{incident.pk}").json()
    assert v1["expected_recovery_at"] == "2026-11-30T15:30:00.000+08:00"

    # /api/v2 is Statuspage's shape and has no expected recovery: an update's time, corrected
    # in the console the same way, is what it shows.
    response = operator_client.post(
        f"/admin/status/incident/{incident.pk}/change/",
        change_form(
            incident,
            **{"updates-0-display_at_0": "2026-11-30", "updates-0-display_at_1": "15:30:00"},
        ),
    )
    assert response.status_code == 302, errors_of(response)
    [public] = client.get("/api/v2/summary.json").json()["incidents"]
    assert public["incident_updates"][0]["display_at"] == "2026-11-30T15:30:00.000+08:00"


def test_a_time_is_read_in_the_page_s_zone_whatever_it_is(operator_client, components):
    Page.objects.update(time_zone="Asia/Tokyo")
    response = operator_client.post(
        ADD, incident_form(expected_recovery_at_0="2030-01-02", expected_recovery_at_1="15:30")
    )
    assert response.status_code == 302, errors_of(response)
    assert Incident.objects.get().expected_recovery_at == datetime(2030, 1, 2, 6, 30, tzinfo=UTC)


def test_lists_and_the_status_change_log_show_the_page_s_local_times(
    clock, operator_client, open_outage, components
):
    clock(MORNING_UTC)
    outage = open_outage()
    LogEntry.objects.create(  # an edit in the console, for the incident's history page
        user=User.objects.get(username="olga"),
        content_type=ContentType.objects.get_for_model(Incident),
        object_id=outage.pk,
        object_repr=str(outage),
        action_flag=CHANGE,
        change_message="[]",
    )
    for url in (
        "/admin/status/incident/",
        f"/admin/status/incident/{outage.pk}/history/",
        "/admin/status/statuschange/",
        f"/admin/status/component/{components['disbursement'].pk}/change/",
        f"/admin/status/incident/{outage.pk}/change/",
    ):
        body = operator_client.get(url).text
        assert "13:08" in body, url
        assert "05:08" not in body, url
        assert "Times are Beijing time (UTC+8)." in body, url


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("incident", "expected_recovery_at"),
        ("incident", "next_update_by"),
        ("maintenance", "scheduled_for"),
        ("announcement", "expires_at"),
    ],
)
def test_the_time_fields_name_their_zone(operator_client, components, kind, field):
    form = operator_client.get(f"{ADD}?kind={kind}").context["adminform"].form
    assert "Beijing time (UTC+8)" in str(form.fields[field].help_text), field


def test_the_console_names_the_zone_in_chinese_for_a_chinese_operator(operator, components):
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(operator)
    with translation.override("zh-hans"):
        label = zone_label(ZoneInfo("Asia/Shanghai"))
    body = client.get(ADD).text
    assert f"时间均为{label}。" in body


def test_django_s_server_time_hint_compares_with_the_page_s_zone(operator_client, components):
    """The admin's "you are N hours ahead of server time" note compares the browser's offset
    with `data-admin-utc-offset`; that must be the page's (+8 h), not the server's UTC."""
    assert 'data-admin-utc-offset="28800"' in operator_client.get(ADD).text
    Page.objects.update(time_zone="UTC")
    assert 'data-admin-utc-offset="0"' in operator_client.get(ADD).text


def test_visitors_requests_are_not_in_the_console_s_zone(operator_client, client, components):
    """The zone is activated for the admin only, and not left active for the next request."""
    operator_client.get(ADD)
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_correction_of_an_update_s_time_is_typed_in_local_time(
    clock, operator_client, open_outage
):
    clock(MORNING_UTC)
    outage = open_outage()
    response = operator_client.post(
        f"/admin/status/incident/{outage.pk}/change/",
        change_form(
            outage,
            **{"updates-0-display_at_0": "2026-11-30", "updates-0-display_at_1": "12:45:00"},
        ),
    )
    assert response.status_code == 302, errors_of(response)
    assert outage.updates.get().display_at == datetime(2026, 11, 30, 4, 45, tzinfo=UTC)


def test_a_promised_next_update_is_typed_in_local_time(clock, operator_client, open_outage):
    clock(MORNING_UTC)
    outage = open_outage()
    response = operator_client.post(
        f"/admin/status/incident/{outage.pk}/change/",
        change_form(
            outage,
            message_zh_hans="正在处理。",
            next_update_by_0="2026-11-30",
            next_update_by_1="14:00",
        ),
    )
    assert response.status_code == 302, errors_of(response)
    outage.refresh_from_db()
    assert outage.next_update_by == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    body = operator_client.get(f"/admin/status/incident/{outage.pk}/change/").text
    assert "14:00" in body  # the inline shows the promise in local time

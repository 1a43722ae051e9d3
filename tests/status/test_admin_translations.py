"""Texts borrowers read are typed per language, side by side, each box labelled with its
language's own name; they land in that language's column whatever language the operator's
console is in, and a language left empty falls back to the default (zh-hans)."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.test import Client
from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import (
    AlternativeChannel,
    Function,
    Incident,
    IncidentTemplate,
    RecurringMaintenance,
)
from tests.status.admin_forms import ADD, change_form, errors_of, incident_form


@pytest.fixture
def chinese_console(operator) -> Client:
    """The same operator, their browser asking for Chinese: the console speaks zh-hans."""
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(operator)
    return client


def chinese_visitor() -> Client:
    return Client(headers={"Accept-Language": "zh-hans"})


def test_each_text_is_two_boxes_side_by_side_named_in_their_own_languages(
    operator_client, components
):
    body = operator_client.get(ADD).text
    for field in ("name", "cause_note", "message"):
        row = re.search(rf'<div class="form-row[^"]*field-{field}_zh_hans field-{field}_en"', body)
        assert row, f"{field}: not one row"
        assert f'for="id_{field}_zh_hans">' in body
    assert re.search(r'for="id_name_zh_hans">Title · 简体中文', body)
    assert re.search(r'for="id_name_en">Title · English', body)
    assert re.search(r'for="id_message_en">Message · English', body)


@pytest.mark.parametrize("console", ["operator_client", "chinese_console"])
def test_each_language_lands_in_its_own_column_whatever_the_console_s_language(
    request, console, components
):
    client = request.getfixturevalue(console)
    response = client.post(
        ADD,
        incident_form(
            name_zh_hans="放款失败",
            name_en="Disbursement failing",
            cause_note_zh_hans="合作银行系统故障。",
            cause_note_en="The partner bank's system is down.",
            message_zh_hans="放款暂时失败。",
            message_en="Payouts are failing for now.",
        ),
    )
    assert response.status_code == 302, errors_of(response)
    incident = Incident.objects.get()
    assert (incident.name_zh_hans, incident.name_en) == ("放款失败", "Disbursement failing")
    assert (incident.cause_note_zh_hans, incident.cause_note_en) == (
        "合作银行系统故障。",
        "The partner bank's system is down.",
    )
    update = incident.updates.get()
    assert (update.body_zh_hans, update.body_en) == (
        "放款暂时失败。",
        "Payouts are failing for now.",
    )


def test_each_visitor_reads_their_own_language_and_english_falls_back_to_the_default(
    operator_client, client, components, commit
):
    """Each save commits, as in production, so the page re-renders."""
    response = commit(
        operator_client.post,
        ADD,
        incident_form(
            name_zh_hans="放款失败",
            name_en="",
            message_zh_hans="放款暂时失败。",
            message_en="",
            **{f"component_{components['disbursement'].pk}": "major_outage"},
        ),
    )
    assert response.status_code == 302, errors_of(response)
    english = client.get("/").text
    assert "放款失败" in english  # no English title: the default language's
    assert "放款暂时失败。" in english

    incident = Incident.objects.get()
    response = commit(
        operator_client.post,
        f"/admin/status/incident/{incident.pk}/change/",
        change_form(incident, name_en="Disbursement failing"),
    )
    assert response.status_code == 302, errors_of(response)
    english = client.get("/").text
    assert "Disbursement failing" in english
    assert "放款失败" not in english  # one language at a time
    chinese = chinese_visitor().get("/").text
    assert "放款失败" in chinese
    assert "Disbursement failing" not in chinese


def test_an_update_needs_its_default_language_message_and_only_that(operator_client, outage):
    url = f"/admin/status/incident/{outage.pk}/change/"
    response = operator_client.post(
        url,
        change_form(outage, update_status="identified", message_en="Found the cause."),
    )
    assert response.status_code == 200
    assert "Write a message" in str(response.context["adminform"].form.errors["message_zh_hans"])
    assert outage.updates.count() == 1

    response = operator_client.post(
        url, change_form(outage, update_status="identified", message_zh_hans="已找到原因。")
    )
    assert response.status_code == 302, errors_of(response)
    latest = outage.updates.first()
    assert latest.body_zh_hans == "已找到原因。"
    assert latest.body == "已找到原因。"  # an English reader gets the default's


def test_a_posted_update_is_corrected_per_language(operator_client, outage):
    url = f"/admin/status/incident/{outage.pk}/change/"
    response = operator_client.post(
        url,
        change_form(
            outage,
            **{"updates-0-body_zh_hans": "放款失败。", "updates-0-body_en": "Payouts fail."},
        ),
    )
    assert response.status_code == 302, errors_of(response)
    update = outage.updates.get()
    assert (update.body_zh_hans, update.body_en) == ("放款失败。", "Payouts fail.")


def test_a_template_is_kept_per_language(operator_client, components):
    response = operator_client.post(
        "/admin/status/incidenttemplate/add/",
        {
            "name": "Bank down",
            "kind": "incident",
            "title_zh_hans": "合作银行故障",
            "title_en": "Partner bank down",
            "body_zh_hans": "放款延迟。",
            "body_en": "Payouts are delayed.",
            "update_status": "identified",
            "cause": "third_party",
            "cause_note_zh_hans": "银行系统故障。",
            "cause_note_en": "",
            "reassurances": ["funds_safe"],
            "component_status": "",
            "should_send_notifications": "on",
        },
    )
    assert response.status_code == 302, errors_of(response)
    template = IncidentTemplate.objects.get()
    assert (template.title_zh_hans, template.title_en) == ("合作银行故障", "Partner bank down")
    assert (template.body_zh_hans, template.body_en) == ("放款延迟。", "Payouts are delayed.")
    assert template.cause_note_zh_hans == "银行系统故障。"
    assert template.reassurances == ["funds_safe"]


def test_a_recurring_maintenance_is_kept_per_language(operator_client, components):
    response = operator_client.post(
        "/admin/status/recurringmaintenance/add/",
        {
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
        },
    )
    assert response.status_code == 302, errors_of(response)
    schedule = RecurringMaintenance.objects.get()
    assert (schedule.name_zh_hans, schedule.name_en) == (
        "每周数据库维护",
        "Weekly database maintenance",
    )
    window = schedule.occurrences.first()
    assert (window.name_zh_hans, window.name_en) == (
        "每周数据库维护",
        "Weekly database maintenance",
    )
    assert window.updates.get().body_en == "Routine work."


def test_a_schedule_s_channels_reach_its_windows(operator_client, components):
    channel = services.save_channel(
        AlternativeChannel(label_zh_hans="小程序", url="https://m.example.com")
    )
    schedule = services.save_recurring_maintenance(
        RecurringMaintenance(
            name_zh_hans="每周维护",
            body_zh_hans="例行维护。",
            frequency="weekly",
            weekdays="SU",
            start_time=time(2, 0),
            duration_minutes=60,
            starts_on=timezone.localdate(),
        ),
        [components["credit"]],
        channels=[channel],
    )
    assert list(schedule.channels.all()) == [channel]
    for window in schedule.occurrences.all():
        assert list(window.channels.all()) == [channel]


def test_function_names_and_channel_labels_are_kept_per_language(operator_client, components):
    operator_client.post(
        "/admin/status/function/add/",
        {"name_zh_hans": "还款", "name_en": "Repaying", "position": "1"},
    )
    operator_client.post(
        "/admin/status/alternativechannel/add/",
        {"label_zh_hans": "小程序", "label_en": "Mini-program", "url": "https://m.example.com",
         "phone": "", "position": "0"},
    )  # fmt: skip
    function = Function.objects.get()
    channel = AlternativeChannel.objects.get()
    assert (function.name_zh_hans, function.name_en) == ("还款", "Repaying")
    assert (channel.label_zh_hans, channel.label_en) == ("小程序", "Mini-program")


@pytest.fixture
def outage(open_outage) -> Incident:
    return open_outage()

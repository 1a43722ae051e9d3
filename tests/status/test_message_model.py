"""The message model in the domain: texts per language, functions, channels, reassurances and
promises (expected recovery, next update), with their rules. The surfaces read all of it from
statuspage.status.notice, tested here in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from statuspage.status import services
from statuspage.status.models import AlternativeChannel, Function, Incident, IncidentUpdate
from statuspage.status.notice import (
    FunctionLine,
    banner_line,
    function_lines,
    incident_notice,
    open_notices,
)
from statuspage.status.translation import set_texts

NOON = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # 12:00 Beijing time


@pytest.fixture
def functions(components) -> dict[str, Function]:
    borrow = Function.objects.create(name_zh_hans="借款", name_en="Borrowing", position=1)
    borrow.components.set([components["credit"], components["disbursement"]])
    repay = Function.objects.create(name_zh_hans="还款", name_en="Repayment", position=2)
    repay.components.set([components["app"]] if "app" in components else [])
    return {"borrow": borrow, "repay": repay}


@pytest.fixture
def hotline(db) -> AlternativeChannel:
    return AlternativeChannel.objects.create(
        label_zh_hans="客服热线", label_en="Customer service hotline", phone="+864008208820"
    )


def read(instance, field: str, language: str) -> str:
    with translation.override(language):
        return str(getattr(instance, field))


# --- texts per language ------------------------------------------------------------------


def test_each_reader_gets_one_language_and_a_missing_translation_falls_back_to_the_default(
    open_outage,
):
    incident = open_outage(
        {"zh-hans": "放款失败", "en": "Payouts failing"},
        body={"zh-hans": "放款暂时失败。"},  # no English body: English readers get the Chinese
    )
    update = incident.updates.get()
    assert (read(incident, "name", "zh-hans"), read(incident, "name", "en")) == (
        "放款失败",
        "Payouts failing",
    )
    assert read(update, "body", "en") == read(update, "body", "zh-hans") == "放款暂时失败。"
    assert update.body_en in ("", None)


def test_a_plain_text_is_the_default_language_and_replaces_a_stale_copy(open_outage):
    incident = open_outage("Payouts failing")  # a plain name: copied into the active language
    services.edit_incident(incident, name="放款失败")

    incident.refresh_from_db()
    # The English copy repeated the old name; it is dropped, so English falls back to the new.
    assert read(incident, "name", "en") == "放款失败"
    services.edit_incident(incident, name={"en": "Payouts failing"})
    services.edit_incident(incident, name="放款仍然失败")
    incident.refresh_from_db()
    assert read(incident, "name", "en") == "Payouts failing"  # a real translation stays


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"name": {"fr": "Versements en panne"}}, "name"),
        ({"cause_note": {"zh-hans": "x", "de": "y"}}, "cause_note"),
    ],
)
def test_a_translation_into_a_language_we_do_not_serve_is_refused(open_outage, edit, field):
    incident = open_outage()
    with pytest.raises(ValidationError) as refused:
        services.edit_incident(incident, **edit)
    assert field in refused.value.message_dict
    assert "Unknown language" in str(refused.value)
    incident.refresh_from_db()
    assert (incident.name_zh_hans, incident.name_en, incident.cause_note_zh_hans) == (
        "Disbursement failing",
        None,
        "",
    )


def test_an_update_needs_its_message_in_the_default_language(open_outage):
    incident = open_outage()
    with pytest.raises(ValidationError, match="Write a message"):
        services.post_update(incident, status="identified", body={"en": "Found it."})
    assert incident.updates.count() == 1


def test_correcting_an_update_changes_one_language_and_keeps_the_other(open_outage):
    incident = open_outage(body={"zh-hans": "放款失败。", "en": "Payouts fail."})
    update = incident.updates.get()
    services.edit_update(update, body={"en": "Payouts are failing."})
    update.refresh_from_db()
    assert (update.body_zh_hans, update.body_en) == ("放款失败。", "Payouts are failing.")


# --- promises ----------------------------------------------------------------------------


def test_a_next_update_in_the_past_is_refused_and_nothing_is_written(open_outage, clock):
    clock(NOON)
    incident = open_outage()
    with pytest.raises(ValidationError) as refused:
        services.post_update(
            incident, status="identified", body="Found it.", next_update_by=NOON - timedelta(1)
        )
    assert "next_update_by" in refused.value.message_dict
    assert incident.updates.count() == 1
    with pytest.raises(ValidationError):
        open_outage("Another", next_update_by=NOON)  # "by now" is already broken
    assert Incident.objects.count() == 1


def test_the_latest_update_carries_the_promise_and_a_new_update_clears_its_flag(open_outage, clock):
    clock(NOON)
    incident = open_outage(next_update_by=NOON + timedelta(minutes=30))
    assert incident.next_update_by == NOON + timedelta(minutes=30)
    Incident.objects.filter(pk=incident.pk).update(next_update_overdue_alerted_at=NOON)

    services.post_update(incident, status="identified", body="Found it.")
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.next_update_by is None  # the new update promised nothing
    assert incident.next_update_overdue_alerted_at is None


def test_an_expected_recovery_before_the_incident_began_is_refused(open_outage, clock):
    clock(NOON)
    incident = open_outage()
    with pytest.raises(ValidationError) as refused:
        services.edit_incident(incident, expected_recovery_at=NOON - timedelta(hours=1))
    assert "expected_recovery_at" in refused.value.message_dict
    incident.refresh_from_db()
    assert incident.expected_recovery_at is None


def test_a_new_expected_recovery_is_a_new_promise(open_outage, clock):
    clock(NOON)
    incident = open_outage(expected_recovery_at=NOON + timedelta(hours=1))
    Incident.objects.filter(pk=incident.pk).update(recovery_overdue_alerted_at=NOON)
    services.edit_incident(incident, expected_recovery_at=NOON + timedelta(hours=2))
    incident.refresh_from_db()
    assert incident.recovery_overdue_alerted_at is None


def test_a_passed_promise_is_shown_as_such(open_outage, clock):
    clock(NOON)
    incident = open_outage(
        expected_recovery_at=NOON + timedelta(hours=1),
        next_update_by=NOON + timedelta(minutes=30),
    )
    on_time = incident_notice(Incident.objects.get(pk=incident.pk))
    assert not on_time.recovery_overdue and not on_time.next_update_overdue

    clock(NOON + timedelta(hours=1, minutes=1))
    late = incident_notice(Incident.objects.get(pk=incident.pk))
    assert late.recovery_overdue and late.next_update_overdue
    assert late.as_json(timezone.get_fixed_timezone(480))["expected_recovery_reassessing"]

    services.resolve(incident)
    closed = incident_notice(Incident.objects.get(pk=incident.pk))
    assert not closed.recovery_overdue and closed.next_update_by is None


# --- structured notice -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        ({"reassurances": ["funds_safe", "free_money"]}, "reassurances", "Unknown reassurance"),
        ({"reassurances": "funds_safe"}, "reassurances", ""),
        ({"function_states": {"nosuchfunct": "works"}}, "function_states", "Unknown function"),
        ({"function_states": {"BORROW": "broken"}}, "function_states", "Unknown function state"),
    ],
)
def test_unknown_reassurances_functions_and_states_are_refused(
    open_outage, functions, edit, field, words
):
    incident = open_outage()
    if "function_states" in edit and "BORROW" in edit["function_states"]:
        edit = {"function_states": {functions["borrow"].pk: "broken"}}
    with pytest.raises(ValidationError) as refused:
        services.edit_incident(incident, **edit)
    assert field in refused.value.message_dict
    assert words in str(refused.value)
    incident.refresh_from_db()
    assert (incident.reassurances, incident.function_states) == ([], {})


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({}, "url", "link or a phone number"),
        ({"phone": "12345"}, "phone", ""),
        ({"phone": "not a number"}, "phone", ""),
        ({"url": "javascript:alert(1)"}, "url", ""),
    ],
)
def test_a_channel_needs_a_link_or_a_number_that_parses(db, fields, field, words):
    channel = AlternativeChannel(label_zh_hans="小程序", **fields)
    with pytest.raises(ValidationError) as refused:
        channel.full_clean()
    assert field in refused.value.message_dict
    assert words in str(refused.value)


def test_a_phone_number_is_shown_as_dialled_at_home_and_called_by_tapping(hotline):
    hotline.full_clean()
    assert hotline.phone_display == "400 820 8820"
    assert hotline.tel_url == "tel:+86-400-820-8820"


def test_functions_follow_their_worst_component_unless_an_incident_says_otherwise(
    open_outage, functions
):
    incident = open_outage(down={"disbursement": "degraded_performance"})
    states = {f.id: f.state for f in function_lines()}
    assert states[functions["borrow"].pk] == "slow"
    assert states[functions["repay"].pk] == "works"

    services.edit_incident(incident, function_states={functions["borrow"].pk: "unavailable"})
    lines, notices = open_notices()
    assert {f.id: f.state for f in lines}[functions["borrow"].pk] == "unavailable"
    assert [f.id for f in notices[0].functions] == [functions["borrow"].pk]

    services.resolve(incident)  # closed: its setting no longer counts
    assert {f.id: f.state for f in function_lines()}[functions["borrow"].pk] == "works"


def test_the_open_notices_take_as_many_queries_for_five_incidents_as_for_one(
    open_outage, functions, django_assert_num_queries
):
    """The page, the widget and the app's JSON build every open notice on a cache miss during
    an outage: a query per open incident would grow with the outage."""
    open_outage()
    with CaptureQueriesContext(connection) as one:
        open_notices()
    for n in range(4):
        open_outage(f"Incident {n}", down={"credit": "partial_outage"})
    with django_assert_num_queries(len(one)):
        _, notices = open_notices()
    assert len(notices) == 5
    assert all([f.id for f in notice.functions] == [functions["borrow"].pk] for notice in notices)


BANNER_LINES = [
    (("works", "works"), "借款正常，还款正常。",
     "Borrowing works normally, Repayment works normally."),
    (("unavailable", "works"), "借款暂不可用，还款正常。",
     "Borrowing is unavailable for now, Repayment works normally."),
    (("works", "slow"), "还款较慢，借款正常。",
     "Repayment is slow, Borrowing works normally."),
    (("paused", "unavailable"), "还款暂不可用，借款因维护暂停。",
     "Repayment is unavailable for now, Borrowing is paused for maintenance."),
]  # fmt: skip


@pytest.mark.parametrize(("states", "zh", "en"), BANNER_LINES)
def test_the_banner_line_says_what_works_worst_first_in_each_language(states, zh, en):
    lines = [
        FunctionLine("b", name, state) for name, state in zip(("借款", "还款"), states, strict=True)
    ]
    english = [
        FunctionLine("b", name, state)
        for name, state in zip(("Borrowing", "Repayment"), states, strict=True)
    ]
    with translation.override("zh-hans"):
        assert banner_line(lines) == zh
    with translation.override("en"):
        assert banner_line(english) == en
    assert banner_line([]) == ""


def test_the_notice_reads_in_the_active_language(open_outage, functions, hotline, clock):
    clock(NOON)
    incident = open_outage(
        {"zh-hans": "放款失败", "en": "Payouts failing"},
        cause="third_party",
        cause_note={"zh-hans": "合作银行系统故障。", "en": "Our partner bank is down."},
        reassurances=["funds_safe", "no_late_fee"],
        channels=[hotline],
        expected_recovery_at=NOON + timedelta(hours=2),
    )
    incident = Incident.objects.prefetch_related("updates", "components", "channels").get(
        pk=incident.pk
    )
    with translation.override("en"):
        notice = incident_notice(incident, functions=function_lines())
        assert notice.title == "Payouts failing"
        assert notice.cause_note == "Our partner bank is down."
        assert notice.channels[0].label == "Customer service hotline"
        assert notice.reassurances[0] == ("funds_safe", "Your funds and data are safe.")
        as_json = notice.as_json(incident.started_at.tzinfo)
        assert as_json["functions"] == {functions["borrow"].pk: "unavailable"}
        assert as_json["channels"] == [
            {
                "label": "Customer service hotline",
                "url": None,
                "phone": "400 820 8820",
                "tel": "tel:+86-400-820-8820",
            }
        ]
    with translation.override("zh-hans"):
        notice = incident_notice(incident)
        assert (notice.title, notice.cause_note) == ("放款失败", "合作银行系统故障。")
        assert notice.channels[0].label == "客服热线"
        assert "资金" in notice.reassurances[0][1]


def test_updates_keep_their_texts_per_language_in_the_database(open_outage):
    open_outage(body={"zh-hans": "放款失败。", "en": "Payouts fail."})
    row = IncidentUpdate.objects.values("body_zh_hans", "body_en").get()
    assert row == {"body_zh_hans": "放款失败。", "body_en": "Payouts fail."}


def test_set_texts_never_writes_the_active_language_by_accident(db):
    incident = Incident(kind="incident", status="investigating")
    with translation.override("en"):
        set_texts(incident, "name", "放款失败")
    assert (incident.name_zh_hans, incident.name_en) == ("放款失败", None)


def test_a_backdated_incident_may_expect_recovery_between_its_start_and_now(open_outage, clock):
    clock(NOON)
    incident = services.open_incident(
        Incident(name="Payouts failed", expected_recovery_at=NOON - timedelta(minutes=30)),
        body="Payouts failed for an hour.",
        at=NOON - timedelta(hours=1),
    )
    assert incident.expected_recovery_at == NOON - timedelta(minutes=30)

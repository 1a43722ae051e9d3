"""The page tells one story during an incident: the functions' states first, then the notice
(what, why, what we guarantee, where to go meanwhile, until when, next update), each open
incident once, and the self-help block only while everything works."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from statuspage.status import services
from statuspage.status.models import Incident, SelfHelpTopic

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 14:00 in Beijing


def page(client, path="/", language="en") -> str:
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def banner(body: str) -> str:
    found = re.search(r'<p class="functions[^"]*">(.*?)</p>', body)
    assert found, "the banner has no function states"
    return found.group(1)


@pytest.fixture
def outage(bilingual_outage, clock):
    clock(NOW)
    return bilingual_outage(
        expected_recovery_at=NOW + timedelta(hours=1, minutes=30),
        next_update_by=NOW + timedelta(minutes=30),
    )


# The banner line ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credit", "app", "limit", "chinese"),
    [
        ("operational", "operational", "operational", "借款正常，还款正常，提额正常。"),
        ("major_outage", "operational", "operational", "借款暂不可用，还款正常，提额正常。"),
        (
            "partial_outage",
            "degraded_performance",
            "operational",
            "借款暂不可用，还款较慢，提额正常。",
        ),
        (
            "operational",
            "degraded_performance",
            "under_maintenance",
            "还款较慢，提额因维护暂停，借款正常。",
        ),
        (
            "under_maintenance",
            "major_outage",
            "degraded_performance",
            "还款暂不可用，提额较慢，借款因维护暂停。",
        ),
    ],
)
def test_the_banner_opens_with_the_functions_derived_from_their_components(
    client, components, functions, commit, credit, app, limit, chinese
):
    for key, status in (("credit", credit), ("app", app), ("limit", limit)):
        if status != "operational":
            commit(services.set_component_status, components[key], status)
    body = page(client, language="zh-CN")
    assert banner(body) == chinese
    assert body.index('class="functions"') < body.index("<h1>")  # it opens the banner


def test_the_banner_speaks_english_to_english_readers(client, components, functions, commit):
    commit(services.set_component_status, components["disbursement"], "major_outage")
    assert banner(page(client)) == (
        "Borrowing is unavailable for now, Repayment works normally, "
        "Raising the limit works normally."
    )


@pytest.mark.parametrize(
    ("states", "chinese"),
    [
        ({"repay": "unavailable"}, "借款暂不可用，还款暂不可用，提额正常。"),
        ({"borrow": "slow"}, "借款较慢，还款正常，提额正常。"),
        ({"raise": "paused"}, "借款暂不可用，提额因维护暂停，还款正常。"),
        ({"borrow": "works"}, "借款正常，还款正常，提额正常。"),
    ],
)
def test_an_incident_sets_a_function_s_state_explicitly(
    client, outage, functions, commit, states, chinese
):
    commit(
        services.edit_incident,
        outage,
        function_states={functions[key].pk: state for key, state in states.items()},
    )
    assert banner(page(client, language="zh-CN")) == chinese


def test_no_functions_no_line(client, components):
    assert 'class="functions"' not in page(client)


# The notice ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/incidents/{pk}"])
def test_the_notice_says_what_why_what_we_guarantee_where_to_go_and_until_when(
    client, outage, path
):
    body = page(client, path.format(pk=outage.pk))
    assert "Disbursement failing" in body
    assert "Third-party provider" in body
    assert "gateway <strong>times out</strong>." in body
    assert '<li class="reassurance reassurance-funds_safe">Your funds and data are safe.</li>' in (
        body
    )
    assert "no late fee and no credit-record impact" in body
    assert '<a href="https://lender.example/mini" rel="noopener">WeChat mini-program</a>' in body
    assert 'Customer hotline <a class="tel" href="tel:+86-400-888-8888">400 888 8888</a>' in body
    assert "Expected back" in body and "Nov 30, 15:30 Beijing time</time>" in body
    assert "Next update by" in body and "Nov 30, 14:30 Beijing time</time>" in body
    assert "reassessing" not in body and "overdue" not in body


@pytest.mark.parametrize("path", ["/", "/incidents/{pk}"])
def test_the_notice_speaks_chinese_only_to_chinese_readers(client, outage, path):
    body = page(client, path.format(pk=outage.pk), "zh-CN")
    assert "放款失败" in body
    assert "合作银行的接口<strong>超时</strong>。" in body
    assert "您的资金和数据安全。" in body
    assert ">微信小程序</a>" in body and "客服热线" in body
    assert "北京时间 11月30日 15:30</time>" in body
    for english in ("Disbursement failing", "partner bank", "Payouts are failing", "WeChat"):
        assert english not in body
    english = page(client, path.format(pk=outage.pk))
    for chinese in ("放款失败", "合作银行", "放款暂时失败", "微信小程序", "借款"):
        assert chinese not in english


def test_an_empty_translation_falls_back_to_the_default_language(client, bilingual_outage):
    bilingual_outage(name_en="", cause_note_en="")
    body = page(client)
    assert "放款失败" in body  # the title in the page's default language rather than none
    assert "合作银行的接口" in body
    assert "Payouts are failing." in body  # the update has its English


@pytest.mark.parametrize("path", ["/", "/incidents/{pk}"])
def test_a_passed_expected_recovery_is_being_reassessed_not_shown_as_if_it_held(
    client, outage, clock, path
):
    path = path.format(pk=outage.pk)
    assert "15:30 Beijing time" in page(client, path)  # cached now
    clock(NOW + timedelta(hours=2))  # no write: the cached page expires with the promise
    body = page(client, path)
    assert "The expected time has passed; we are reassessing it" in body
    assert "15:30 Beijing time" not in body
    assert "预计恢复时间已过，我们正在重新评估" in page(client, path, "zh-CN")


@pytest.mark.parametrize("path", ["/", "/incidents/{pk}"])
def test_a_missed_next_update_is_flagged_until_the_next_update(client, outage, clock, commit, path):
    path = path.format(pk=outage.pk)
    clock(NOW + timedelta(minutes=45))
    body = page(client, path)
    assert "14:30 Beijing time</time>" in body
    assert "(overdue: the update is late, we are on it)" in body
    commit(
        services.post_update,
        outage,
        status="identified",
        body={"zh-hans": "已找到原因。", "en": "Found it."},
        next_update_by=NOW + timedelta(hours=1, minutes=15),
    )
    body = page(client, path)
    assert "15:15 Beijing time</time>" in body
    assert "overdue" not in body


def test_a_resolved_incident_has_no_notice(client, outage, commit):
    commit(services.resolve, outage)
    body = page(client, f"/incidents/{outage.pk}")
    assert "Meanwhile, use" not in body
    assert "Your funds and data are safe." not in body


# One story ----------------------------------------------------------------------------------


@pytest.fixture
def topic(db, commit):
    return commit(
        services.save_self_help_topic,
        SelfHelpTopic(
            title_en="My limit is frozen",
            title_zh_hans="借款额度被冻结",
            body_en="Repay what is overdue.",
            body_zh_hans="还清逾期款项。",
        ),
    )


def test_self_help_shows_only_while_every_component_is_operational(
    client, components, functions, topic, commit
):
    assert "it still does not work for you?" in page(client)
    assert "您仍然无法使用" in page(client, language="zh-CN")
    commit(services.set_component_status, components["limit"], "degraded_performance")
    assert "self-help" not in page(client)
    commit(services.set_component_status, components["limit"], "operational")
    assert "self-help" in page(client)


def test_self_help_hides_while_an_incident_says_a_function_fails(
    client, outage, functions, topic, commit
):
    commit(services.set_component_status, outage.components.get(), "operational")
    commit(services.edit_incident, outage, function_states={functions["borrow"].pk: "unavailable"})
    assert "self-help" not in page(client)


def test_an_open_incident_appears_once_and_ids_are_unique(client, outage, commit):
    body = page(client)
    assert body.count(f'id="incident-{outage.pk}"') == 1
    past = body.split("Past incidents", 1)[1]
    assert "Disbursement failing" not in past
    ids = Counter(re.findall(r'\sid="([^"]+)"', body))
    assert [name for name, count in ids.items() if count > 1] == []
    commit(services.resolve, outage)
    past = page(client).split("Past incidents", 1)[1]
    assert "Disbursement failing" in past  # closed: now it is history


def test_times_drop_the_year_within_the_current_year(client, components, clock, commit):
    clock(NOW)
    last_year = commit(
        services.open_incident,
        Incident(name_zh_hans="旧事", name_en="Old trouble"),
        body="Old.",
        at=datetime(2025, 12, 30, 2, 0, tzinfo=UTC),
    )
    this_year = commit(
        services.open_incident,
        Incident(name_zh_hans="新事", name_en="New trouble"),
        body="New.",
        at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
    )
    assert "Dec 30, 2025, 10:00 Beijing time</time>" in page(client, f"/incidents/{last_year.pk}")
    body = page(client, f"/incidents/{this_year.pk}")
    assert "Mar 2, 10:00 Beijing time</time>" in body
    assert "2026" not in re.sub(r'(datetime|data-published-at)="[^"]*"', "", body)
    assert "北京时间 3月2日 10:00</time>" in page(client, f"/incidents/{this_year.pk}", "zh-CN")


def test_the_language_switcher_names_each_language_in_itself(client, components):
    for language in ("en", "zh-CN"):
        body = page(client, language=language)
        assert 'lang="zh-hans" hreflang="zh-hans"' in body
        assert ">简体中文</a>" in body and ">English</a>" in body
        assert ">英语</a>" not in body and ">Simplified Chinese</a>" not in body


def test_chinese_lists_names_with_the_chinese_comma(client, outage, components, commit):
    commit(
        services.edit_incident,
        outage,
        component_statuses={components["credit"]: "degraded_performance"},
        body={"zh-hans": "信用评估也慢。", "en": "Credit is slow too."},
    )
    body = page(client, language="zh-CN")
    assert re.search(r"影响范围：(信用评估、放款|放款、信用评估)</span>", body)
    assert "原因：第三方服务商" in body
    assert "放款：<span" in body  # the change list, with the full-width colon
    assert re.search(
        r"Affects: (Credit assessment, Disbursement|Disbursement, Credit assessment)", page(client)
    )


def test_the_incident_page_opens_with_the_functions_it_touches(client, outage, commit):
    path = f"/incidents/{outage.pk}"
    assert banner(page(client, path, "zh-CN")) == "借款暂不可用。"
    assert banner(page(client, path)) == "Borrowing is unavailable for now."
    commit(services.resolve, outage)
    assert 'class="functions' not in page(client, path)

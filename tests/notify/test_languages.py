"""Each subscriber reads a notice in exactly one language: theirs, else the page's default.
Emails and webhooks carry the structured notice; webhooks keep Statuspage's keys as they are."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from statuspage.notify import subscriptions
from statuspage.notify.models import Delivery, Notice
from statuspage.status import services
from statuspage.status.models import Incident
from statuspage.status.translation import set_texts
from tests.notify.workers import send_all
from tests.test_chinese_style import style_faults

# Han characters and full-width punctuation: none may reach an English reader.
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")

NOW = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # 13:00 in Beijing
RECOVERY = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # 15:30 in Beijing
NEXT_UPDATE = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 14:00 in Beijing

NAME = {"zh-hans": "放款失败", "en": "Disbursement failing"}
BODY = {"zh-hans": "放款暂时失败，我们正在处理。", "en": "Payouts are failing; we are on it."}
CAUSE_NOTE = {"zh-hans": "合作银行的接口超时。", "en": "Our partner bank's interface times out."}
ENGLISH_ONLY = [
    "Disbursement failing",
    "Payouts are failing",
    "partner bank",
    "WeChat mini-program",
    "Customer service hotline",
    "Borrowing",
    "Repaying",
]
CHINESE_ONLY = ["放款失败", "放款暂时失败", "合作银行", "微信小程序", "客服热线", "借款", "还款"]

# Statuspage's incident and update objects in a webhook, key for key (and the two keys of
# ours the incident has always carried).
STATUSPAGE_INCIDENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at",
    "impact", "shortlink", "started_at", "page_id", "incident_updates", "components",
    "scheduled_for", "scheduled_until", "impact_override", "backfilled",
    "scheduled_remind_prior", "scheduled_reminded_at", "scheduled_auto_in_progress",
    "scheduled_auto_completed", "postmortem_body", "postmortem_body_last_updated_at",
    "postmortem_ignored", "postmortem_notified_subscribers", "postmortem_notified_twitter",
    "postmortem_published_at", "cause", "expected_recovery_at",
}  # fmt: skip
STATUSPAGE_UPDATE_KEYS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
    "wants_twitter_update", "twitter_updated_at",
}  # fmt: skip
OURS = {"functions", "banner", "notice"}


@pytest.fixture
def bilingual(outage, functions, mini_program, hotline, clock):
    """Opens the outage with every text in both languages and the whole structured notice."""
    clock(NOW)

    def open_(**overrides):
        fields = {
            "name": NAME,
            "body": BODY,
            "cause_note": CAUSE_NOTE,
            "cause": "third_party",
            "reassurances": ["funds_safe", "no_late_fee"],
            "channels": (mini_program, hotline),
            "expected_recovery_at": RECOVERY,
            "next_update_by": NEXT_UPDATE,
            **overrides,
        }
        return outage(**fields)

    return open_


def parts(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_a_chinese_and_an_english_subscriber_each_read_one_language(
    email_subscriber, mailbox, bilingual
):
    email_subscriber("li@example.com", language="zh-hans")
    email_subscriber("ana@example.com", language="en")
    bilingual()
    send_all()
    mailbox.wait_for(2)
    [chinese] = mailbox.to("li@example.com")
    [english] = mailbox.to("ana@example.com")

    assert english["Subject"].strip() == "[Status] Investigating: Disbursement failing"
    for part in parts(english):
        assert not CHINESE.search(part), CHINESE.findall(part)
        for text in ("Disbursement failing", "Payouts are failing; we are on it.", "partner bank"):
            assert text in part
    for part in parts(chinese):
        assert "放款失败" in part
        assert "放款暂时失败，我们正在处理。" in part
        assert "合作银行的接口超时。" in part
        for text in ENGLISH_ONLY:
            assert text not in part


def test_the_email_shows_the_structured_notice(email_subscriber, mailbox, bilingual):
    email_subscriber("ana@example.com", language="en")
    bilingual()
    send_all()
    [message] = mailbox.wait_for(1)
    text, html = parts(message)
    for part in (text, html):
        # the functions' states first, those that do not work first
        assert "Borrowing is unavailable for now, Repaying works normally." in part
        assert "Third-party provider" in part
        assert "Your funds and data are safe." in part
        assert "no late fee and no credit-record impact" in part
        assert "WeChat mini-program" in part
        assert "Customer service hotline" in part
        assert "400 888 8888" in part
        # times in the page's zone, with the zone named
        assert "15:30 Beijing time (UTC+8)" in part
        assert "14:00 Beijing time (UTC+8)" in part
    assert text.index("Borrowing is unavailable") < text.index("Disbursement failing")
    assert "Expected back: Nov 30, 2026, 15:30 Beijing time (UTC+8)" in text
    assert "Next update by: Nov 30, 2026, 14:00 Beijing time (UTC+8)" in text
    assert "- WeChat mini-program https://mp.example.com/borrow" in text
    assert "- Customer service hotline 400 888 8888" in text
    assert '<a href="https://mp.example.com/borrow"' in html
    assert re.search(r'<a href="tel:\+86-?400-?888-?8888"[^>]*>400 888 8888</a>', html), html
    assert "Asia/Shanghai" not in text + html


def test_the_chinese_email_names_the_channels_and_functions_in_chinese(
    email_subscriber, mailbox, bilingual
):
    email_subscriber("li@example.com", language="zh-hans")
    bilingual()
    send_all()
    [message] = mailbox.wait_for(1)
    text, _html = parts(message)
    assert "在此期间请使用：" in text
    assert "- 微信小程序 https://mp.example.com/borrow" in text
    assert "- 客服热线 400 888 8888" in text
    assert "2026年11月30日 15:30" in text  # the page's zone, 24-hour clock
    assert "借款" in text and "还款" in text


def test_an_empty_translation_falls_back_to_the_default_language(
    email_subscriber, mailbox, bilingual
):
    email_subscriber("ana@example.com", language="en")
    bilingual(
        name={"zh-hans": "放款失败"},
        body={"zh-hans": "放款暂时失败，我们正在处理。"},
        cause_note={"zh-hans": "合作银行的接口超时。"},
    )
    send_all()
    [message] = mailbox.wait_for(1)
    assert "Investigating: 放款失败" in message["Subject"]
    text, _html = parts(message)
    assert "放款暂时失败，我们正在处理。" in text
    assert "合作银行的接口超时。" in text
    assert "Third-party provider" in text  # what we translate is still in English


def test_a_resolved_notice_offers_no_channels_and_no_times(email_subscriber, mailbox, bilingual):
    email_subscriber("ana@example.com", language="en")
    incident = bilingual()
    send_all()
    mailbox.wait_for(1)
    services.resolve(incident, body={"zh-hans": "已恢复。", "en": "Payouts work again."})
    send_all()
    mailbox.wait_for(2)
    text, html = parts(mailbox.messages[1])
    assert "Payouts work again." in text
    for part in (text, html):
        assert "WeChat mini-program" not in part
        assert "Expected back" not in part
        assert "Next update by" not in part


def _webhook(receiver, language: str, owner: str):
    return subscriptions.subscribe(
        email=owner,
        endpoint=receiver.url(f"/{language}"),
        language=language,
        skip_confirmation=True,
    )


def _received(receiver, hook) -> dict:
    [request] = [
        r for r in receiver.received if r.path == f"/{hook.language}" and b'"incident"' in r.body
    ]
    return Webhook(hook.secret).verify(request.body, request.headers)


def test_each_webhook_gets_its_language_with_statuspages_keys_unchanged(receiver, bilingual):
    chinese = _webhook(receiver, "zh-hans", "li@example.com")
    english = _webhook(receiver, "en", "ana@example.com")
    bilingual()
    send_all()
    zh, en = _received(receiver, chinese), _received(receiver, english)

    for payload in (zh, en):
        assert set(payload) == {"meta", "page", "incident"} | OURS
        assert set(payload["incident"]) == STATUSPAGE_INCIDENT_KEYS
        assert set(payload["incident"]["incident_updates"][0]) == STATUSPAGE_UPDATE_KEYS
        assert set(payload["page"]) == {"id", "status_indicator", "status_description"}
    assert en["incident"]["name"] == "Disbursement failing"
    assert en["incident"]["incident_updates"][0]["body"] == "Payouts are failing; we are on it."
    assert zh["incident"]["name"] == "放款失败"
    assert zh["incident"]["incident_updates"][0]["body"] == "放款暂时失败，我们正在处理。"
    # the same incident, only its texts differ
    for key in ("id", "status", "impact", "created_at", "shortlink", "expected_recovery_at"):
        assert en["incident"][key] == zh["incident"][key]
    assert en["incident"]["incident_updates"][0]["affected_components"][0]["name"] == (
        "Borrowing window - Disbursement"
    )
    assert en["meta"]["unsubscribe"] != zh["meta"]["unsubscribe"]
    assert not CHINESE.search(json.dumps(en, ensure_ascii=False))
    for text in ENGLISH_ONLY:
        assert text not in json.dumps(zh, ensure_ascii=False)


def test_the_webhook_carries_the_structured_notice_as_extra_keys(receiver, bilingual, functions):
    english = _webhook(receiver, "en", "ana@example.com")
    incident = bilingual()
    send_all()
    payload = _received(receiver, english)

    assert payload["banner"] == "Borrowing is unavailable for now, Repaying works normally."
    assert payload["functions"] == [
        {"id": functions["borrow"].pk, "name": "Borrowing", "state": "unavailable"},
        {"id": functions["repay"].pk, "name": "Repaying", "state": "works"},
    ]
    notice = payload["notice"]
    assert notice["id"] == incident.pk
    assert notice["summary"] == "Disbursement failing"
    assert notice["cause"] == "Third-party provider"
    assert notice["cause_note"] == "Our partner bank's interface times out."
    assert notice["functions"] == {functions["borrow"].pk: "unavailable"}
    assert notice["reassurances"][0] == "Your funds and data are safe."
    assert [c["label"] for c in notice["channels"]] == [
        "WeChat mini-program",
        "Customer service hotline",
    ]
    assert notice["channels"][0]["url"] == "https://mp.example.com/borrow"
    assert notice["channels"][1]["tel"].startswith("tel:+86")
    assert notice["expected_recovery_at"] == "2026-11-30T15:30:00.000+08:00"
    assert notice["next_update_by"] == "2026-11-30T14:00:00.000+08:00"
    assert notice["expected_recovery_reassessing"] is False


def test_a_component_change_webhook_carries_the_function_states_beside_statuspages_keys(
    receiver, components, functions
):
    english = _webhook(receiver, "en", "ana@example.com")
    chinese = _webhook(receiver, "zh-hans", "li@example.com")
    services.set_component_status(components["app"], "degraded_performance")
    send_all()
    by_path = {r.path: r for r in receiver.received}
    en = Webhook(english.secret).verify(by_path["/en"].body, by_path["/en"].headers)
    zh = Webhook(chinese.secret).verify(by_path["/zh-hans"].body, by_path["/zh-hans"].headers)
    for payload in (en, zh):
        assert set(payload) == {
            "meta",
            "page",
            "component_update",
            "component",
            "functions",
            "banner",
        }
    assert en["banner"] == "Repaying is slow, Borrowing works normally."
    assert en["component"]["name"] == "App"
    assert [f["name"] for f in zh["functions"]] == ["借款", "还款"]


def test_the_notice_freezes_each_language_once(email_subscriber, bilingual):
    bilingual()
    notice = Notice.objects.get()
    assert notice.payload["incident"]["name"] == "放款失败"
    assert set(notice.translated_payloads) == {"en"}
    assert notice.translated_payloads["en"]["incident"]["name"] == "Disbursement failing"
    assert notice.payload_in("en")["notice"]["summary"] == "Disbursement failing"
    assert notice.payload_in("fr")["incident"]["name"] == "放款失败"  # not ours: the default


def test_many_subscribers_in_two_languages_are_rendered_once_per_language(
    email_subscriber, mailbox, bilingual, monkeypatch
):
    from statuspage.notify import messages

    rendered: list[str] = []
    render = messages.render_to_string

    def counting(template, context=None, *args, **kwargs):
        rendered.append(template)
        return render(template, context, *args, **kwargs)

    monkeypatch.setattr(messages, "render_to_string", counting)
    for n in range(6):
        email_subscriber(f"s{n}@example.com", language=("en", "zh-hans")[n % 2])
    bilingual()
    send_all()
    mailbox.wait_for(6)
    assert sorted(rendered) == sorted(["email/notice.txt", "email/notice.html"] * 2)
    assert Delivery.objects.filter(status="delivered").count() == 6


def test_what_code_puts_around_chinese_texts_is_chinese_too(
    email_subscriber, mailbox, stand_in, functions, components, clock
):
    """The email's subject and component list and the robot's lines are put together in code,
    around translated words: in Chinese they take Chinese brackets, colons and list commas,
    and the robot says the expected recovery as the page does, its zone named."""
    clock(NOW)
    email_subscriber("li@example.com", language="zh-hans")
    subscriptions.subscribe(
        email="ops@example.com", endpoint=stand_in.url("wecom"), chat_app="wecom",
        language="zh-hans", skip_confirmation=True,
    )  # fmt: skip
    incident = Incident(expected_recovery_at=RECOVERY)
    set_texts(incident, "name", NAME)
    services.open_incident(
        incident,
        body=BODY,
        component_statuses={components["disbursement"]: "major_outage",
                            components["credit"]: "partial_outage"},
    )  # fmt: skip
    send_all()
    [message] = mailbox.wait_for(1)
    subject = message["Subject"].strip()
    assert subject == "【服务状态】调查中：放款失败"
    text, _html = parts(message)
    assert "、" in text  # between the two components' names
    robot = stand_in.of("wecom")[0].json["markdown"]["content"]
    assert "**预计恢复**：北京时间 11月30日 15:30" in robot
    assert "借款：" in robot  # a function and its state
    assert "2026-11-30T" not in robot  # not the payload's timestamp
    for written in (subject, text, robot):
        assert style_faults(written) == [], written

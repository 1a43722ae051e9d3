"""SMS through each provider's official SDK, pointed at a local stand-in that checks the
provider's own signature and answers with its documented errors; through the real fan-out and
delivery path, as workers run it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext

from statuspage.notify import delivery, sms
from statuspage.notify.models import (
    Delivery,
    DeliveryStatus,
    Notice,
    SmsTemplate,
    Subscriber,
)
from statuspage.status.models import Page
from tests.notify.sms_standins import STAND_INS, StandIn
from tests.notify.workers import send_all

PHONE = "+8613800138000"
SHORT = "https://s.example.com/i/abcdefghijkl"
LONG = "https://status.example.com/incidents/abcdefghijkl"


SMS_SUBJECT = "SMS messages are not going out"


def in_page_language(text: str) -> str:
    """What operators read: the page's default language."""
    with translation.override(django_settings.LANGUAGE_CODE):
        return gettext(text)


@pytest.fixture
def sms_on(settings, monkeypatch) -> Iterator[Callable[..., StandIn]]:
    """Starts a provider's stand-in and points SMS_URL at it (options added to its URL)."""
    settings.ALLOW_PRIVATE_ADDRESSES = True  # the stand-ins live on 127.0.0.1
    settings.WEBHOOK_TIMEOUT_SECONDS = 3
    settings.ADMINS = [("Ops", "ops@example.com")]
    started: list[StandIn] = []

    def start(name: str, **options: str) -> StandIn:
        stand_in = STAND_INS[name]()
        started.append(stand_in)
        settings.SMS_URL = stand_in.url(**options)
        return stand_in

    yield start
    for stand_in in started:
        stand_in.close()
    sms.forget()


@pytest.fixture
def templates(db) -> Callable[[str], None]:
    """The operator's approved templates for a provider: incident opened, and the code."""

    def make(provider: str) -> None:
        if provider == "aliyun":
            SmsTemplate.objects.create(
                kind="incident_opened", language="zh-hans", template_code="SMS_100001",
                text="${title}：${status}。预计${recovery}恢复，详情${url} 回复TD退订",
                variables={"title": "title", "status": "status", "recovery": "recovery",
                           "url": "url"},
            )  # fmt: skip
            SmsTemplate.objects.create(
                kind="code", language="zh-hans", template_code="SMS_100009",
                text="您的验证码为${code}，10分钟内有效。", variables={"code": "code"},
            )  # fmt: skip
        elif provider == "tencent":
            SmsTemplate.objects.create(
                kind="incident_opened", language="zh-hans", template_code="1110001",
                text="{1}：{2}。预计{3}恢复，详情{4} 回复TD退订",
                variables={"1": "title", "2": "status", "3": "recovery", "4": "url"},
            )  # fmt: skip

    return make


def sms_subscriber(phone: str = PHONE, language: str = "zh-hans") -> Subscriber:
    return Subscriber.objects.create(mode="sms", phone=phone, state="active", language=language)


def sms_delivery(subscriber: Subscriber) -> Delivery:
    return Delivery.objects.get(subscriber=subscriber, notice__kind="incident_update")


def test_aliyun_sends_the_approved_template_signed_to_a_mainland_number_without_86(
    sms_on, templates, outage, functions
):
    stand_in = sms_on("aliyun")
    templates("aliyun")
    subscriber = sms_subscriber()
    back = timezone.now() + timedelta(minutes=30)
    incident = outage({"zh-hans": "放款失败", "en": "Disbursement failing"},
                      expected_recovery_at=back)  # fmt: skip
    send_all()
    assert sms_delivery(subscriber).status == DeliveryStatus.DELIVERED
    [sent] = stand_in.sent
    assert stand_in.refused_signatures == 0
    assert sent.phone == "13800138000"
    assert sent.template == "SMS_100001" and sent.sign_name == "借呗状态"
    assert sent.variables["title"] == "放款失败"
    assert sent.variables["status"] == "借款暂不可用，还款正常。"
    assert sent.variables["url"].endswith(f"/incidents/{incident.pk}")
    # The page's clock: "15:30" the same day there, "12月1日 00:07" past its midnight.
    zone = Page.get().zone
    local = timezone.localtime(back, zone)
    same_day = (
        local.date() == timezone.localtime(sms_delivery(subscriber).notice.created_at, zone).date()
    )
    expected = f"{local:%H:%M}" if same_day else f"{local.month}月{local.day}日 {local:%H:%M}"
    assert sent.variables["recovery"] == expected


def test_aliyun_sends_other_countries_with_their_code_without_plus(sms_on, templates, outage):
    stand_in = sms_on("aliyun")
    templates("aliyun")
    sms_subscriber(phone="+85261234567")
    outage()
    send_all()
    assert [s.phone for s in stand_in.sent] == ["85261234567"]


def test_aliyun_values_are_cut_to_35_characters_but_never_the_link(sms_on, templates, outage):
    stand_in = sms_on("aliyun")
    templates("aliyun")
    sms_subscriber()
    outage("放款失败" * 20)
    send_all()
    [sent] = stand_in.sent
    assert len(sent.variables["title"]) == 35 and sent.variables["title"].endswith("…")
    assert "/incidents/" in sent.variables["url"]


def test_tencent_sends_the_template_with_ordered_values_in_e164(
    sms_on, templates, outage, functions
):
    stand_in = sms_on("tencent", variable_limit="0")
    templates("tencent")
    subscriber = sms_subscriber()
    incident = outage("放款失败")
    send_all()
    assert sms_delivery(subscriber).status == DeliveryStatus.DELIVERED
    [sent] = stand_in.sent
    assert stand_in.refused_signatures == 0
    assert sent.phone == PHONE and sent.template == "1110001"
    title, status, recovery, url = sent.variables
    assert (title, status, recovery) == ("放款失败", "借款暂不可用，还款正常。", "")
    assert url.endswith(f"/incidents/{incident.pk}")


def test_tencent_values_are_cut_to_its_12_characters_by_default(sms_on, templates, outage):
    stand_in = sms_on("tencent")
    templates("tencent")
    sms_subscriber()
    outage("放款失败，银行通道正在排查中请稍候")
    send_all()
    title = stand_in.sent[0].variables[0]
    assert title == "放款失败，银行通道正在…" and len(title) == 12


def test_twilio_sends_one_segment_of_our_text_with_the_link_and_how_to_stop(
    sms_on, outage, functions
):
    stand_in = sms_on("twilio")
    subscriber = sms_subscriber()
    incident = outage("放款失败")
    send_all()
    assert sms_delivery(subscriber).status == DeliveryStatus.DELIVERED
    [sent] = stand_in.sent
    assert sent.phone == PHONE
    assert sent.text.startswith("【Status】放款失败：借款")
    assert sent.text.endswith(f"/incidents/{incident.pk} 回复STOP退订")  # Twilio acts on STOP
    assert len(sent.text) <= 70


def test_english_text_says_when_it_is_expected_back_and_how_to_opt_out(sms_on, outage, functions):
    stand_in = sms_on("twilio")
    sms_subscriber(phone="+14155550100", language="en")
    outage({"zh-hans": "放款失败", "en": "Payouts failing"},
           expected_recovery_at=timezone.now() + timedelta(minutes=30))  # fmt: skip
    send_all()
    [sent] = stand_in.sent
    assert sent.text.startswith("[Status] Payouts failing: Borrowing is unavailable")
    assert ". Expected back " in sent.text
    assert sent.text.endswith(" Reply STOP to opt out") and len(sent.text) <= 160


def test_a_long_chinese_message_is_cut_to_70_keeping_the_link_and_the_stop_words():
    values = {"page": "示例借贷", "title": "放款失败" * 10, "status": "借款暂不可用。" * 5,
              "recovery": "15:30", "url": SHORT}  # fmt: skip
    text = sms.compose(values, "zh-hans")
    # Under eight characters left for the title and status: the recovery time gives way.
    assert text == f"【示例借贷】放款失败放款失败放款失败放款失败放…。{SHORT} 回复STOP退订"
    assert len(text) == 70


def test_the_title_keeps_room_before_the_recovery_time_does():
    values = {"page": "示例借贷", "title": "放款失败" * 10, "status": "借款暂不可用。",
              "recovery": "15:30", "url": LONG}  # fmt: skip
    text = sms.compose(values, "zh-hans")
    assert (
        text
        == "【示例借贷】放款失败…。https://status.example.com/incidents/abcdefghijkl 回复STOP退订"
    )
    assert len(text) <= 70


def test_an_english_message_counts_gsm_characters_up_to_160():
    values = {"page": "Example", "title": "Payouts failing " * 20, "status": "down",
              "url": LONG}  # fmt: skip
    text = sms.compose(values, "en")
    assert sms.length(text) == (160, 160)
    assert text.endswith(
        "... https://status.example.com/incidents/abcdefghijkl Reply STOP to opt out"
    )
    assert sms.length("naïve café ☕")[1] == 70  # not GSM-7: one UCS-2 segment
    assert sms.length("[x] {y}") == (11, 160)  # brackets and braces take two septets


ERRORS = [
    # (provider, the provider's answer, delivery status, subscriber state, operators told)
    ("aliyun", (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}),
     DeliveryStatus.DEAD, "quarantined", False),
    ("tencent", (200, {"Code": "InvalidParameterValue.IncorrectPhoneNumber",
                       "Message": "incorrect number"}), DeliveryStatus.DEAD, "quarantined", False),
    ("twilio", (400, {"code": 21211, "message": "The 'To' number is not a valid phone number."}),
     DeliveryStatus.DEAD, "quarantined", False),
    ("twilio", (400, {"code": 21614, "message": "'To' number is not a valid mobile number"}),
     DeliveryStatus.DEAD, "quarantined", False),
    ("tencent", (200, {"Code": "FailedOperation.PhoneNumberInBlacklist",
                       "Message": "blacklist"}), DeliveryStatus.DEAD, "unsubscribed", False),
    ("twilio", (400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient"}),
     DeliveryStatus.DEAD, "unsubscribed", False),
    ("aliyun", (200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"}),
     DeliveryStatus.DEAD, "active", True),
    ("aliyun", (200, {"Code": "isv.AMOUNT_NOT_ENOUGH", "Message": "余额不足"}),
     DeliveryStatus.DEAD, "active", True),
    ("aliyun", (403, {"Code": "Forbidden.RAM", "Message": "User not authorized"}),
     DeliveryStatus.DEAD, "active", True),
    ("tencent", (200, {"Error": {"Code": "FailedOperation.TemplateIncorrectOrUnapproved",
                                 "Message": "template"}}), DeliveryStatus.DEAD, "active", True),
    ("tencent", (200, {"Code": "FailedOperation.InsufficientBalanceInSmsPackage",
                       "Message": "balance"}), DeliveryStatus.DEAD, "active", True),
    ("tencent", (200, {"Error": {"Code": "AuthFailure.SecretIdNotFound", "Message": "key"}}),
     DeliveryStatus.DEAD, "active", True),
    ("twilio", (400, {"code": 21606, "message": "The 'From' number is not SMS-capable"}),
     DeliveryStatus.DEAD, "active", True),
    ("aliyun", (500, {"Code": "isp.SYSTEM_ERROR", "Message": "system error"}),
     DeliveryStatus.FAILED, "active", False),
    ("tencent", (502, {"message": "bad gateway"}), DeliveryStatus.FAILED, "active", False),
    ("twilio", (503, {"code": 20500, "message": "Internal Server Error"}),
     DeliveryStatus.FAILED, "active", False),
]  # fmt: skip


@pytest.mark.parametrize(("provider", "answer", "status", "state", "told"), ERRORS)
def test_each_documented_error_has_its_consequence(
    provider, answer, status, state, told, sms_on, templates, outage, caplog
):
    stand_in = sms_on(provider)
    templates(provider)
    stand_in.errors.append(answer)
    subscriber = sms_subscriber(phone="+14155550100" if provider == "twilio" else PHONE)
    outage()
    mail.outbox.clear()
    with caplog.at_level(logging.ERROR):
        send_all()
    sent = sms_delivery(subscriber)
    assert sent.status == status, sent.last_error
    assert sent.last_error.startswith(f"SMS {provider} ")
    subscriber.refresh_from_db()
    assert subscriber.state == state
    told_mail = [m for m in mail.outbox if m.subject == in_page_language(SMS_SUBJECT)]
    assert bool(told_mail) == told
    assert all(m.to == ["ops@example.com"] for m in told_mail)
    assert (SMS_SUBJECT in caplog.text) == told
    assert not stand_in.sent


THROTTLED = [
    ("aliyun", (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发天级流控Permits:10"}),
     24 * 3600),
    ("aliyun", (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发小时级流控Permits:5"}),
     3600),
    ("tencent", (200, {"Code": "LimitExceeded.PhoneNumberThirtySecondLimit", "Message": "30s"}),
     30),
    ("tencent", (200, {"Code": "LimitExceeded.PhoneNumberOneHourLimit", "Message": "1h"}), 3600),
    ("tencent", (200, {"Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "day"}),
     24 * 3600),
    ("twilio", (429, {"code": 20429, "message": "Too Many Requests"}), 60),
]  # fmt: skip


@pytest.mark.parametrize(("provider", "answer", "window"), THROTTLED)
def test_a_throttled_message_is_retried_after_the_providers_window(
    provider, answer, window, sms_on, templates, outage
):
    stand_in = sms_on(provider)
    templates(provider)
    stand_in.errors.append(answer)
    subscriber = sms_subscriber(phone="+14155550100" if provider == "twilio" else PHONE)
    outage()
    before = timezone.now()
    send_all()
    sent = sms_delivery(subscriber)
    assert sent.status == DeliveryStatus.FAILED and sent.attempts == 1
    assert sent.next_attempt_at >= before + timedelta(seconds=window)
    subscriber.refresh_from_db()
    assert subscriber.state == "active"


@pytest.mark.parametrize("provider", ["aliyun", "tencent", "twilio"])
def test_a_wrong_secret_fails_the_providers_signature_check_and_operators_are_told(
    provider, sms_on, templates, outage, settings
):
    stand_in = sms_on(provider)
    templates(provider)
    settings.SMS_URL = settings.SMS_URL.replace("stand-in@", "someone-else@")
    subscriber = sms_subscriber(phone="+14155550100" if provider == "twilio" else PHONE)
    outage()
    mail.outbox.clear()
    send_all()
    assert stand_in.refused_signatures == 1 and not stand_in.sent
    assert sms_delivery(subscriber).status == DeliveryStatus.DEAD
    assert [m.subject for m in mail.outbox if m.subject == in_page_language(SMS_SUBJECT)]


def test_operators_are_told_once_an_hour_per_cause_apart_from_mail_refusals(
    sms_on, templates, outage
):
    stand_in = sms_on("aliyun")
    templates("aliyun")
    refused = (200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"})
    stand_in.errors.extend([refused] * 3)
    subscribers = [sms_subscriber(phone=f"+861380013800{n}") for n in range(3)]
    outage()
    mail.outbox.clear()
    send_all()
    assert {sms_delivery(s).status for s in subscribers} == {DeliveryStatus.DEAD}
    assert len([m for m in mail.outbox if m.subject == in_page_language(SMS_SUBJECT)]) == 1
    mail_refused = delivery.Outcome(False, error="our mail server refused the sender", ours=True)
    delivery.tell_operators([(Delivery(mode="email"), mail_refused)])
    delivery.tell_operators([(Delivery(mode="email"), mail_refused)])
    subjects = [m.subject for m in mail.outbox]
    assert subjects.count(in_page_language("Notifications are not going out")) == 1
    balance = delivery.Outcome(
        False, error="SMS aliyun isv.AMOUNT_NOT_ENOUGH: 余额不足", ours=True,
        cause="aliyun-isv.AMOUNT_NOT_ENOUGH",
    )  # fmt: skip
    delivery.tell_operators([(Delivery(mode="sms"), balance)])  # another cause: told too
    assert len([m for m in mail.outbox if m.subject == in_page_language(SMS_SUBJECT)]) == 2


def test_without_a_template_for_the_kind_the_delivery_fails_and_operators_are_told(
    sms_on, outage, caplog
):
    stand_in = sms_on("tencent")
    subscriber = sms_subscriber()
    outage()
    with caplog.at_level(logging.ERROR):
        send_all()
    sent = sms_delivery(subscriber)
    assert sent.status == DeliveryStatus.DEAD
    assert "no SMS template for Incident opened (zh-hans); add one in the admin" in sent.last_error
    assert SMS_SUBJECT in caplog.text
    assert not stand_in.sent and stand_in.refused_signatures == 0


def test_a_subscriber_in_another_language_gets_the_default_languages_template(
    sms_on, templates, outage
):
    stand_in = sms_on("aliyun")
    templates("aliyun")
    subscriber = sms_subscriber(language="en")
    outage({"zh-hans": "放款失败", "en": "Payouts failing"})
    send_all()
    assert sms_delivery(subscriber).status == DeliveryStatus.DELIVERED
    [sent] = stand_in.sent
    assert sent.template == "SMS_100001" and sent.variables["title"] == "Payouts failing"


def test_the_code_goes_in_the_code_template(sms_on, templates, db):
    stand_in = sms_on("aliyun")
    templates("aliyun")
    sms.send_code(PHONE, "428913", "zh-hans")
    [sent] = stand_in.sent
    assert sent.template == "SMS_100009" and sent.variables == {"code": "428913"}


def more_notices(count: int) -> None:
    first = Notice.objects.get(kind="incident_update")
    for n in range(1, count + 1):
        payload = {**first.payload, "notice": {**first.payload["notice"], "summary": f"n{n:02}"}}
        Notice.objects.create(
            kind=first.kind, incident=first.incident, component_ids=first.component_ids,
            payload=payload, translated_payloads={"en": payload},
        )  # fmt: skip


def send_due() -> None:
    while ids := [pk for pk, _ in delivery.due_deliveries(timezone.now())]:
        delivery.deliver(ids)


def test_over_the_subscribers_cap_messages_wait_for_the_next_window_in_order(
    sms_on, outage, settings, monkeypatch
):
    settings.SMS_RATE_PER_SUBSCRIBER = (2, 3600)
    stand_in = sms_on("twilio")
    subscriber = sms_subscriber()
    outage()
    more_notices(3)
    hour = (timezone.now().timestamp() // 3600) * 3600
    monkeypatch.setattr(sms, "clock", lambda: hour + 10)
    send_all()
    assert len(stand_in.sent) == 2
    waiting = Delivery.objects.filter(subscriber=subscriber, status=DeliveryStatus.PENDING)
    assert waiting.count() == 2
    assert set(waiting.values_list("attempts", flat=True)) == {0}  # not counted as attempts
    first_waiting = waiting.order_by("notice_id").first()
    assert first_waiting.next_attempt_at > timezone.now() + timedelta(minutes=59)
    assert "SMS cap" in first_waiting.last_error

    monkeypatch.setattr(sms, "clock", lambda: hour + 3600 + 10)
    waiting.update(next_attempt_at=timezone.now())
    send_due()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    texts = [s.text.split("】")[1] for s in stand_in.sent]
    assert texts[0].startswith("Disburs")
    assert [t[:3] for t in texts[1:]] == ["n01", "n02", "n03"]  # in the order written


def test_over_the_global_cap_a_burst_is_deferred_and_everyone_gets_it_later(
    sms_on, outage, settings, monkeypatch
):
    settings.SMS_RATE_GLOBAL = (3, 60)
    stand_in = sms_on("twilio")
    subscribers = [sms_subscriber(phone=f"+861380013800{n}") for n in range(7)]
    outage()
    minute = (timezone.now().timestamp() // 60) * 60
    monkeypatch.setattr(sms, "clock", lambda: minute + 1)
    send_all()
    assert len(stand_in.sent) == 3
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING, attempts=0).count() == 4
    for window in (1, 2):
        monkeypatch.setattr(sms, "clock", lambda window=window: minute + 60 * window + 1)
        Delivery.objects.filter(status=DeliveryStatus.PENDING).update(
            next_attempt_at=timezone.now()
        )
        send_due()
    assert sorted(s.phone for s in stand_in.sent) == sorted(str(s.phone) for s in subscribers)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def template(**fields) -> SmsTemplate:
    defaults = {"kind": "incident_opened", "language": "zh-hans", "template_code": "SMS_1",
                "text": "${title}，详情${url} 回复TD退订",
                "variables": {"title": "title", "url": "url"}}  # fmt: skip
    return SmsTemplate(**{**defaults, **fields})


def test_a_good_template_passes(db, settings):
    settings.SMS_URL = ""
    template().full_clean()
    template(kind="code", text="验证码${code}", variables={"code": "code"}).full_clean()
    template(text="{1}，详情{2} 回复TD退订", variables={"1": "title", "2": "url"}).full_clean()
    template(
        text="${t} ${u} ${x}", variables={"t": "title", "u": "url", "x": "unsubscribe"}
    ).full_clean()
    template(
        text="${t}. Details ${u} Reply STOP to opt out.", variables={"t": "title", "u": "url"}
    ).full_clean()
    template(text="${title}：详情${url}，回复TD退订。").full_clean()


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"text": "状态有变，回复TD退订", "variables": {}}, "text", "no placeholder"),
        ({"variables": {"title": "title"}}, "variables", "url"),
        ({"variables": {"title": "title", "url": "link"}}, "variables", "Unknown values link"),
        ({"variables": {"title": "title", "url": "url", "x": "page"}}, "variables",
         "no placeholder x"),
        ({"text": "${title}，详情${url}", }, "text", "how to stop"),
        ({"text": "回复TD退订。${title}，详情${url}", }, "text", "how to stop"),
        ({"text": "${title} ${x}，详情${url}",
          "variables": {"title": "title", "x": "unsubscribe", "url": "url"}}, "text",
         "how to stop"),
        ({"text": "${title} ${page} 回复TD退订", "variables": {"title": "title", "page": "page"}},
         "variables", "needs url"),
        ({"kind": "code", "text": "验证码${c}", "variables": {"c": "title"}}, "variables",
         "needs code"),
        ({"text": "{1}，详情{3} 回复TD退订", "variables": {"1": "title", "3": "url"}}, "text",
         "without gaps"),
    ],
)  # fmt: skip
def test_a_template_the_notices_cannot_fill_is_refused_and_nothing_saved(
    fields, field, says, db, settings
):
    settings.SMS_URL = ""
    with pytest.raises(ValidationError) as refused:
        template(**fields).full_clean()
    assert field in refused.value.message_dict
    assert says in " ".join(refused.value.message_dict[field])
    assert not SmsTemplate.objects.exists()


def test_a_template_in_the_other_providers_syntax_is_refused(sms_on, db):
    sms_on("tencent")
    with pytest.raises(ValidationError) as refused:
        template().full_clean()  # ${title}: Aliyun's, not Tencent's {1}
    assert "text" in refused.value.message_dict


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nexmo://k:s@rest.nexmo.com", "unknown provider 'nexmo'"),
        ("aliyun://dysmsapi.aliyuncs.com?sign_name=x", "needs its credentials"),
        ("aliyun://k:s@dysmsapi.aliyuncs.com", "needs sign_name"),
        ("tencent://k:s@sms.tencentcloudapi.com?sign_name=x", "needs sdk_app_id"),
        ("tencent://k:s@sms.tencentcloudapi.com", "needs sdk_app_id and sign_name"),
        ("twilio://AC1:tok@api.twilio.com", "from=+1… or messaging_service_sid"),
        ("aliyun://k:s@127.0.0.1:9?sign_name=x&scheme=http", "local stand-in only"),
        ("aliyun://k:s@dysmsapi.aliyuncs.com?sign_name=x&scheme=ftp", "http or https"),
        ("tencent://k:s@h?sdk_app_id=1&sign_name=x&variable_limit=lots", "variable_limit"),
    ],
)
def test_a_bad_sms_url_is_a_clear_configuration_error(url, says, settings):
    settings.ALLOW_PRIVATE_ADDRESSES = False
    settings.SMS_URL = url
    with pytest.raises(ImproperlyConfigured) as refused:
        sms.provider()
    assert says in str(refused.value)


def test_with_a_bad_sms_url_deliveries_fail_and_operators_are_told(
    sms_on, outage, settings, caplog
):
    sms_on("twilio")
    subscriber = sms_subscriber()
    outage()
    settings.SMS_URL = "twilio://AC1:tok@api.twilio.com"  # no from=
    with caplog.at_level(logging.ERROR):
        send_all()
    sent = sms_delivery(subscriber)
    assert sent.status == DeliveryStatus.DEAD and "from=" in sent.last_error
    assert SMS_SUBJECT in caplog.text


def test_a_round_held_back_by_the_global_cap_is_not_left_counted(settings, db):
    """Caps are counted a round at a time: what a cap holds back is taken back, so the next
    window's arithmetic starts true."""
    settings.SMS_RATE_PER_SUBSCRIBER = (1, 3600)
    settings.SMS_RATE_GLOBAL = (3, 3600)
    now = 7 * 3600 + 5.0
    assert sms.take(["a", "b", "c", "d"], now) == [0.0, 0.0, 0.0, 3595.0]
    assert sms.take(["a"], now) == [3595.0]  # a's own cap now, not the global one
    assert sms.take(["d"], now) == [3595.0]  # still the global cap: d was not left counted
    assert cache.get("notify:sms-rate:all:3600:7") == 3
    assert cache.get("notify:sms-rate:d:3600:7") == 0
    sms.give_back(["c"], now)  # a cut batch: c's message did not go
    assert sms.take(["e"], now) == [0.0]


def test_without_redis_sms_still_go(settings, sms_on, outage, caplog):
    """The caps are a cost control; an outage of our Redis must not hold a notice back."""
    stand_in = sms_on("twilio")
    subscriber = sms_subscriber()
    outage()
    for notice in Notice.objects.filter(fanned_out_at__isnull=True):
        delivery.fan_out(notice.pk, lambda mode, ids: None)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9",  # nothing listens on the discard port
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
    with caplog.at_level(logging.WARNING):
        assert sms.take(["x"], 0.0) == [0.0]
        delivery.deliver([sms_delivery(subscriber).pk])
    assert sms_delivery(subscriber).status == DeliveryStatus.DELIVERED
    assert len(stand_in.sent) == 1
    assert "SMS caps unavailable, sending anyway" in caplog.text

"""Codes typed back: SMS subscribers and chat robots confirm with a six-digit code, stored
hashed, expiring, void after too many wrong tries, replaced by a new one, sent after commit by
the send_code task (to the locmem SMS provider, or to a local stand-in for each robot app that
checks its signature), and never needed when an operator subscribes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from statuspage.notify import robots, subscriptions, tasks
from statuspage.notify.models import Subscriber
from tests.notify.test_robots import (
    PATHS,
    SECRETS,
    AppStandIn,
    text_of,
)

MOBILE = "+8613800138000"

pytestmark = pytest.mark.django_db


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def subscribe_sms(worker, phone: str = "138 0013 8000", **kwargs) -> Subscriber:
    return worker(subscriptions.subscribe, phone=phone, **kwargs)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.mark.parametrize(
    "typed",
    ["138 0013 8000", "138-0013-8000", "13800138000", "+86 138 0013 8000", " (138) 0013 8000 "],
)
def test_a_mainland_number_typed_any_usual_way_is_stored_in_e164(typed, texts, worker):
    subscriber = subscribe_sms(worker, typed)
    subscriber.refresh_from_db()
    assert (subscriber.mode, str(subscriber.phone), subscriber.email) == ("sms", MOBILE, "")
    assert subscriber.state == "unconfirmed"


def test_statuspages_phone_country_says_how_to_read_the_number(texts, worker, settings):
    settings.SMS_COUNTRIES = ["CN", "HK"]
    subscriber = worker(subscriptions.subscribe, phone="6123 4567", phone_country="hk")
    assert str(subscriber.phone) == "+85261234567"


@pytest.mark.parametrize(
    ("phone", "country", "field", "words"),
    [
        ("138 0013 800a", "", "phone", "not a phone number"),
        ("1-800-FLOWERS", "", "phone", "not a phone number"),
        ("138 0013\n8000", "", "phone", "not a phone number"),
        ("1" * 5000, "", "phone", "not a phone number"),
        ("12345", "", "phone", "not a phone number"),
        ("+1 202 555 0143", "", "phone", "numbers in CN only"),
        ("202 555 0143", "US", "phone", "numbers in CN only"),
        ("138 0013 8000", "XX", "phone_country", "ISO code"),
    ],
)
def test_a_bad_number_is_a_clear_error_and_nothing_is_written(
    phone, country, field, words, texts, worker
):
    with pytest.raises(ValidationError) as refused:
        worker(subscriptions.subscribe, phone=phone, phone_country=country)
    assert words in " ".join(refused.value.message_dict[field])
    assert not Subscriber.objects.exists()
    assert texts == []


def test_without_an_sms_provider_nobody_subscribes_by_sms(settings, worker):
    settings.SMS_URL = ""
    with pytest.raises(ValidationError) as refused:
        worker(subscriptions.subscribe, phone="138 0013 8000")
    assert "not available" in str(refused.value.message_dict["phone"])
    assert not Subscriber.objects.exists()


def test_the_code_goes_by_sms_after_commit_and_typed_back_activates(
    texts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        subscriber = subscriptions.subscribe(phone="138 0013 8000")
    assert len(queued) == 1 and texts == []  # sent after commit, by the task
    tasks.send_code(subscriber.pk)
    [text] = texts
    assert (text.phone, text.kind) == (MOBILE, "code")
    code = text.values["code"]
    assert re.fullmatch(r"\d{6}", code) and code in text.text
    subscriber.refresh_from_db()
    assert subscriber.confirmation_sent_at is not None
    assert code not in subscriber.code_hash and len(subscriber.code_hash) == 64
    assert subscriptions.confirm_with_code(subscriber, other_code(code)) is False
    assert subscriber.state == "unconfirmed"
    assert subscriptions.confirm_with_code(subscriber, f" {code} ") is True
    assert subscriber.state == "active" and subscriber.confirmed_at is not None
    assert subscriber.code_hash == ""
    assert subscriptions.confirm_with_code(subscriber, code) is False  # used up
    assert mail.outbox == []  # no email for an SMS subscriber


def test_a_code_expires(texts, worker, clock, settings):
    subscriber = subscribe_sms(worker)
    code = texts[-1].values["code"]
    clock(timezone.now() + timedelta(minutes=settings.CODE_MAX_AGE_MINUTES, seconds=1))
    assert subscriptions.confirm_with_code(subscriber, code) is False
    subscriber.refresh_from_db()
    assert subscriber.state == "unconfirmed"


def test_a_code_works_just_before_it_expires(texts, worker, clock, settings):
    subscriber = subscribe_sms(worker)
    code = texts[-1].values["code"]
    clock(timezone.now() + timedelta(minutes=settings.CODE_MAX_AGE_MINUTES - 1))
    assert subscriptions.confirm_with_code(subscriber, code) is True


def test_too_many_wrong_tries_void_the_code_until_a_new_one_is_sent(texts, worker, settings):
    subscriber = subscribe_sms(worker)
    code = texts[-1].values["code"]
    for _ in range(settings.CODE_MAX_ATTEMPTS):
        assert subscriptions.confirm_with_code(subscriber, other_code(code)) is False
    assert subscriptions.confirm_with_code(subscriber, code) is False  # void now
    subscriber.refresh_from_db()
    assert subscriber.state == "unconfirmed" and subscriber.code_hash == ""
    assert worker(subscriptions.resend_code, subscriber) is True
    fresh = texts[-1].values["code"]
    assert subscriptions.confirm_with_code(subscriber, fresh) is True


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "１２３４５６", "12 34 5x"])
def test_malformed_codes_count_as_wrong_tries(typed, texts, worker):
    subscriber = subscribe_sms(worker)
    assert subscriptions.confirm_with_code(subscriber, typed) is False
    subscriber.refresh_from_db()
    assert subscriber.code_attempts == 1


def test_a_new_code_replaces_the_old(texts, worker):
    subscriber = subscribe_sms(worker)
    first = texts[-1].values["code"]
    worker(subscriptions.resend_code, subscriber)
    second = texts[-1].values["code"]
    if first != second:  # one in a million they are the same
        assert subscriptions.confirm_with_code(subscriber, first) is False
    assert subscriptions.confirm_with_code(subscriber, second) is True


@pytest.mark.usefixtures("one_window")
def test_resending_is_limited_per_number_with_repeat_subscriptions(texts, worker, settings):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = (3, 3600)
    subscriber = subscribe_sms(worker)  # the first code: not a message at someone's request
    assert worker(subscriptions.resend_code, subscriber) is True
    again = subscribe_sms(worker, "+86 138-0013-8000")  # the same number, spelt otherwise
    assert again.pk == subscriber.pk
    assert worker(subscriptions.resend_code, subscriber) is True
    assert worker(subscriptions.resend_code, subscriber) is False
    subscribe_sms(worker)
    assert len(texts) == 4
    assert Subscriber.objects.count() == 1
    # Another number has its own allowance.
    subscribe_sms(worker, "139 0013 9000")
    assert len(texts) == 5


def test_a_repeat_subscription_changes_nothing_but_sends_a_fresh_code(texts, worker, components):
    subscriber = subscribe_sms(worker, components=[components["app"]], language="zh-hans")
    code = texts[-1].values["code"]
    assert subscriptions.confirm_with_code(subscriber, code)
    again = subscribe_sms(worker, components=[components["credit"]], language="en")
    assert again.pk == subscriber.pk
    subscriber.refresh_from_db()
    assert subscriber.language == "zh-hans" and subscriber.state == "active"
    assert list(subscriber.components.all()) == [components["app"]]
    assert texts[-1].language == "zh-hans"  # the subscriber's language, not the asker's
    assert subscriptions.confirm_with_code(subscriber, texts[-1].values["code"]) is True


def test_an_operator_skips_the_code(texts, worker):
    subscriber = subscribe_sms(worker, skip_confirmation=True)
    assert subscriber.state == "active"
    assert texts == []


def test_an_email_given_with_a_number_is_not_kept(texts, worker):
    subscriber = subscribe_sms(worker, email="ana@example.com")
    assert (subscriber.mode, subscriber.email) == ("sms", "")


def test_a_number_and_a_url_together_are_refused(texts, worker):
    with pytest.raises(ValidationError) as refused:
        worker(
            subscriptions.subscribe,
            phone="138 0013 8000",
            email="a@example.com",
            endpoint="https://hooks.slack.com/services/T/B/x",
            chat_app="slack",
        )
    assert "phone" in refused.value.message_dict
    assert not Subscriber.objects.exists()


def test_the_sweeper_sends_a_code_the_queue_lost(
    texts, worker, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks():  # the transaction's hooks never run
        subscriber = subscriptions.subscribe(phone="138 0013 8000")
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: task(*args))  # a worker at once
    worker(tasks.sweep)
    assert [t.phone for t in texts] == [MOBILE]
    subscriber.refresh_from_db()
    assert subscriber.confirmation_sent_at is not None
    worker(tasks.sweep)
    assert len(texts) == 1


def robot(worker, stand_in: AppStandIn, app: str, secret: str | None = None) -> Subscriber:
    return worker(
        subscriptions.subscribe,
        email="ops@example.com",
        endpoint=stand_in.url(app),
        chat_app=app,
        chat_secret=SECRETS.get(app, "") if secret is None else secret,
    )


@pytest.mark.parametrize("app", list(PATHS))
def test_a_robot_is_posted_its_code_signed_in_its_apps_format(app, stand_in, worker):
    subscriber = robot(worker, stand_in, app)
    [request] = stand_in.of(app)
    text = text_of(app, request.json)
    assert "验证码为" in text  # the subscription's language, the page's default here
    subscriber.refresh_from_db()
    assert subscriber.state == "unconfirmed" and subscriber.confirmation_sent_at is not None
    assert subscriptions.confirm_with_code(subscriber, code_in(text)) is True
    assert subscriber.state == "active"
    assert mail.outbox == []  # the code went to the robot, not to the owner's mailbox


@pytest.mark.parametrize(
    ("app", "secret"), [("dingtalk", "SECsomeone-else"), ("feishu", "someone-else")]
)
def test_a_robot_refusing_our_signature_is_not_retried(app, secret, stand_in, worker):
    subscriber = robot(worker, stand_in, app, secret)  # the task gives up without raising
    assert len(stand_in.of(app)) == 1
    subscriber.refresh_from_db()
    assert subscriber.state == "unconfirmed" and subscriber.code_hash  # a code nobody read
    assert subscriber.confirmation_sent_at is not None  # the sweeper will not try again


def test_a_robot_answering_500_is_retried(stand_in, django_capture_on_commit_callbacks):
    stand_in.answers["wecom"] = (500, b"busy", {})
    with django_capture_on_commit_callbacks():
        subscriber = subscriptions.subscribe(
            email="ops@example.com", endpoint=stand_in.url("wecom"), chat_app="wecom"
        )
    with pytest.raises(subscriptions.CodeNotSent) as failed:
        tasks.send_code(subscriber.pk)  # called directly, Celery's retry raises the cause
    assert not failed.value.permanent
    subscriber.refresh_from_db()
    assert subscriber.confirmation_sent_at is None  # the sweeper would find it too
    del stand_in.answers["wecom"]
    tasks.send_code(subscriber.pk)
    code = code_in(stand_in.of("wecom")[-1].json["markdown"]["content"])
    assert subscriptions.confirm_with_code(subscriber, code) is True


def test_a_code_counts_against_the_robots_rate_limit(
    stand_in, django_capture_on_commit_callbacks, monkeypatch
):
    """A Slack webhook takes one message a second: a second code within that second is not
    posted (the app would refuse it) but retried after the window."""
    now = 1_800_000_000.0
    monkeypatch.setattr(robots, "clock", lambda: now)
    with django_capture_on_commit_callbacks():
        subscriber = subscriptions.subscribe(
            email="ops@example.com", endpoint=stand_in.url("slack"), chat_app="slack"
        )
    tasks.send_code(subscriber.pk)
    with pytest.raises(subscriptions.CodeNotSent) as held:
        tasks.send_code(subscriber.pk)  # "send a new code" at once
    assert not held.value.permanent and 0 < held.value.retry_after <= 1
    assert len(stand_in.of("slack")) == 1
    monkeypatch.setattr(robots, "clock", lambda: now + 1)
    tasks.send_code(subscriber.pk)
    assert len(stand_in.of("slack")) == 2


def test_a_robot_url_off_its_apps_hosts_is_refused_and_nothing_written(settings, worker, db):
    settings.ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError) as refused:
        worker(
            subscriptions.subscribe,
            email="ops@example.com",
            endpoint="https://example.com/robot/send?access_token=x",
            chat_app="dingtalk",
            chat_secret="SECx",
        )
    assert "not a DingTalk robot URL" in str(refused.value.message_dict["endpoint"])
    assert not Subscriber.objects.exists()


def test_an_operator_adds_a_robot_without_a_code(stand_in, worker):
    subscriber = worker(
        subscriptions.subscribe,
        email="ops@example.com",
        endpoint=stand_in.url("slack"),
        chat_app="slack",
        skip_confirmation=True,
    )
    assert subscriber.state == "active"
    assert stand_in.received == []

"""Subscribing by SMS or a chat robot on /subscribe: the code sent, typed back on the code
page, a new one asked for (within limits), and every bad input a clear error on its field with
nothing written and nothing sent."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from statuspage.notify import subscriptions
from statuspage.notify.models import Subscriber
from tests.notify.test_robots import (
    DINGTALK_SECRET,
)

pytestmark = pytest.mark.usefixtures("components")


def post(worker, client, url: str, **data):
    """POST as a visitor, with the work it queues done at once by a worker."""
    return worker(client.post, url, data)


def subscribe(worker, client, **data):
    return post(worker, client, "/subscribe", **{"language": "en", **data})


def test_sms_is_offered_only_with_a_provider(client, settings):
    settings.SMS_URL = ""
    assert 'name="phone"' not in client.get("/subscribe").content.decode()
    settings.SMS_URL = "locmem://"
    page = client.get("/subscribe").content.decode()
    assert '<input type="tel" name="phone"' in page
    assert page.index('<button type="submit">Subscribe</button>') < page.index('name="phone"')
    assert 'name="chat_app"' in page and 'name="robot_url"' in page


def test_a_visitor_subscribes_by_sms_and_types_the_code_back(client, worker, texts):
    response = subscribe(worker, client, mode="sms", phone="138 0013 8000")
    assert response.status_code == 302
    code_page = response["Location"]
    assert code_page.startswith("/subscribe/code/")
    [text] = texts
    assert text.phone == "+8613800138000"
    page = client.get(code_page)
    assert page.status_code == 200
    body = page.content.decode()
    assert "+86138····8000" in body and "13800138000" not in body
    assert 'autocomplete="one-time-code"' in body

    wrong = f"{(int(text.values['code']) + 1) % 1_000_000:06d}"
    refused = client.post(code_page, {"action": "confirm", "code": wrong})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert 'aria-describedby="code-help code-errors"' in body and 'id="code-errors"' in body
    assert "wrong or has expired" in body

    done = client.post(code_page, {"action": "confirm", "code": text.values["code"]})
    assert done.status_code == 200
    assert "You are subscribed" in done.content.decode()
    manage = re.search(
        r'href="http://127\.0\.0\.1:8000(/subscriptions/[^"]+)"', done.content.decode()
    )
    subscriber = Subscriber.objects.get()
    assert (subscriber.mode, subscriber.state, subscriber.email) == ("sms", "active", "")
    assert "+8613800138000" in client.get(manage.group(1)).content.decode()
    assert mail.outbox == []


@pytest.mark.usefixtures("one_window")
def test_a_new_code_replaces_the_last_and_is_limited_per_number(client, worker, texts, settings):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = (2, 3600)
    code_page = subscribe(worker, client, mode="sms", phone="13800138000")["Location"]
    first = texts[-1].values["code"]
    resent = post(worker, client, code_page, action="resend")
    assert resent.status_code == 200 and "A new code is on its way" in resent.content.decode()
    second = texts[-1].values["code"]
    assert len(texts) == 2
    post(worker, client, code_page, action="resend")
    limited = post(worker, client, code_page, action="resend")
    assert limited.status_code == 429 and limited["Retry-After"] == "3600"
    assert len(texts) == 3
    if first not in (second, texts[-1].values["code"]):
        assert client.post(code_page, {"action": "confirm", "code": first}).status_code == 400
    ok = client.post(code_page, {"action": "confirm", "code": texts[-1].values["code"]})
    assert ok.status_code == 200


@pytest.mark.usefixtures("one_window")
def test_the_code_page_is_limited_per_client(client, worker, texts, settings):
    settings.SUBSCRIBE_RATE_PER_IP = (3, 600)
    code_page = subscribe(worker, client, mode="sms", phone="13800138000")["Location"]
    client.post(code_page, {"action": "confirm", "code": "000000"})
    client.post(code_page, {"action": "confirm", "code": "000001"})
    assert client.post(code_page, {"action": "confirm", "code": "000002"}).status_code == 429


def test_too_many_wrong_codes_need_a_new_one(client, worker, texts, settings):
    code_page = subscribe(worker, client, mode="sms", phone="13800138000")["Location"]
    code = texts[-1].values["code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(settings.CODE_MAX_ATTEMPTS):
        client.post(code_page, {"action": "confirm", "code": wrong})
    assert client.post(code_page, {"action": "confirm", "code": code}).status_code == 400
    post(worker, client, code_page, action="resend")
    fresh = texts[-1].values["code"]
    assert client.post(code_page, {"action": "confirm", "code": fresh}).status_code == 200


def test_a_forged_or_other_code_page_link_does_not_work(client, worker, texts):
    assert client.get("/subscribe/code/not-a-token").status_code == 400
    email = subscriptions.subscribe(email="ana@example.com")
    token = subscriptions.code_page_token(email)  # an email subscriber has no code page
    assert client.get(f"/subscribe/code/{token}").status_code == 400


def test_enter_in_the_phone_field_subscribes_by_sms(client, worker, texts):
    response = subscribe(worker, client, phone="138 0013 8000")  # no button's mode
    assert response.status_code == 302
    assert Subscriber.objects.get().mode == "sms"


@pytest.mark.parametrize(
    ("phone", "words"),
    [
        ("138 0013 800a", "not a phone number"),
        ("一三八", "not a phone number"),
        ("138 0013\r\n8000", "not a phone number"),
        ("1" * 5000, "at most 40 characters"),
        ("", "Enter your mobile number"),
        ("+1 202 555 0143", "numbers in CN only"),
        ("+852 6123 4567", "numbers in CN only"),
    ],
)
def test_a_bad_number_is_an_error_on_its_field(client, worker, texts, phone, words):
    response = subscribe(worker, client, mode="sms", phone=phone)
    assert response.status_code == 400
    body = response.content.decode()
    assert words in " ".join(response.context["form"].errors["phone"])
    assert 'aria-describedby="phone-errors"' in body and 'id="phone-errors"' in body
    assert '<details class="developers other-way" open>' in body
    assert not Subscriber.objects.exists() and texts == []


def test_sms_without_a_provider_is_refused(client, worker, settings):
    settings.SMS_URL = ""
    response = subscribe(worker, client, mode="sms", phone="13800138000")
    assert response.status_code == 400
    assert "mode" in response.context["form"].errors
    assert not Subscriber.objects.exists()


def test_a_team_subscribes_its_dingtalk_robot_with_the_code_it_was_posted(client, worker, stand_in):
    response = subscribe(
        worker,
        client,
        mode="robot",
        email="ops@example.com",
        chat_app="dingtalk",
        robot_url=stand_in.url("dingtalk"),
        chat_secret=DINGTALK_SECRET,
    )
    assert response.status_code == 302
    [posted] = stand_in.of("dingtalk")
    assert posted.query["sign"]  # signed as DingTalk checks it (the stand-in answered errcode 0)
    text = posted.json["markdown"]["text"]
    code = re.search(r"Your code is (\d{6})", text).group(1)
    assert "your DingTalk robot" in client.get(response["Location"]).content.decode()
    done = client.post(response["Location"], {"action": "confirm", "code": code})
    assert done.status_code == 200
    robot = Subscriber.objects.get()
    assert (robot.mode, robot.chat_app, robot.state) == ("robot", "dingtalk", "active")
    assert robot.chat_secret == DINGTALK_SECRET and robot.email == "ops@example.com"
    assert mail.outbox == []


ROBOT = {"mode": "robot", "email": "ops@example.com"}


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"chat_app": "dingtalk", "robot_url": "https://example.com/robot/send?access_token=x",
          "chat_secret": "SECx"}, "robot_url", "not a DingTalk robot URL"),
        ({"chat_app": "dingtalk", "robot_url": "https://oapi.dingtalk.com/robot/send?access_token=x"},
         "chat_secret", "signing secret"),
        ({"chat_app": "dingtalk", "robot_url": "https://oapi.dingtalk.com/robot/send?access_token=x",
          "chat_secret": "nope"}, "chat_secret", "starts with SEC"),
        ({"chat_app": "slack", "robot_url": "https://hooks.slack.com/services/T/B/x",
          "chat_secret": "x"}, "chat_secret", "does not sign"),
        ({"chat_app": "icq", "robot_url": "https://hooks.slack.com/services/T/B/x"}, "chat_app",
         "valid choice"),
        ({"chat_app": "slack", "robot_url": ""}, "robot_url", "webhook URL"),
        ({"chat_app": "slack", "robot_url": "https://hooks.slack.com/services/T/B\n/x"},
         "robot_url", "valid URL"),
        ({"chat_app": "slack", "robot_url": "https://hooks.slack.com/" + "x" * 3000},
         "robot_url", "at most 2000"),
        ({"chat_app": "slack", "robot_url": "https://hooks.slack.com/services/T/B/x",
          "email": ""}, "email", "required"),
        ({"chat_app": "feishu", "robot_url": "https://open.feishu.cn/open-apis/bot/v2/hook/h",
          "chat_secret": "s" * 201}, "chat_secret", "at most 200"),
    ],
)  # fmt: skip
def test_a_bad_robot_is_an_error_on_its_field(client, worker, settings, data, field, words):
    settings.ALLOW_PRIVATE_ADDRESSES = False
    response = subscribe(worker, client, **{**ROBOT, **data})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and words in " ".join(errors[field]), errors
    body = response.content.decode()
    assert f'id="{field}-errors"' in body and 'aria-invalid="true"' in body
    assert not Subscriber.objects.exists()


def test_the_same_robot_again_changes_nothing_and_posts_a_fresh_code(client, worker, stand_in):
    fields = {"chat_app": "wecom", "robot_url": stand_in.url("wecom"), **ROBOT}
    first = subscribe(worker, client, **fields)
    second = subscribe(worker, client, **{**fields, "language": "zh-hans"})
    assert first.status_code == second.status_code == 302
    assert Subscriber.objects.get().language == "en"
    assert len(stand_in.of("wecom")) == 2


def test_an_incident_can_be_followed_by_sms_but_not_by_a_robot(client, worker, texts, open_outage):
    incident = open_outage()
    page = client.get(f"/incidents/{incident.pk}/subscribe").content.decode()
    assert 'name="phone"' in page and 'name="robot_url"' not in page
    response = subscribe_to(worker, client, f"/incidents/{incident.pk}/subscribe", "13800138000")
    assert response.status_code == 302
    assert Subscriber.objects.get().incident_id == incident.pk


def subscribe_to(worker, client, url: str, phone: str):
    return post(worker, client, url, mode="sms", phone=phone, language="en")


def test_the_code_page_is_served_in_chinese_too(client, worker, texts):
    code_page = subscribe(worker, client, mode="sms", phone="13800138000")["Location"]
    page = client.get(code_page, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert 'lang="zh' in page.content.decode() and "+86138····8000" in page.content.decode()

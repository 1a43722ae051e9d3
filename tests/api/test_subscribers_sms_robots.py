"""SMS subscribers and chat robots through /v1: Statuspage's `phone_number` + `phone_country`,
our `endpoint` + `chat_app` (+ `chat_secret`); a code sent unless the operator skips it; the
number answered as Statuspage does; bad input a 422 naming the field, nothing written."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from statuspage.notify import subscriptions
from statuspage.notify.models import Subscriber
from tests.notify.test_robots import (
    FEISHU_SECRET,
)


@pytest.fixture
def texts(texts, settings):
    """SMS on, as everywhere, with Hong Kong numbers allowed too."""
    settings.SMS_COUNTRIES = ["CN", "HK"]
    return texts


@pytest.fixture
def may_skip(integrator):
    integrator.user_permissions.add(
        Permission.objects.get(codename="add_subscriber_without_confirmation")
    )


def test_an_sms_subscriber_is_sent_a_code_and_answered_as_statuspage_does(
    api, components, texts, worker
):
    body = {"subscriber": {"phone_number": "138 0013 8000", "phone_country": "CN"}}
    response = worker(api.post, "subscribers", body)
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["mode"] == "sms" and created["state"] == "unconfirmed"
    assert (created["phone_number"], created["phone_country"]) == ("13800138000", "CN")
    assert created["display_phone_number"] == "+86 138 0013 8000"
    assert created["email"] is None and created["endpoint"] is None
    assert created["secret"] is None
    [text] = texts
    assert text.phone == "+8613800138000"
    # The code is typed back where the answer says (the operator passes it on).
    page = created["confirmation_url"].removeprefix("http://127.0.0.1:8000")
    visitor = Client(headers={"Accept-Language": "en"})
    done = visitor.post(page, {"action": "confirm", "code": text.values["code"]})
    assert done.status_code == 200
    shown = api.get(f"subscribers/{created['id']}").json()
    assert shown["state"] == "active" and shown["phone_number"] == "13800138000"
    assert "confirmation_url" not in shown


def test_an_operator_imports_sms_subscribers_without_codes(
    api, components, texts, worker, may_skip
):
    body = {
        "subscriber": {
            "phone_number": "6123 4567",
            "phone_country": "HK",
            "skip_confirmation_notification": True,
            "component_ids": [components["app"].id],
        }
    }
    created = worker(api.post, "subscribers", body).json()
    assert created["state"] == "active" and created["confirmation_url"] is None
    assert (created["phone_number"], created["phone_country"]) == ("61234567", "HK")
    assert texts == []
    listed = api.get("subscribers", type="sms").json()
    assert [(s["id"], s["display_phone_number"]) for s in listed] == [
        (created["id"], "+852 6123 4567")
    ]
    assert [s["id"] for s in api.get("subscribers", q="6123").json()] == [created["id"]]
    assert api.get("subscribers/count", type="sms").json()["sms"] == 1


def test_the_same_number_again_is_the_same_subscriber(api, components, texts, worker):
    first = worker(api.post, "subscribers", {"subscriber": {"phone_number": "13800138000"}})
    again = worker(api.post, "subscribers", {"subscriber": {"phone_number": "+86 138-0013-8000"}})
    assert first.json()["id"] == again.json()["id"]
    assert Subscriber.objects.count() == 1 and len(texts) == 2  # a fresh code, within limits


def test_an_incident_can_be_followed_by_sms(api, components, texts, worker, open_outage):
    incident = open_outage()
    response = worker(
        api.post,
        f"incidents/{incident.pk}/subscribers",
        {"subscriber": {"phone_number": "13800138000"}},
    )
    assert response.status_code == 201, response.json()
    assert Subscriber.objects.get().incident_id == incident.pk


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"phone_number": "138 0013 800a"}, "phone_number", "not a phone number"),
        ({"phone_number": "138\n0013 8000"}, "phone_number", "not a phone number"),
        ({"phone_number": "1" * 500}, "phone_number", "no more than 40"),
        ({"phone_number": 13800138000}, "phone_number", "Expected text"),
        ({"phone_number": "202 555 0143", "phone_country": "US"}, "phone_number", "CN, HK only"),
        ({"phone_number": "13800138000", "phone_country": "ZZ"}, "phone_country", "ISO code"),
        ({"phone_number": "13800138000", "phone_country": "CHN"}, "phone_country",
         "no more than 2"),
        ({"phone_country": "CN"}, "phone_number", "required"),
        ({"phone_number": "13800138000", "endpoint": "https://hooks.slack.com/services/T/B/x",
          "chat_app": "slack", "email": "ops@example.com"}, "phone_number", "not both"),
    ],
)  # fmt: skip
def test_bad_sms_subscribers_are_422_naming_the_field_and_nothing_written(
    api, components, texts, fields, field, words
):
    response = api.post("subscribers", {"subscriber": fields})
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert field in errors and words in str(errors[field]), errors
    assert not Subscriber.objects.exists() and texts == []


def test_sms_without_a_provider_is_422(api, components, settings):
    settings.SMS_URL = ""
    response = api.post("subscribers", {"subscriber": {"phone_number": "13800138000"}})
    assert response.status_code == 422
    assert "not available" in str(response.json()["errors"]["phone_number"])
    assert not Subscriber.objects.exists()


def test_a_robot_created_without_skipping_is_posted_its_code(api, components, stand_in, worker):
    body = {
        "subscriber": {
            "endpoint": stand_in.url("feishu"),
            "chat_app": "feishu",
            "chat_secret": FEISHU_SECRET,
            "email": "ops@example.com",
        }
    }
    created = worker(api.post, "subscribers", body).json()
    assert (created["mode"], created["state"]) == ("robot", "unconfirmed")
    [posted] = stand_in.of("feishu")
    assert posted.json["sign"]  # the stand-in checked it as Feishu does, and said code 0
    text = posted.json["card"]["elements"][0]["text"]["content"]
    code = re.search(r"\b(\d{6})\b", text).group(1)  # in the robot's language (zh-hans)
    robot = Subscriber.objects.get()
    assert subscriptions.confirm_with_code(robot, code) is True
    assert api.get(f"subscribers/{robot.pk}").json()["state"] == "active"


def test_a_robot_with_skipping_is_active_and_posted_nothing(
    api, components, stand_in, worker, may_skip
):
    body = {
        "subscriber": {
            "endpoint": stand_in.url("slack"),
            "chat_app": "slack",
            "email": "ops@example.com",
            "skip_confirmation_notification": True,
        }
    }
    created = worker(api.post, "subscribers", body).json()
    assert created["state"] == "active" and created["phone_number"] is None
    assert stand_in.received == []


def test_resending_a_robots_confirmation_posts_a_new_code(api, components, stand_in, worker):
    body = {
        "subscriber": {
            "endpoint": stand_in.url("wecom"),
            "chat_app": "wecom",
            "email": "ops@example.com",
        }
    }
    created = worker(api.post, "subscribers", body).json()
    assert worker(api.post, f"subscribers/{created['id']}/resend_confirmation").status_code == 201
    assert len(stand_in.of("wecom")) == 2

"""Chat robots through /v1 subscribers: `endpoint` + `chat_app` (+ `chat_secret`)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from statuspage.notify.models import Subscriber

SLACK = "https://hooks.slack.com/services/T0/B0/x"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=abc"


@pytest.fixture
def may_skip(integrator):
    integrator.user_permissions.add(
        Permission.objects.get(codename="add_subscriber_without_confirmation")
    )


def test_an_operator_adds_a_local_robot(api, components, settings, may_skip):
    settings.ALLOW_PRIVATE_ADDRESSES = True  # a local receiver stands in for DingTalk
    body = {
        "subscriber": {
            "endpoint": "http://127.0.0.1:9/robot/send?access_token=abc",
            "chat_app": "dingtalk",
            "chat_secret": "SECabc",
            "email": "ops@example.com",
            "language": "zh-hans",
            "skip_confirmation_notification": True,
        }
    }
    response = api.post("subscribers", body)
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["mode"], created["chat_app"], created["state"]) == (
        "robot",
        "dingtalk",
        "active",
    )
    assert "chat_secret" not in created and created["secret"] is None
    robot = Subscriber.objects.get()
    assert (robot.chat_app, robot.chat_secret, robot.language) == ("dingtalk", "SECabc", "zh-hans")
    listed = api.get("subscribers?type=robot").json()
    assert [s["id"] for s in listed] == [robot.pk]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"endpoint": "https://example.com/services/T/B/X", "chat_app": "slack"}, "endpoint",
         "not a Slack robot URL"),
        ({"endpoint": DINGTALK, "chat_app": "dingtalk"}, "chat_secret", "signing secret"),
        ({"endpoint": DINGTALK, "chat_app": "dingtalk", "chat_secret": "nope"}, "chat_secret",
         "starts with SEC"),
        ({"endpoint": SLACK, "chat_app": "slack", "chat_secret": "x"}, "chat_secret",
         "does not sign"),
        ({"endpoint": SLACK, "chat_app": "icq"}, "chat_app", "not a valid choice"),
        ({"chat_app": "slack"}, "endpoint", "robot's webhook URL"),
        ({"endpoint": SLACK, "chat_secret": "x"}, "chat_app", "required"),
    ],
)  # fmt: skip
def test_bad_robots_are_refused_with_422_and_nothing_written(
    api, components, settings, fields, field, words
):
    settings.ALLOW_PRIVATE_ADDRESSES = False
    response = api.post("subscribers", {"subscriber": {"email": "ops@example.com", **fields}})
    assert response.status_code == 422, response.json()
    problems = response.json()
    assert field in str(problems) and words in str(problems)
    assert not Subscriber.objects.exists()

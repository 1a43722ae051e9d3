"""Chat robots against a local stand-in for each app: the app's signature checked as its
documentation gives it, its message format, its error codes (on HTTP 200 too), its rate limit
under a burst, its hosts, and a fan-out mixing robots with email and webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from statuspage.notify import delivery, robots, subscriptions, tasks
from statuspage.notify.models import Delivery, DeliveryStatus, Mode, Notice, Subscriber
from tests.notify.workers import send_all
from tests.peers import Listener

DINGTALK_SECRET = "SECdingtalk-test-secret"
FEISHU_SECRET = "feishu-test-secret"
PATHS = {
    "dingtalk": "/robot/send?access_token=tok",
    "wecom": "/cgi-bin/webhook/send?key=k",
    "feishu": "/open-apis/bot/v2/hook/h",
    "slack": "/services/T0/B0/x",
    "teams": "/workflows/w/triggers/manual/paths/invoke",
}
SECRETS = {"dingtalk": DINGTALK_SECRET, "feishu": FEISHU_SECRET}


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def _b64_hmac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def dingtalk_answer(request: Received) -> tuple[int, dict]:
    """DingTalk's check: timestamp (ms) within an hour, sign = Base64(HmacSHA256(secret,
    timestamp + "\\n" + secret)), URL-encoded; refused with errcode 310000 on HTTP 200."""
    timestamp = request.query.get("timestamp", "0")
    expected = _b64_hmac(DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode())
    fresh = abs(time.time() * 1000 - int(timestamp)) < 3600_000
    if not fresh or request.query.get("sign") != expected:
        return 200, {"errcode": 310000, "errmsg": "sign not match"}
    return 200, {"errcode": 0, "errmsg": "ok"}


def feishu_answer(request: Received) -> tuple[int, dict]:
    """Feishu's check: sign = Base64(HmacSHA256(key=timestamp + "\\n" + secret, message=""))
    in the body, timestamp in seconds within an hour; refused with code 19021."""
    body = request.json
    timestamp = body.get("timestamp", "0")
    expected = _b64_hmac(f"{timestamp}\n{FEISHU_SECRET}".encode(), b"")
    if abs(time.time() - int(timestamp)) > 3600 or body.get("sign") != expected:
        return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
    return 200, {"code": 0, "msg": "success", "data": {}}


class AppStandIn:
    """One HTTP server playing every app (by path): it checks signatures as the apps do and
    answers as they do, unless a test sets `answers[app]` (status, body)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length", 0))
                request = Received(
                    parts.path,
                    dict(urllib.parse.parse_qsl(parts.query)),
                    dict(self.headers),
                    self.rfile.read(length),
                )
                stand_in.received.append(request)
                status, body, headers = stand_in.answer(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = Listener(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def app_of(self, request: Received) -> str:
        for app, path in PATHS.items():
            if request.path == path.split("?")[0]:
                return app
        return "webhook"

    def answer(self, request: Received) -> tuple[int, bytes, dict[str, str]]:
        app = self.app_of(request)
        if app in self.answers:
            return self.answers[app]
        if app == "dingtalk":
            status, body = dingtalk_answer(request)
        elif app == "feishu":
            status, body = feishu_answer(request)
        elif app == "wecom":
            status, body = 200, {"errcode": 0, "errmsg": "ok"}
        elif app == "teams":
            return 202, b"", {}
        else:  # Slack answers "ok" as text; a webhook anything 2xx
            return 200, b"ok", {"Content-Type": "text/plain"}
        return status, json.dumps(body).encode(), {"Content-Type": "application/json"}

    def url(self, app: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{PATHS.get(app, '/hook')}"

    def of(self, app: str) -> list[Received]:
        return [r for r in self.received if self.app_of(r) == app]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot(db, stand_in) -> Callable[..., Subscriber]:
    def make(app: str, language: str = "en", secret: str | None = None) -> Subscriber:
        return subscriptions.subscribe(
            email="ops@example.com",
            endpoint=stand_in.url(app),
            chat_app=app,
            chat_secret=SECRETS.get(app, "") if secret is None else secret,
            language=language,
            skip_confirmation=True,
        )

    return make


def one_delivery(subscriber: Subscriber) -> Delivery:
    return Delivery.objects.get(subscriber=subscriber, notice__kind="incident_update")


def text_of(app: str, body: dict) -> str:
    """The message's visible text, wherever the app's format keeps it."""
    if app == "dingtalk":
        assert body["msgtype"] == "markdown"
        return body["markdown"]["title"] + "\n" + body["markdown"]["text"]
    if app == "wecom":
        assert body["msgtype"] == "markdown"
        assert len(body["markdown"]["content"].encode()) <= 4096
        return body["markdown"]["content"]
    if app == "feishu":
        assert body["msg_type"] == "interactive"
        card = body["card"]
        return card["header"]["title"]["content"] + "\n" + card["elements"][0]["text"]["content"]
    if app == "slack":
        assert body["blocks"][0]["type"] == "header"
        return "\n".join(b["text"]["text"] for b in body["blocks"])
    assert body["type"] == "message"
    attachment = body["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    return "\n".join(b["text"] for b in card["body"]) + "\n" + card["actions"][0]["url"]


@pytest.mark.parametrize("app", list(PATHS))
def test_each_robot_gets_the_notice_in_its_apps_format_signed(
    app, robot, stand_in, outage, functions, hotline, mini_program
):
    subscriber = robot(app)
    incident = outage("Disbursement failing", channels=(mini_program, hotline))
    send_all()
    [request] = stand_in.of(app)
    sent = one_delivery(subscriber)
    assert sent.status == DeliveryStatus.DELIVERED, sent.last_error
    text = text_of(app, request.json)
    assert "Disbursement failing" in text
    assert "Borrowing" in text and "unavailable" in text  # the affected function and its state
    assert "Repaying" not in text.split("Affected")[-1].split("Meanwhile")[0]  # it works
    assert "WeChat mini-program" in text and "400 888 8888" in text  # alternative channels
    assert f"/incidents/{incident.pk}" in text  # the link
    if app == "dingtalk":
        assert request.query["sign"] and request.query["timestamp"]
    if app == "feishu":
        assert request.json["sign"] and request.json["timestamp"]


def test_the_message_is_in_the_robots_language(robot, stand_in, outage, functions):
    robot("wecom", language="zh-hans")
    outage({"zh-hans": "放款失败", "en": "Disbursement failing"})
    send_all()
    text = stand_in.of("wecom")[0].json["markdown"]["content"]
    assert "放款失败" in text and "借款" in text
    assert "受影响" in text and "不可用" in text  # the label and the state, in Chinese
    assert "[详情](" in text
    assert "Disbursement failing" not in text and "Details" not in text


def test_feishu_without_signing_sends_no_signature(robot, stand_in, outage):
    stand_in.answers["feishu"] = (200, b'{"code":0,"msg":"success"}', {})
    subscriber = robot("feishu", secret="")
    outage()
    send_all()
    assert "sign" not in stand_in.of("feishu")[0].json
    assert one_delivery(subscriber).status == DeliveryStatus.DELIVERED


@pytest.mark.parametrize(
    ("app", "secret"), [("dingtalk", "SECsomeone-else"), ("feishu", "someone-else")]
)
def test_a_wrong_secret_is_refused_on_http_200_and_the_robot_quarantined_and_owner_told(
    app, secret, robot, stand_in, outage
):
    subscriber = robot(app, secret=secret)
    outage()
    send_all()
    sent = one_delivery(subscriber)
    assert sent.status == DeliveryStatus.DEAD
    assert sent.last_status_code == 200
    assert "310000" in sent.last_error or "19021" in sent.last_error
    subscriber.refresh_from_db()
    assert subscriber.state == "quarantined"
    mail.outbox.clear()
    tasks.tell_owner(subscriber.pk)
    [told] = mail.outbox
    assert told.to == ["ops@example.com"]
    assert told.subject.endswith("Your chat robot has been paused")
    assert "robot" in told.body and ("310000" in told.body or "19021" in told.body)


REVOKED = [
    ("wecom", 200, b'{"errcode":93000,"errmsg":"invalid webhook url"}'),
    ("feishu", 200, b'{"code":19001,"msg":"param invalid: incoming webhook access token invalid"}'),
    ("dingtalk", 200, b'{"errcode":300001,"errmsg":"token is not exist"}'),
    ("slack", 403, b"invalid_token"),
    ("slack", 404, b"channel_not_found"),
    ("slack", 410, b"channel_is_archived"),
    ("teams", 404, b'{"error":{"code":"WorkflowNotFound"}}'),
]


@pytest.mark.parametrize(("app", "status", "body"), REVOKED)
def test_a_revoked_robot_is_quarantined(app, status, body, robot, stand_in, outage):
    stand_in.answers[app] = (status, body, {"Content-Type": "application/json"})
    subscriber = robot(app)
    outage()
    send_all()
    assert one_delivery(subscriber).status == DeliveryStatus.DEAD
    subscriber.refresh_from_db()
    assert subscriber.state == "quarantined"
    assert subscriber.quarantine_reason


THROTTLED = [
    ("dingtalk", 200, b'{"errcode":410100,"errmsg":"send too fast"}', {}, 600),
    ("wecom", 200, b'{"errcode":45009,"errmsg":"api freq out of limit"}', {}, 60),
    ("feishu", 200, b'{"code":11232,"msg":"frequency limited"}', {}, 60),
    ("slack", 429, b"rate_limited", {"Retry-After": "30"}, 30),
    ("teams", 429, b"", {"Retry-After": "120"}, 120),
]


@pytest.mark.parametrize(("app", "status", "body", "headers", "window"), THROTTLED)
def test_a_throttled_robot_is_retried_after_the_apps_window(
    app, status, body, headers, window, robot, stand_in, outage
):
    stand_in.answers[app] = (status, body, headers)
    subscriber = robot(app)
    outage()
    before = timezone.now()
    send_all()
    sent = one_delivery(subscriber)
    assert sent.status == DeliveryStatus.FAILED
    assert sent.next_attempt_at >= before + timedelta(seconds=window)
    subscriber.refresh_from_db()
    assert subscriber.state == "active"


@pytest.mark.parametrize(
    ("app", "status", "body", "final"),
    [
        ("wecom", 200, b'{"errcode":40008,"errmsg":"invalid message type"}', DeliveryStatus.DEAD),
        ("dingtalk", 200, b'{"errcode":-1,"errmsg":"system busy"}', DeliveryStatus.FAILED),
        ("slack", 400, b"invalid_payload", DeliveryStatus.DEAD),
        ("slack", 500, b"rollup_error", DeliveryStatus.FAILED),
        ("teams", 502, b"", DeliveryStatus.FAILED),
    ],
)
def test_other_errors_fail_the_message_not_the_robot(
    app, status, body, final, robot, stand_in, outage
):
    stand_in.answers[app] = (status, body, {})
    subscriber = robot(app)
    outage()
    send_all()
    assert one_delivery(subscriber).status == final
    subscriber.refresh_from_db()
    assert subscriber.state == "active"


def test_a_burst_over_the_rate_limit_is_queued_in_order_never_dropped(
    robot, stand_in, outage, monkeypatch
):
    """DingTalk allows 20 messages a minute per robot: 30 notices go 20 now, 10 in the next
    minute, in the order they were written, none lost and none counted as a failed attempt."""
    subscriber = robot("dingtalk")
    outage()
    first = Notice.objects.get(kind="incident_update")
    for n in range(1, 30):
        payload = {**first.payload, "notice": {**first.payload["notice"], "summary": f"n{n:02}"}}
        Notice.objects.create(
            kind=first.kind, incident=first.incident, component_ids=first.component_ids,
            payload=payload, translated_payloads={"en": payload},
        )  # fmt: skip
    now = time.time()
    window_start = (now // 60) * 60
    monkeypatch.setattr(robots, "clock", lambda: window_start + 1)
    send_all()
    assert len(stand_in.of("dingtalk")) == 20
    waiting = Delivery.objects.filter(subscriber=subscriber, status=DeliveryStatus.PENDING)
    assert waiting.count() == 10
    assert set(waiting.values_list("attempts", flat=True)) == {0}
    # The first over the limit waits for the next minute; the later ones wait behind it.
    first_waiting = waiting.order_by("notice_id").first()
    assert first_waiting.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert "rate limit" in first_waiting.last_error
    assert not Delivery.objects.filter(last_error__startswith="gave up").exists()

    # The next minute: the sweeper hands them out again and they all go.
    monkeypatch.setattr(robots, "clock", lambda: window_start + 61)
    waiting.update(next_attempt_at=timezone.now())
    while ids := [pk for pk, _ in delivery.due_deliveries(timezone.now())]:
        delivery.deliver(ids)
    assert Delivery.objects.filter(subscriber=subscriber).count() == 30
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    titles = [r.json["markdown"]["title"] for r in stand_in.of("dingtalk")]
    assert len(titles) == 30
    assert titles[1:] == [f"n{n:02}" for n in range(1, 30)]  # in the order written


def test_feishu_per_second_limit(robot, stand_in, outage, monkeypatch):
    subscriber = robot("feishu")
    outage()
    first = Notice.objects.get(kind="incident_update")
    for _ in range(7):
        Notice.objects.create(
            kind=first.kind, incident=first.incident, component_ids=first.component_ids,
            payload=first.payload, translated_payloads=first.translated_payloads,
        )  # fmt: skip
    second = time.time() // 1 + 0.1  # one second's window throughout
    monkeypatch.setattr(robots, "clock", lambda: second)
    send_all()
    assert len(stand_in.of("feishu")) == 5
    waiting = Delivery.objects.filter(subscriber=subscriber, status=DeliveryStatus.PENDING)
    assert waiting.count() == 3
    assert "rate limit" in waiting.order_by("notice_id").first().last_error


@pytest.mark.parametrize(
    ("app", "url"),
    [
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=x"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x"),
        ("feishu", "https://open.larksuite.com/open-apis/bot/v2/hook/x"),
        ("slack", "https://hooks.slack.com/services/T/B/X"),
        ("teams", "https://example.webhook.office.com/webhookb2/x"),
        ("teams", "https://prod-01.westus.logic.azure.com:443/workflows/x"),
        ("teams", "https://x.environment.api.powerplatform.com/powerautomate/x"),
    ],
)
def test_documented_hosts_are_allowed(app, url, settings):
    settings.ALLOW_PRIVATE_ADDRESSES = False
    robots.check_robot(app, url, SECRETS.get(app, ""))


@pytest.mark.parametrize(
    ("app", "url", "secret", "field"),
    [
        ("dingtalk", "https://oapi.dingtalk.com.evil.example/robot/send", "SECx", "endpoint"),
        ("wecom", "https://hooks.slack.com/services/T/B/X", "", "endpoint"),
        ("slack", "http://hooks.slack.com/services/T/B/X", "", "endpoint"),
        ("teams", "https://webhook.office.com.evil.example/x", "", "endpoint"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=x", "", "chat_secret"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=x", "abc", "chat_secret"),
        ("slack", "https://hooks.slack.com/services/T/B/X", "s3cret", "chat_secret"),
        ("icq", "https://hooks.slack.com/services/T/B/X", "", "chat_app"),
    ],
)
def test_bad_robots_are_refused_and_nothing_written(app, url, secret, field, settings, db):
    settings.ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError) as refused:
        subscriptions.subscribe(
            email="ops@example.com", endpoint=url, chat_app=app, chat_secret=secret
        )
    assert field in refused.value.message_dict
    assert not Subscriber.objects.exists()


def test_a_robot_url_off_its_apps_hosts_is_not_sent_to(robot, stand_in, outage, settings):
    subscriber = robot("slack")  # accepted while local receivers were allowed
    settings.ALLOW_PRIVATE_ADDRESSES = False
    outage()
    send_all()
    sent = one_delivery(subscriber)
    assert sent.status == DeliveryStatus.DEAD and "not a slack host" in sent.last_error
    assert not stand_in.received


def test_one_notice_fans_out_to_email_webhook_and_robots(
    robot, stand_in, outage, functions, email_subscriber
):
    email = email_subscriber("ana@example.com")
    hook = subscriptions.subscribe(
        email="ops@example.com", endpoint=stand_in.url("webhook"), skip_confirmation=True
    )
    robots_ = [robot(app) for app in PATHS]
    mail.outbox.clear()
    outage()
    send_all()
    notice = Notice.objects.get(kind="incident_update")
    assert Mode.ROBOT in notice.modes
    rows = Delivery.objects.filter(notice=notice)
    assert rows.count() == 2 + len(PATHS)
    assert set(rows.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert {d.subscriber_id for d in rows} == {email.pk, hook.pk, *(r.pk for r in robots_)}
    assert len(mail.outbox) == 1
    hook_posts = [r for r in stand_in.received if r.path == "/hook"]
    assert len([r for r in hook_posts if "incident" in r.json]) == 1
    assert len(hook_posts) == 2  # webhooks also get the component change; robots do not
    assert all(len(stand_in.of(app)) == 1 for app in PATHS)


def test_the_admin_form_checks_a_robot_as_the_api_does(db, settings):
    from statuspage.notify.admin import SubscriberForm

    settings.ALLOW_PRIVATE_ADDRESSES = False
    data = {"mode": "robot", "email": "ops@example.com", "language": "en", "chat_secret": ""}
    off_host = SubscriberForm(
        data={**data, "endpoint": "https://example.com/services/T/B/X", "chat_app": "slack"}
    )
    assert not off_host.is_valid() and "endpoint" in off_host.errors
    no_secret = SubscriberForm(
        data={**data, "endpoint": "https://oapi.dingtalk.com/robot/send?access_token=x",
              "chat_app": "dingtalk"}
    )  # fmt: skip
    assert not no_secret.is_valid() and "chat_secret" in no_secret.errors
    fine = SubscriberForm(
        data={**data, "endpoint": "https://hooks.slack.com/services/T/B/X", "chat_app": "slack"}
    )
    assert fine.is_valid(), fine.errors

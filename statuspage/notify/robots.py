"""Chat robots: DingTalk, WeCom, Feishu, Slack and Microsoft Teams group webhooks.

A robot is a subscriber of mode `robot` with a `chat_app`; the outbox, leases, retries, the
sweeper, the delivery log and replay treat it like any other subscriber. Each app has its own
class here: its documented hosts, its message format (the notice's title, the banner line, the
affected functions, the expected recovery, the alternative channels and a link, in the
subscriber's language), its signature, its per-robot rate limit and its error codes (read from
the body even on HTTP 200).

A robot over its app's rate limit is not attempted: its delivery is deferred (not counted as
an attempt) to the start of the next window, so a burst is queued, in order, never dropped.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.parse
from collections.abc import Generator
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from statuspage.lib import outbound
from statuspage.lib.wording import labelled, when_text
from statuspage.notify.channels import (
    Channel,
    Outcome,
    Round,
    _ms,
    _retry_after,
    post,
    rounds_of,
)
from statuspage.notify.models import ChatApp, Delivery, Mode
from statuspage.status.models import FunctionState, Page

log = logging.getLogger(__name__)


def _hmac_b64(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def _json(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class Content:
    """The notice as a robot message says it, in the subscriber's language."""

    def __init__(self, payload: dict, language: str, zone: ZoneInfo) -> None:
        """`zone` is the page's (read before any async code: it takes a query)."""
        self.language = language
        notice = payload.get("notice") or {}
        incident = payload.get("incident") or {}
        component = payload.get("component") or {}
        with translation.override(language):
            self.title = notice.get("summary") or incident.get("name") or component.get("name", "")
            self.banner = payload.get("banner") or ""
            self.affected = [
                labelled(f["name"], str(FunctionState(f["state"]).label))
                for f in payload.get("functions", [])
                if f.get("state") not in (None, FunctionState.WORKS)
            ]
            recovery = notice.get("expected_recovery_at")
            self.recovery = when_text(datetime.fromisoformat(recovery), zone) if recovery else ""
            self.channels = [
                " ".join(x for x in (c.get("label"), c.get("phone"), c.get("url")) if x)
                for c in notice.get("channels", [])
            ]
            self.url = notice.get("url") or incident.get("shortlink") or settings.PUBLIC_URL
            # One line for notifications: the title and the banner ("放款失败：借款暂不可用。").
            self.headline = (
                labelled(self.title, self.banner) if self.title and self.banner else self.title
            ) or self.banner
            self.labels = {
                "affected": _("Affected"),
                "recovery": _("Expected recovery"),
                "channels": _("Meanwhile you can reach us"),
                "details": _("Details"),
            }

    def lines(self, bold: str = "**", link: str = "[{text}]({url})") -> list[str]:
        """Markdown lines (bold and link syntax per app)."""
        lines = []
        if self.banner:
            lines.append(f"{bold}{self.banner}{bold}")
        if self.affected:
            lines.append(f"{bold}{self.labels['affected']}{bold}")
            lines.extend(f"- {a}" for a in self.affected)
        if self.recovery:
            with translation.override(self.language):
                recovery = labelled(f"{bold}{self.labels['recovery']}{bold}", self.recovery)
            lines.append(recovery)
        if self.channels:
            lines.append(f"{bold}{self.labels['channels']}{bold}")
            lines.extend(f"- {c}" for c in self.channels)
        lines.append(link.format(text=self.labels["details"], url=self.url))
        return lines


class AppError:
    """What an app's error answer means for the robot."""

    REVOKED = "revoked"  # the robot is gone or refuses us for good: quarantine, owner told
    THROTTLED = "throttled"  # over the app's limit: retry after its window
    PERMANENT = "permanent"  # this message will never pass
    TEMPORARY = "temporary"


class RobotApp:
    app: str
    hosts: tuple[str, ...] = ()  # exact hosts
    host_suffixes: tuple[str, ...] = ()  # "*.example.com"
    limits: tuple[tuple[int, int], ...] = ()  # (messages, seconds) per robot
    signs = False
    secret_required = False
    throttle_window = 60.0
    # The app's error codes that mean the robot is gone or refuses us, and that it throttles.
    REVOKED: set[int | str] = set()
    THROTTLED: set[int | str] = set()

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.hosts or any(host.endswith(s) for s in self.host_suffixes)

    def check_secret(self, secret: str) -> None:
        if secret and not self.signs:
            raise ValidationError({"chat_secret": _("This app does not sign its messages.")})
        if not secret and self.secret_required:
            raise ValidationError({"chat_secret": _("This app needs the robot’s signing secret.")})

    def request(self, url: str, secret: str, content: Content, now: float) -> outbound.Request:
        body = self.body(content)
        return outbound.Request(
            url=url, body=_json(body), headers={"Content-Type": "application/json"}
        )

    def body(self, content: Content) -> dict:
        raise NotImplementedError

    def error(self, status: int, text: str) -> tuple[str, str] | None:
        """(kind, message) for an error answer, None for success."""
        raise NotImplementedError


def _body_json(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _http_error(status: int, text: str) -> tuple[str, str]:
    if status in (401, 403, 404, 410):
        return AppError.REVOKED, f"HTTP {status}: {text[:200]}"
    if status == 429:
        return AppError.THROTTLED, f"HTTP {status}: {text[:200]}"
    if 400 <= status < 500:
        return AppError.PERMANENT, f"HTTP {status}: {text[:200]}"
    return AppError.TEMPORARY, f"HTTP {status}: {text[:200]}"


def _errcode_error(robot: RobotApp, name: str, status: int, text: str) -> tuple[str, str] | None:
    """DingTalk's and WeCom's answer: `errcode` 0 on success, even on HTTP 200 otherwise; the
    app's own revoked and throttled codes (RobotApp.REVOKED, .THROTTLED); -1: busy, retried."""
    if status != 200:
        return _http_error(status, text)
    body = _body_json(text)
    code = body.get("errcode")
    if code == 0:
        return None
    message = f"{name} errcode {code}: {body.get('errmsg', text[:200])}"
    if code in robot.REVOKED:
        return AppError.REVOKED, message
    if code in robot.THROTTLED:
        return AppError.THROTTLED, message
    if code is None or (isinstance(code, int) and code < 0):
        return AppError.TEMPORARY, message
    return AppError.PERMANENT, message


class DingTalk(RobotApp):
    """Custom robot: markdown message; signed with timestamp (ms) and
    base64(HMAC-SHA256(secret, "timestamp\\nsecret")) as URL parameters. A robot set to
    "keywords" instead must have a keyword its messages always contain (the title)."""

    app = ChatApp.DINGTALK
    hosts = ("oapi.dingtalk.com",)
    limits = ((20, 60),)
    signs = True
    secret_required = True
    throttle_window = 600.0  # over the limit, a DingTalk robot is throttled for ten minutes
    REVOKED = {300001, 300004, 300005, 310000, 400101, 400102, 400105, 400106}
    THROTTLED = {130101, 410100}

    def check_secret(self, secret: str) -> None:
        super().check_secret(secret)
        if not secret.startswith("SEC"):
            raise ValidationError(
                {"chat_secret": _("A DingTalk robot’s signing secret starts with SEC.")}
            )

    def request(self, url: str, secret: str, content: Content, now: float) -> outbound.Request:
        timestamp = str(int(now * 1000))
        sign = _hmac_b64(secret.encode(), f"{timestamp}\n{secret}".encode())
        query = urllib.parse.urlencode({"timestamp": timestamp, "sign": sign})
        url = f"{url}{'&' if '?' in url else '?'}{query}"
        return outbound.Request(
            url=url, body=_json(self.body(content)), headers={"Content-Type": "application/json"}
        )

    def body(self, content: Content) -> dict:
        text = f"### {content.title}\n\n" + "\n\n".join(content.lines())
        return {"msgtype": "markdown", "markdown": {"title": content.title, "text": text}}

    def error(self, status: int, text: str) -> tuple[str, str] | None:
        return _errcode_error(self, "DingTalk", status, text)


class WeCom(RobotApp):
    """Group robot: markdown message (content at most 4096 bytes); the key in the URL is the
    only credential (no signature)."""

    app = ChatApp.WECOM
    hosts = ("qyapi.weixin.qq.com",)
    limits = ((20, 60),)
    MAX_BYTES = 4096
    REVOKED = {93000, 93008, 40014, 40013}  # invalid webhook url / key
    THROTTLED = {45009, 45033}

    def body(self, content: Content) -> dict:
        lines = content.lines()
        text = f"### {content.title}\n" + "\n".join(lines)
        if len(text.encode()) > self.MAX_BYTES:  # keep the link, cut the middle
            link = lines[-1]
            head = text.encode()[: self.MAX_BYTES - len(link.encode()) - 8]
            text = head.decode(errors="ignore") + "…\n" + link
        return {"msgtype": "markdown", "markdown": {"content": text}}

    def error(self, status: int, text: str) -> tuple[str, str] | None:
        return _errcode_error(self, "WeCom", status, text)


class Feishu(RobotApp):
    """Custom bot: an interactive card; when signing is on, `timestamp` (s) and
    `sign` = base64(HMAC-SHA256(key="timestamp\\nsecret", message="")) in the body."""

    app = ChatApp.FEISHU
    hosts = ("open.feishu.cn", "open.larksuite.com")
    limits = ((5, 1), (100, 60))
    signs = True
    # 19001 the hook's token is invalid; 19021 signature or timestamp refused; 19022 our IP is
    # not on its list; 19024 a keyword is missing: the robot's owner must act.
    REVOKED = {19001, 19021, 19022, 19024}
    THROTTLED = {11232}

    def request(self, url: str, secret: str, content: Content, now: float) -> outbound.Request:
        body = self.body(content)
        if secret:
            timestamp = str(int(now))
            body = {
                "timestamp": timestamp,
                "sign": _hmac_b64(f"{timestamp}\n{secret}".encode(), b""),
                **body,
            }
        return outbound.Request(
            url=url, body=_json(body), headers={"Content-Type": "application/json"}
        )

    MAX_TEXT = 6000  # characters; the whole request may not exceed 20 KB

    def body(self, content: Content) -> dict:
        text = "\n".join(content.lines())
        if len(text) > self.MAX_TEXT:
            link = content.lines()[-1]
            text = text[: self.MAX_TEXT - len(link) - 2] + "…\n" + link
        return {
            "msg_type": "interactive",
            "card": {
                "header": {
                    "title": {"tag": "plain_text", "content": content.title},
                    "template": "red" if content.affected else "blue",
                },
                "elements": [
                    {
                        "tag": "div",
                        "text": {"tag": "lark_md", "content": text},
                    }
                ],
            },
        }

    def error(self, status: int, text: str) -> tuple[str, str] | None:
        body = _body_json(text)
        code = body.get("code", body.get("StatusCode"))
        if status == 200 and code == 0:
            return None
        if code is None:
            return _http_error(status, text) if status != 200 else (AppError.TEMPORARY, text[:200])
        message = f"Feishu code {code}: {body.get('msg', body.get('StatusMessage', ''))}"
        if code in self.REVOKED:
            return AppError.REVOKED, message
        if code in self.THROTTLED or status == 429:
            return AppError.THROTTLED, message
        return (AppError.TEMPORARY if status >= 500 else AppError.PERMANENT), message


class Slack(RobotApp):
    """Incoming webhook: Block Kit with a text fallback; errors are plain-text bodies."""

    app = ChatApp.SLACK
    hosts = ("hooks.slack.com",)
    limits = ((1, 1),)
    REVOKED = {
        "invalid_token", "no_service", "no_service_id", "no_team", "team_disabled",
        "channel_not_found", "channel_is_archived", "action_prohibited", "user_not_found",
        "posting_to_general_channel_denied",
    }  # fmt: skip

    def body(self, content: Content) -> dict:
        text = "\n".join(content.lines(bold="*", link="<{url}|{text}>"))
        return {
            "text": content.headline,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": content.title[:150]}},
                {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
            ],
        }

    def error(self, status: int, text: str) -> tuple[str, str] | None:
        if status == 200:
            return None
        word = text.strip()
        message = f"Slack HTTP {status}: {word[:200]}"
        if word in self.REVOKED:
            return AppError.REVOKED, message
        if status == 429:
            return AppError.THROTTLED, message
        if status >= 500:
            return AppError.TEMPORARY, message
        return AppError.PERMANENT, message


class Teams(RobotApp):
    """Workflows ("Post to a channel when a webhook request is received"): an Adaptive Card in
    a message attachment; the workflow answers 202 Accepted."""

    app = ChatApp.TEAMS
    host_suffixes = (".webhook.office.com", ".logic.azure.com", ".powerplatform.com")
    limits = ((4, 1),)

    def body(self, content: Content) -> dict:
        blocks: list[dict] = [
            {"type": "TextBlock", "text": content.title, "weight": "Bolder", "size": "Medium",
             "wrap": True},
        ]  # fmt: skip
        blocks += [
            {"type": "TextBlock", "text": line, "wrap": True}
            for line in content.lines(link="")[:-1] or []
        ]
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": blocks,
            "actions": [
                {"type": "Action.OpenUrl", "title": content.labels["details"], "url": content.url}
            ],
        }
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": card,
                }
            ],
        }

    def error(self, status: int, text: str) -> tuple[str, str] | None:
        if 200 <= status < 300:
            return None
        return _http_error(status, text)


APPS: dict[str, RobotApp] = {a.app: a for a in (DingTalk(), WeCom(), Feishu(), Slack(), Teams())}


def check_robot(app: str, url: str, secret: str) -> None:
    """Refuse an unknown app, a URL off the app's documented hosts (unless private addresses
    are allowed: local test receivers), or a secret the app needs and lacks (or cannot use)."""
    robot = APPS.get(app)
    if robot is None:
        raise ValidationError(
            {"chat_app": _("Unknown chat app; use one of %(apps)s.") % {"apps": ", ".join(APPS)}}
        )
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" and not settings.ALLOW_PRIVATE_ADDRESSES:
        raise ValidationError({"endpoint": _("A robot URL must start with https://.")})
    if not settings.ALLOW_PRIVATE_ADDRESSES and not robot.host_allowed(parts.hostname or ""):
        raise ValidationError(
            {"endpoint": _("This is not a %(app)s robot URL.") % {"app": ChatApp(app).label}}
        )
    robot.check_secret(secret)


def post_code(
    app: str, url: str, secret: str, code: str, language: str, subscriber_id: str = ""
) -> Outcome:
    """Post a subscriber's confirmation code to a robot, once: a message in its app's format
    and signature, with the page's name in the title (a DingTalk robot's keyword), in the
    subscriber's language. The answer is read as a notice's is (the app's error codes, even on
    HTTP 200); hosts are checked as for notices. It counts against the robot's rate limit like
    any message to it: over the limit it is not posted, and says when to try again."""
    robot = APPS.get(app)
    if robot is None:
        return Outcome(False, error=f"unknown chat app {app!r}", permanent=True)
    host = urllib.parse.urlsplit(url).hostname or ""
    if not settings.ALLOW_PRIVATE_ADDRESSES and not robot.host_allowed(host):
        return Outcome(False, error=f"refused: {host!r} is not a {robot.app} host", permanent=True)
    wait = take(subscriber_id, robot, clock()) if subscriber_id else 0.0
    if wait:
        return Outcome(False, error=f"{robot.app} rate limit: wait {wait:.1f} s", retry_after=wait)
    page = Page.get()
    with translation.override(language):
        payload = {
            "notice": {"summary": _("%(page)s: confirm this robot") % {"page": page.name}},
            "banner": _(
                "Your code is %(code)s. Type it where this robot was subscribed; it expires in "
                "%(minutes)s minutes."
            )
            % {"code": code, "minutes": settings.CODE_MAX_AGE_MINUTES},
        }
    started = time.monotonic()
    try:
        response = outbound.post_once(
            robot.request(url, secret, Content(payload, language, page.zone), clock()),
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_private=settings.ALLOW_PRIVATE_ADDRESSES,
        )
    except (outbound.RefusedAddress, outbound.RefusedURL) as exc:
        return Outcome(False, _ms(started), error=f"refused: {exc}", permanent=True)
    except TimeoutError:
        return Outcome(False, _ms(started), error="timed out")
    except (aiohttp.ClientError, OSError) as exc:
        return Outcome(False, _ms(started), error=f"{type(exc).__name__}: {exc}")
    return outcome_of(robot, response, _ms(started))


def clock() -> float:
    """Seconds since the epoch: what signatures and rate-limit windows count in."""
    return time.time()


def take(subscriber_id: str, robot: RobotApp, now: float) -> float:
    """Count one message to a robot against each of its app's windows; 0 if it may go now,
    else the seconds until the window that is full ends. Without Redis: it may go (the app's
    own throttling answer is handled too)."""
    for count, seconds in robot.limits:
        window = int(now // seconds)
        key = f"notify:robot-rate:{subscriber_id}:{seconds}:{window}"
        try:
            cache.add(key, 0, timeout=seconds + 1)
            used = cache.incr(key)
        except (RedisError, OSError, ValueError) as exc:
            log.warning("robot rate limit unavailable (%s)", exc)
            return 0.0
        if used > count:
            return (window + 1) * seconds - now
    return 0.0


def outcome_of(robot: RobotApp, response: outbound.Response, duration_ms: int) -> Outcome:
    text = response.body.decode(errors="replace") if response.body else ""
    found = robot.error(response.status, text)
    if found is None:
        return Outcome(True, duration_ms, status_code=response.status)
    kind, message = found
    code = response.status
    if kind == AppError.REVOKED:
        return Outcome(False, duration_ms, code, message, permanent=True, bounced=True)
    if kind == AppError.THROTTLED:
        retry_after = _retry_after(response.headers.get("Retry-After")) or robot.throttle_window
        return Outcome(False, duration_ms, code, message, retry_after=retry_after)
    if kind == AppError.PERMANENT:
        return Outcome(False, duration_ms, code, message, permanent=True)
    return Outcome(False, duration_ms, code, message)


class RobotChannel(Channel):
    """Concurrent POSTs to robots through the guarded outbound client, in rounds in which no
    robot appears twice; a robot over its app's rate limit is deferred with all its later
    notices of the batch, so they arrive in order."""

    mode = Mode.ROBOT

    def __init__(self) -> None:
        self.client = outbound.ProcessClient()

    def send(self, deliveries: list[Delivery]) -> Generator[Round, None, None]:
        timeout = settings.WEBHOOK_TIMEOUT_SECONDS
        size = settings.WEBHOOK_CONCURRENCY
        contents: dict[tuple[int, str], Content] = {}
        deferred_until: dict[str, float] = {}
        zone = Page.get().zone

        def content_of(delivery: Delivery) -> Content:
            language = delivery.subscriber.language
            key = (delivery.notice_id, language)
            if key not in contents:
                contents[key] = Content(delivery.notice.payload_in(language), language, zone)
            return contents[key]

        async def one(client: outbound.Client, delivery: Delivery) -> Outcome:
            subscriber = delivery.subscriber
            robot = APPS[subscriber.chat_app]
            host = urllib.parse.urlsplit(subscriber.endpoint).hostname or ""
            if not settings.ALLOW_PRIVATE_ADDRESSES and not robot.host_allowed(host):
                error = f"refused: {host!r} is not a {robot.app} host"
                return Outcome(False, error=error, permanent=True)
            return await post(
                client,
                lambda: robot.request(
                    subscriber.endpoint, subscriber.chat_secret, content_of(delivery), clock()
                ),
                lambda response, ms: outcome_of(robot, response, ms),
                timeout,
            )

        for batch in rounds_of(deliveries, size):
            now = clock()
            ready: list[Delivery] = []
            deferred: Round = []
            for delivery in batch:
                robot = APPS.get(delivery.subscriber.chat_app)
                if robot is None:
                    error = f"unknown chat app {delivery.subscriber.chat_app!r}"
                    deferred.append((delivery, Outcome(False, error=error, permanent=True)))
                    continue
                wait = deferred_until.get(delivery.subscriber_id) or take(
                    delivery.subscriber_id, robot, now
                )
                if wait:
                    deferred_until[delivery.subscriber_id] = wait
                    error = f"{robot.app} rate limit: queued for {wait:.1f} s"
                    deferred.append(
                        (delivery, Outcome(False, error=error, retry_after=wait, deferred=True))
                    )
                else:
                    ready.append(delivery)
            if deferred:
                yield deferred
            if not ready:
                continue

            async def send_round(client: outbound.Client, batch=ready) -> list[Outcome]:
                return list(await asyncio.gather(*(one(client, d) for d in batch)))

            outcomes = self.client.run(
                send_round,
                timeout=timeout,
                allow_private=settings.ALLOW_PRIVATE_ADDRESSES,
                concurrency=size,
            )
            yield list(zip(ready, outcomes, strict=True))

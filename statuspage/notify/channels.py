"""How a batch of deliveries leaves the building: one class per channel behind a registry.

A channel sends and reports an Outcome per delivery; it never touches delivery rows. Deciding
what an outcome means for the delivery (retry when, give up, pause the subscriber) is the
delivery engine's job (`delivery.py`).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import smtplib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr

import aiohttp
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from standardwebhooks import Webhook

from statuspage.lib import outbound
from statuspage.notify import tokens
from statuspage.notify.messages import NoticeEmails
from statuspage.notify.models import Delivery, Mode

MAX_RETRY_AFTER = 24 * 3600


@dataclass(frozen=True)
class Outcome:
    ok: bool
    duration_ms: int = 0
    status_code: int | None = None
    error: str = ""
    permanent: bool = False
    retry_after: float | None = None
    # Set when the failure says something about the subscriber, not just this message.
    gone: bool = False  # the endpoint answered 410: it no longer wants anything
    bounced: bool = False  # the mail server refused the address for good


class Channel:
    mode: str

    def send(self, deliveries: list[Delivery]) -> list[Outcome]:
        raise NotImplementedError


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


class EmailChannel(Channel):
    """Many messages per SMTP connection; a broken connection is reopened once per batch.

    With Django's SMTP backend, messages go out as prepared bytes (NoticeEmails.raw); any
    other backend (console, anymail's providers) gets ordinary Django email messages.
    """

    mode = Mode.EMAIL

    def send(self, deliveries: list[Delivery]) -> list[Outcome]:
        emails = NoticeEmails()
        connection = get_connection(fail_silently=False)
        sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]

        def send_one(delivery: Delivery) -> None:
            address = delivery.subscriber.email
            if isinstance(connection, SMTPBackend) and address.isascii():
                connection.connection.sendmail(sender, [address], emails.raw(delivery))
            else:
                connection.send_messages([emails.compose(delivery)])

        outcomes: list[Outcome] = []
        reopened = False
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            return [Outcome(False, error=f"mail server unreachable: {exc}")] * len(deliveries)
        try:
            for delivery in deliveries:
                started = time.monotonic()
                try:
                    send_one(delivery)
                    outcomes.append(Outcome(True, _ms(started)))
                except smtplib.SMTPRecipientsRefused as exc:
                    code, reason = next(iter(exc.recipients.values()))
                    outcomes.append(self._refused(code, reason, started, bounced=code >= 500))
                except smtplib.SMTPResponseException as exc:
                    outcomes.append(self._refused(exc.smtp_code, exc.smtp_error, started))
                except (OSError, smtplib.SMTPException) as exc:
                    outcomes.append(Outcome(False, _ms(started), error=f"SMTP: {exc}"))
                    if not reopened:  # the connection dropped: one fresh try for the rest
                        reopened = True
                        connection.close()
                        try:
                            connection.open()
                        except (OSError, smtplib.SMTPException):
                            rest = len(deliveries) - len(outcomes)
                            outcomes += [Outcome(False, error=f"SMTP: {exc}")] * rest
                            break
        finally:
            connection.close()
        return outcomes

    @staticmethod
    def _refused(code: int, reason: bytes | str, started: float, *, bounced: bool = False):
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        return Outcome(
            False,
            _ms(started),
            status_code=code,
            error=f"SMTP {code}: {text}",
            permanent=code >= 500,
            bounced=bounced,
        )


UNSUBSCRIBE_PLACEHOLDER = "__statuspage_unsubscribe_url__"


class WebhookBodies:
    """The notice's payload serialised once; each subscriber's body differs only in its
    unsubscribe link (meta.unsubscribe), which is substituted into the serialised text."""

    def __init__(self) -> None:
        self._templates: dict[int, str] = {}

    def body(self, delivery: Delivery) -> str:
        template = self._templates.get(delivery.notice_id)
        if template is None:
            payload = dict(delivery.notice.payload)
            payload["meta"] = {**payload["meta"], "unsubscribe": UNSUBSCRIBE_PLACEHOLDER}
            template = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            self._templates[delivery.notice_id] = template
        link = json.dumps(tokens.unsubscribe_url(delivery.subscriber))
        return template.replace(f'"{UNSUBSCRIBE_PLACEHOLDER}"', link, 1)


def signed_request(delivery: Delivery, now: datetime, bodies: WebhookBodies) -> outbound.Request:
    """Standard Webhooks: webhook-id is the delivery's stable id, so receivers can de-duplicate."""
    body = bodies.body(delivery)
    signature = Webhook(delivery.subscriber.secret).sign(delivery.uid, now, body)
    return outbound.Request(
        url=delivery.subscriber.endpoint,
        body=body.encode(),
        headers={
            "Content-Type": "application/json",
            "webhook-id": delivery.uid,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        },
    )


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        seconds = float(value.strip())
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def classify(response: outbound.Response, duration_ms: int) -> Outcome:
    code = response.status
    if 200 <= code < 300:
        return Outcome(True, duration_ms, status_code=code)
    if code == 410:
        return Outcome(
            False, duration_ms, code, "HTTP 410 Gone: the endpoint asked to be removed",
            permanent=True, gone=True,
        )  # fmt: skip
    if 300 <= code < 400:
        location = response.headers.get("Location", "")
        return Outcome(
            False, duration_ms, code, f"HTTP {code}: redirect to {location!r} not followed"
        )
    retry_after = _retry_after(response.headers.get("Retry-After")) if code in (429, 503) else None
    return Outcome(False, duration_ms, code, f"HTTP {code}", retry_after=retry_after)


class WebhookChannel(Channel):
    """Concurrent signed POSTs through the guarded outbound client."""

    mode = Mode.WEBHOOK

    def __init__(self) -> None:
        self.client = outbound.ProcessClient()

    def send(self, deliveries: list[Delivery]) -> list[Outcome]:
        now = datetime.now(UTC)
        bodies = WebhookBodies()
        requests = [signed_request(d, now, bodies) for d in deliveries]
        timeout = settings.WEBHOOK_TIMEOUT_SECONDS

        async def send_all(client: outbound.Client) -> list[Outcome]:
            async def one(request: outbound.Request) -> Outcome:
                started = time.monotonic()
                try:
                    response = await client.post(request)
                except (outbound.RefusedAddress, outbound.RefusedURL) as exc:
                    return Outcome(False, _ms(started), error=f"refused: {exc}", permanent=True)
                except TimeoutError:
                    return Outcome(False, _ms(started), error=f"timed out after {timeout:g} s")
                except aiohttp.ClientError as exc:
                    return Outcome(False, _ms(started), error=f"{type(exc).__name__}: {exc}")
                return classify(response, _ms(started))

            return list(await asyncio.gather(*(one(r) for r in requests)))

        return self.client.run(
            send_all,
            timeout=timeout,
            allow_private=settings.ALLOW_PRIVATE_ADDRESSES,
            concurrency=settings.WEBHOOK_CONCURRENCY,
        )


CHANNELS: dict[str, Channel] = {
    channel.mode: channel for channel in (EmailChannel(), WebhookChannel())
}

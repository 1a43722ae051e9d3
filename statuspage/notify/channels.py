"""How a batch of deliveries leaves the building: one class per channel behind a registry.

A channel sends and reports an Outcome per delivery; it never touches delivery rows. Deciding
what an outcome means for the delivery (retry when, give up, pause the subscriber) is the
delivery engine's job (`delivery.py`).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import smtplib
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parseaddr

import aiohttp
from celery.exceptions import SoftTimeLimitExceeded
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
    ours: bool = False  # our own mail server refused us: operators must act, not subscribers
    # With `ours`: which fault of ours (an SMS provider's code), so operators are told once an
    # hour per cause; empty for the channel's one cause (our mail server refusing us).
    cause: str = ""
    # Not attempted (a rate limit of ours said wait): back in the queue after retry_after,
    # the attempt not counted, nothing logged.
    deferred: bool = False


Round = list[tuple[Delivery, Outcome]]


class Channel:
    mode: str

    def send(self, deliveries: list[Delivery]) -> Generator[Round, None, None]:
        """Send, yielding outcomes as they become known (a message, or a round of concurrent
        requests, at a time) so the engine records each before the next is sent. A consumer
        that stops early closes the generator; what it did not get was not sent."""
        raise NotImplementedError


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


# Enhanced status codes (RFC 3463) that speak of the recipient's address or mailbox: bad
# mailbox or address (5.1.x), mailbox disabled or full (5.2.1, 5.2.2). Every other permanent
# refusal (relay denied 5.7.1, authentication, policy, our sender) is about us.
RECIPIENT_CODES = re.compile(r"^5\.(1\.\d+|2\.[12])\b")
ENHANCED_CODE = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}\b")
ABOUT_US = re.compile(r"relay|auth|policy|denied|spam|block|reputation|sender", re.IGNORECASE)


def _text(reason: bytes | str) -> str:
    return reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)


def recipient_refused(code: int, reason: bytes | str) -> Outcome:
    """A refusal at RCPT: the address's fault only when it says so."""
    text = _text(reason)
    if code < 500:
        return Outcome(False, status_code=code, error=f"SMTP {code}: {text}")
    enhanced = ENHANCED_CODE.match(text)
    about_address = (
        bool(RECIPIENT_CODES.match(text))
        if enhanced
        else code in (550, 551, 553) and not ABOUT_US.search(text)
    )
    if about_address:
        return Outcome(
            False, status_code=code, error=f"SMTP {code}: {text}", permanent=True, bounced=True
        )
    return refused_by_our_server("recipient", code, reason)


def refused_by_our_server(stage: str, code: int, reason: bytes | str) -> Outcome:
    """Our mail server refused our sender, the message, or relaying: nothing the subscriber
    did. It is retried like an outage, and operators are told."""
    return Outcome(
        False,
        status_code=code,
        error=f"our mail server refused the {stage} (SMTP {code}: {_text(reason)}); "
        "check the mail settings",
        ours=True,
    )


class EmailChannel(Channel):
    """Many messages per SMTP connection; a broken connection is reopened once per batch.

    With Django's SMTP backend, messages go out as prepared bytes (NoticeEmails.raw); any
    other backend (console, anymail's providers) gets ordinary Django email messages.
    """

    mode = Mode.EMAIL

    def send(self, deliveries: list[Delivery]) -> Generator[Round, None, None]:
        emails = NoticeEmails()
        connection = get_connection(fail_silently=False)
        sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]

        def send_one(delivery: Delivery) -> None:
            address = delivery.subscriber.email
            smtp = connection.connection if isinstance(connection, SMTPBackend) else None
            if smtp is not None and address.isascii():
                smtp.sendmail(sender, [address], emails.raw(delivery))
            else:
                connection.send_messages([emails.compose(delivery)])

        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            yield [(d, Outcome(False, error=f"mail server unreachable: {exc}")) for d in deliveries]
            return
        reopened = False
        try:
            for index, delivery in enumerate(deliveries):
                started = time.monotonic()
                try:
                    send_one(delivery)
                    outcome = Outcome(True, _ms(started))
                except SoftTimeLimitExceeded:
                    raise
                except smtplib.SMTPRecipientsRefused as exc:
                    code, reason = next(iter(exc.recipients.values()))
                    outcome = replace(recipient_refused(code, reason), duration_ms=_ms(started))
                except smtplib.SMTPSenderRefused as exc:
                    outcome = refused_by_our_server("sender", exc.smtp_code, exc.smtp_error)
                except smtplib.SMTPResponseException as exc:  # DATA refused, or another reply
                    if exc.smtp_code >= 500:
                        outcome = refused_by_our_server("message", exc.smtp_code, exc.smtp_error)
                    else:
                        error = f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"
                        outcome = Outcome(False, _ms(started), exc.smtp_code, error)
                except (OSError, smtplib.SMTPException) as exc:
                    yield [(delivery, Outcome(False, _ms(started), error=f"SMTP: {exc}"))]
                    if reopened:
                        continue
                    reopened = True  # the connection dropped: one fresh try for the rest
                    connection.close()
                    try:
                        connection.open()
                    except (OSError, smtplib.SMTPException):
                        rest = deliveries[index + 1 :]
                        yield [(d, Outcome(False, error=f"SMTP: {exc}")) for d in rest]
                        return
                    continue
                except Exception as exc:  # a bad header, a template error: this message only
                    outcome = Outcome(False, _ms(started), error=f"{type(exc).__name__}: {exc}")
                yield [(delivery, outcome)]
        finally:
            connection.close()


UNSUBSCRIBE_PLACEHOLDER = "__statuspage_unsubscribe_url__"


class WebhookBodies:
    """The notice's payload serialised once per language; each subscriber's body is the one in
    their language and differs only in its unsubscribe link (meta.unsubscribe), which is
    substituted into the serialised text."""

    def __init__(self) -> None:
        self._templates: dict[tuple[int, str], str] = {}

    def body(self, delivery: Delivery) -> str:
        key = (delivery.notice_id, delivery.subscriber.language)
        template = self._templates.get(key)
        if template is None:
            payload = dict(delivery.notice.payload_in(delivery.subscriber.language))
            payload["meta"] = {**payload["meta"], "unsubscribe": UNSUBSCRIBE_PLACEHOLDER}
            template = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            self._templates[key] = template
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
    """Seconds to wait, from a Retry-After of either form (delay-seconds or an HTTP date),
    capped at a day; None (the ordinary backoff) for anything unparseable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # "-0000" and the asctime form: HTTP dates are in UTC
            when = when.replace(tzinfo=UTC)
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


def rounds_of(deliveries: list[Delivery], size: int) -> Iterator[list[Delivery]]:
    """Split deliveries (oldest notice first) into rounds of at most `size` concurrent requests
    in which no subscriber appears twice, so each subscriber's notices arrive in order."""
    waiting = deliveries
    while waiting:
        round_: list[Delivery] = []
        in_round: set[str] = set()
        later: list[Delivery] = []
        for delivery in waiting:
            if len(round_) < size and delivery.subscriber_id not in in_round:
                round_.append(delivery)
                in_round.add(delivery.subscriber_id)
            else:
                later.append(delivery)
        yield round_
        waiting = later


async def post(
    client: outbound.Client,
    build: Callable[[], outbound.Request],
    read: Callable[[outbound.Response, int], Outcome],
    timeout: float,
) -> Outcome:
    """One POST through the guarded outbound client, its answer read by `read`: every failure
    (refused address, no connection slot, timeout, a bad response or body) is this delivery's
    Outcome, never an exception, except Celery's time limit."""
    started = time.monotonic()
    try:
        response = await client.post(build())
        return read(response, _ms(started))
    except (outbound.RefusedAddress, outbound.RefusedURL) as exc:
        return Outcome(False, _ms(started), error=f"refused: {exc}", permanent=True)
    except outbound.NoSlot as exc:
        return Outcome(False, _ms(started), error=f"not sent: {exc}")
    except TimeoutError:
        return Outcome(False, _ms(started), error=f"timed out after {timeout:g} s")
    except aiohttp.ClientError as exc:
        return Outcome(False, _ms(started), error=f"{type(exc).__name__}: {exc}")
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:  # one bad response or body is this delivery's failure
        return Outcome(False, _ms(started), error=f"{type(exc).__name__}: {exc}")


class WebhookChannel(Channel):
    """Concurrent signed POSTs through the guarded outbound client, in rounds of at most
    WEBHOOK_CONCURRENCY requests: each round ends within the timeout (plus a bounded wait for
    a connection slot), and its outcomes are recorded before the next begins."""

    mode = Mode.WEBHOOK

    def __init__(self) -> None:
        self.client = outbound.ProcessClient()

    def send(self, deliveries: list[Delivery]) -> Generator[Round, None, None]:
        bodies = WebhookBodies()
        timeout = settings.WEBHOOK_TIMEOUT_SECONDS
        size = settings.WEBHOOK_CONCURRENCY

        async def one(client: outbound.Client, delivery: Delivery) -> Outcome:
            return await post(
                client,
                lambda: signed_request(delivery, datetime.now(UTC), bodies),
                classify,
                timeout,
            )

        for batch in rounds_of(deliveries, size):

            async def send_round(client: outbound.Client, batch=batch) -> list[Outcome]:
                return list(await asyncio.gather(*(one(client, d) for d in batch)))

            outcomes = self.client.run(
                send_round,
                timeout=timeout,
                allow_private=settings.ALLOW_PRIVATE_ADDRESSES,
                concurrency=size,
            )
            yield list(zip(batch, outcomes, strict=True))


from statuspage.notify.robots import RobotChannel  # noqa: E402  (it builds on the above)
from statuspage.notify.sms import SmsChannel  # noqa: E402  (it builds on the above)

_ALL: tuple[Channel, ...] = (EmailChannel(), WebhookChannel(), RobotChannel(), SmsChannel())
CHANNELS: dict[str, Channel] = {channel.mode: channel for channel in _ALL}

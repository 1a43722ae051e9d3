"""The emails subscribers receive, in their own language.

Notice emails are rendered once per (notice, language) with placeholders for the per-subscriber
links, then each message only substitutes its links: fan-outs of a hundred thousand addresses
spend their time on SMTP, not on templates. Each is rendered from the notice's payload frozen in
that language (Notice.payload_in), so it holds nothing of another language, and shows the
structured notice the payload carries (function states, cause, reassurances, channels, expected
recovery and next update, times in the page's zone with the zone named).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from statuspage.lib.wording import labelled, list_of
from statuspage.lib.zones import zone_label
from statuspage.notify import subscriptions, tokens
from statuspage.notify.models import Delivery, Mode, Notice, NoticeKind, Subscriber
from statuspage.status.models import CLOSED_STATUSES, Component, IncidentStatus, Page

UNSUBSCRIBE = "__statuspage_unsubscribe_url__"


def _host() -> str:
    return urlsplit(settings.PUBLIC_URL).hostname or "localhost"


def _with_headers(message: EmailMultiAlternatives, unsubscribe_url: str) -> None:
    # RFC 8058: mail clients offer a one-click unsubscribe that POSTs to this URL.
    message.extra_headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.extra_headers["Auto-Submitted"] = "auto-generated"


def _with_page(page_name: str, subject: str) -> str:
    """ "[Loan status] Investigating: Payouts failing" / "【借款服务状态】正在调查：放款失败"."""
    # Translated: Chinese brackets the page's name in 【】, as Chinese notices do.
    return pgettext("the page's name before a subject", "[%(page)s] %(subject)s") % {
        "page": page_name,
        "subject": subject,
    }


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _notice_times(notice: dict, zone: ZoneInfo) -> dict:
    """The notice's promised times, each with its zone's label at that moment."""
    recovery = _parse(notice.get("expected_recovery_at"))
    next_update = _parse(notice.get("next_update_by"))
    return {
        "expected_recovery_at": recovery,
        "recovery_zone": zone_label(zone, recovery) if recovery else "",
        "next_update_by": next_update,
        "next_update_zone": zone_label(zone, next_update) if next_update else "",
    }


@dataclass(frozen=True)
class NoticeEmailContent:
    """A notice's email in one language, before the per-subscriber links go in."""

    subject: str
    text: str
    html: str


class NoticeEmails:
    """Composes the email for each delivery of a notice; reuse one per batch of deliveries."""

    def __init__(self) -> None:
        self._rendered: dict[tuple[int, str], NoticeEmailContent] = {}
        self._heads: dict[tuple[int, str], bytes] = {}
        self._page = Page.get()

    def _render(self, notice: Notice, language: str) -> NoticeEmailContent:
        key = (notice.pk, language)
        if key not in self._rendered:
            with translation.override(language), timezone.override(self._page.zone):
                self._rendered[key] = self._render_now(notice, language)
        return self._rendered[key]

    def _render_now(self, notice: Notice, language: str) -> NoticeEmailContent:
        payload = notice.payload_in(language)
        incident = payload["incident"]
        zone = ZoneInfo(self._page.time_zone)
        # The update this notice announces, not the latest by display time (an update may be
        # back-dated); notices without one (reminders, postmortems) show the latest.
        updates = incident["incident_updates"]
        announced = [u for u in updates if notice.update_id and u["id"] == notice.update_id]
        latest = announced[0] if announced else (updates[0] if updates else None)
        names = {
            c.pk: c.display_name
            for c in Component.objects.filter(pk__in=notice.component_ids).select_related("group")
        }
        status = IncidentStatus(incident["status"]).label
        if notice.kind == NoticeKind.MAINTENANCE_REMINDER:
            subject = _("Reminder: %(name)s") % {"name": incident["name"]}
        elif notice.kind == NoticeKind.POSTMORTEM:
            subject = _("Postmortem: %(name)s") % {"name": incident["name"]}
        else:
            subject = labelled(str(status), incident["name"])
        context = {
            "LANGUAGE_CODE": translation.get_language(),
            "page": self._page,
            "zone": zone,
            "kind": notice.kind,
            "incident": incident,
            "status": status,
            "latest": latest,
            "latest_at": _parse(latest["display_at"]) if latest else None,
            "scheduled_for": _parse(incident["scheduled_for"]),
            "scheduled_until": _parse(incident["scheduled_until"]),
            "zone_label": zone_label(zone, _parse(latest["display_at"]) if latest else None),
            "open": incident["status"] not in CLOSED_STATUSES,
            "banner": payload.get("banner"),
            "notice": payload.get("notice"),  # absent from notices written before it existed
            **_notice_times(payload.get("notice") or {}, zone),
            "components": list_of(names.get(c["id"], c["name"]) for c in incident["components"]),
            "incident_url": incident["shortlink"],
            # Not a manage link: that is sent to the owner on request, and expires.
            "manage_url": tokens.request_manage_link_url(),
            "unsubscribe_url": UNSUBSCRIBE,
        }
        return NoticeEmailContent(
            subject=_with_page(self._page.name, subject),
            text=render_to_string("email/notice.txt", context),
            html=render_to_string("email/notice.html", context),
        )

    @staticmethod
    def _thread_headers(delivery: Delivery) -> dict[str, str]:
        return {
            # Stable per delivery: a retry is the same message, not a second one.
            "Message-ID": f"<{delivery.uid}@{_host()}>",
            # Threads every notice of one incident together in mail clients.
            "References": f"<incident-{delivery.notice.incident_id}@{_host()}>",
        }

    def compose(self, delivery: Delivery) -> EmailMultiAlternatives:
        """The message as a Django email, for any email backend."""
        subscriber = delivery.subscriber
        rendered = self._render(delivery.notice, subscriber.language)
        unsubscribe = tokens.unsubscribe_url(subscriber)
        message = EmailMultiAlternatives(
            subject=rendered.subject,
            body=rendered.text.replace(UNSUBSCRIBE, unsubscribe),
            to=[subscriber.email],
            headers=self._thread_headers(delivery),
        )
        message.attach_alternative(rendered.html.replace(UNSUBSCRIBE, unsubscribe), "text/html")
        _with_headers(message, unsubscribe)
        return message

    def raw(self, delivery: Delivery) -> bytes:
        """The same message as ready-to-send bytes, for SMTP.

        Building a MIME tree per recipient costs more than sending it; here only the links
        and the base64 bodies differ per recipient, so a fan-out runs at the speed of SMTP.
        The result parses to the same message as `compose` (tests compare the two).
        """
        subscriber = delivery.subscriber
        key = (delivery.notice_id, subscriber.language)
        rendered = self._render(delivery.notice, subscriber.language)
        head = self._heads.get(key)
        if head is None:
            head = self._heads[key] = _head(rendered.subject)
        unsubscribe = tokens.unsubscribe_url(subscriber)
        headers = {
            "To": subscriber.email,
            "Date": formatdate(),
            **self._thread_headers(delivery),
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        }
        text = rendered.text.replace(UNSUBSCRIBE, unsubscribe)
        html = rendered.html.replace(UNSUBSCRIBE, unsubscribe)
        return b"".join(
            [
                head,
                "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode(),
                b"MIME-Version: 1.0\r\n",
                b'Content-Type: multipart/alternative; boundary="' + BOUNDARY + b'"\r\n\r\n',
                _part("text/plain", text),
                _part("text/html", html),
                b"--" + BOUNDARY + b"--\r\n",
            ]
        )


# Cannot occur in base64 bodies ('-' and '_' are not in the base64 alphabet).
BOUNDARY = b"==_statuspage_part_=="


def _head(subject: str) -> bytes:
    sender = formataddr(parseaddr(settings.DEFAULT_FROM_EMAIL), charset="utf-8")
    encoded_subject = Header(subject, "utf-8", maxlinelen=76).encode(linesep="\r\n")
    return f"From: {sender}\r\nSubject: {encoded_subject}\r\n".encode()


def _part(content_type: str, body: str) -> bytes:
    encoded = base64.encodebytes(body.encode()).replace(b"\n", b"\r\n")
    return (
        b"--" + BOUNDARY + b"\r\n"
        b"Content-Type: " + content_type.encode() + b'; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded
    )


def _simple(subscriber: Subscriber, template: str, subject: str, context: dict):
    page = Page.get()
    with translation.override(subscriber.language):
        context = {
            "LANGUAGE_CODE": subscriber.language,
            "page": page,
            "subscriber": subscriber,
            **context,
        }
        message = EmailMultiAlternatives(
            subject=_with_page(page.name, subject),
            body=render_to_string(f"email/{template}.txt", context),
            to=[subscriber.email],
            headers={"Message-ID": make_msgid(domain=_host())},
        )
        message.attach_alternative(render_to_string(f"email/{template}.html", context), "text/html")
    return message


def confirmation_email(subscriber: Subscriber) -> EmailMultiAlternatives:
    with translation.override(subscriber.language):
        subject = _("Confirm your subscription")
    return _simple(subscriber, "confirm", subject, {"confirm_url": tokens.confirm_url(subscriber)})


def already_subscribed_email(subscriber: Subscriber) -> EmailMultiAlternatives:
    """Sent instead of a confirmation when the address is already active: the form says the
    same thing either way, so it never reveals who is subscribed."""
    with translation.override(subscriber.language):
        subject = _("You are already subscribed")
    message = _simple(subscriber, "already_subscribed", subject, _manage_link(subscriber))
    _with_headers(message, tokens.unsubscribe_url(subscriber))
    return message


def manage_link_email(subscriber: Subscriber) -> EmailMultiAlternatives:
    """The answer to "send me a link to manage my subscription", to the owner's address only."""
    with translation.override(subscriber.language):
        subject = _("Manage your subscription")
    return _simple(subscriber, "manage_link", subject, _manage_link(subscriber))


def _manage_link(subscriber: Subscriber) -> dict:
    return {
        "manage_url": subscriptions.issue_manage_url(subscriber),
        "hours": settings.MANAGE_LINK_MAX_AGE_HOURS,
    }


def quarantine_email(subscriber: Subscriber) -> EmailMultiAlternatives:
    with translation.override(subscriber.language):
        subject = (
            _("Your chat robot has been paused")
            if subscriber.mode == Mode.ROBOT
            else _("Your webhook has been paused")
        )
    return _simple(
        subscriber,
        "quarantined",
        subject,
        {"subscribe_url": settings.PUBLIC_URL + reverse("subscribe")},
    )

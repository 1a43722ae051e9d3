"""SMS: one provider class per vendor SDK behind `SMS_URL`, and the channel that sends notices.

`SMS_URL` names the provider and its credentials, like `EMAIL_URL`:

- `aliyun://KEY_ID:KEY_SECRET@dysmsapi.aliyuncs.com?sign_name=…&region=cn-hangzhou`
- `tencent://SECRET_ID:SECRET_KEY@sms.tencentcloudapi.com?sdk_app_id=…&sign_name=…&region=…`
- `twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=+1…` (or `messaging_service_sid=MG…`)
- `console://` prints each message (development); `locmem://` keeps them in `sms.outbox`
  (tests, as Django's locmem email backend).

A host other than the vendor's own points the SDK at a stand-in (tests: `127.0.0.1:port`,
with `scheme=http`). Chinese providers send pre-approved templates only (SmsTemplate: one per
kind and language, its placeholders filled from the notice); Twilio, the console and locmem
send our own text.
"""

from __future__ import annotations

import logging
import urllib.parse
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One SMS as a provider is asked to send it."""

    phone: str  # E.164
    kind: str  # SmsKind
    language: str
    text: str  # our own text (Twilio, console, locmem), within one segment or cut with a link
    values: dict[str, str] = field(default_factory=dict)  # every value a template may use


class SmsError(Exception):
    """A provider refused or failed to send. `permanent`: never retry this message;
    `invalid_number`: the number is at fault (quarantine); `unsubscribed`: the number asked to
    stop (TD/STOP); `ours`: our account, template or signature is at fault (operators told);
    `retry_after`: seconds the provider asks us to wait."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        invalid_number: bool = False,
        unsubscribed: bool = False,
        ours: bool = False,
        retry_after: float | None = None,
        code: str = "",
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.invalid_number = invalid_number
        self.unsubscribed = unsubscribed
        self.ours = ours
        self.retry_after = retry_after
        self.code = code


class Provider:
    scheme: str
    uses_templates = False  # True: only SmsTemplate codes and their placeholders are sent

    def __init__(self, url: urllib.parse.SplitResult) -> None:
        self.url = url
        self.options = dict(urllib.parse.parse_qsl(url.query))

    def send(self, message: Message) -> str:
        """Send one message; return the provider's message id; raise SmsError."""
        raise NotImplementedError


outbox: list[Message] = []


class LocmemProvider(Provider):
    scheme = "locmem"

    def send(self, message: Message) -> str:
        outbox.append(message)
        return f"locmem-{len(outbox)}"


class ConsoleProvider(Provider):
    scheme = "console"

    def send(self, message: Message) -> str:
        print(f"SMS to {message.phone} ({message.kind}): {message.text}", flush=True)
        return "console"


PROVIDERS: dict[str, type[Provider]] = {p.scheme: p for p in (LocmemProvider, ConsoleProvider)}

_cache: dict[str, Provider] = {}


def provider() -> Provider | None:
    """The provider SMS_URL names, or None when SMS is off."""
    url = settings.SMS_URL
    if not url:
        return None
    if url not in _cache:
        parts = urllib.parse.urlsplit(url)
        cls = PROVIDERS.get(parts.scheme)
        if cls is None:
            raise ImproperlyConfigured(
                f"SMS_URL: unknown provider {parts.scheme!r}; use one of {', '.join(PROVIDERS)}"
            )
        _cache[url] = cls(parts)
    return _cache[url]


def send_code(phone: str, code: str, language: str) -> None:
    """Send a subscriber's confirmation code (SmsKind.CODE); raises SmsError."""
    from statuspage.notify.models import SmsKind
    from statuspage.status.models import Page

    chosen = provider()
    if chosen is None:
        raise SmsError("SMS is not set up (SMS_URL)", permanent=True, ours=True)
    page = Page.get().name
    with translation.override(language):
        text = _("%(page)s: your code is %(code)s. It expires in %(minutes)s minutes.") % {
            "page": page,
            "code": code,
            "minutes": settings.CODE_MAX_AGE_MINUTES,
        }
    chosen.send(Message(phone, SmsKind.CODE, language, text, {"code": code, "page": page}))

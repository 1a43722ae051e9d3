"""SMS: one provider class per vendor SDK behind `SMS_URL`, and the channel that sends notices.

`SMS_URL` names the provider and its credentials, like `EMAIL_URL`:

- `aliyun://KEY_ID:KEY_SECRET@dysmsapi.aliyuncs.com?sign_name=…&region=cn-hangzhou`
- `tencent://SECRET_ID:SECRET_KEY@sms.tencentcloudapi.com?sdk_app_id=…&sign_name=…&region=…`
- `twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=+1…` (or `messaging_service_sid=MG…`)
- `console://` prints each message (development); `locmem://` keeps them in `sms.outbox`
  (tests, as Django's locmem email backend).

The URL's host (and port) is where the SDK connects: a host other than the vendor's own points
it at a stand-in (tests: `127.0.0.1:port`, with `scheme=http`, allowed only with
ALLOW_PRIVATE_ADDRESSES). Chinese providers send pre-approved templates only (SmsTemplate: one
per kind and language, its placeholders filled from the notice); Twilio, the console and locmem
send our own text, cut to one segment.

Every SMS costs money: per-subscriber and global caps (SMS_RATE_PER_SUBSCRIBER, SMS_RATE_GLOBAL)
are counted in Redis; a message over a cap is deferred to the end of the window, never dropped.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from statuspage.notify import tokens
from statuspage.notify.channels import Channel, Outcome, Round, _ms, rounds_of
from statuspage.notify.models import Delivery, Mode, SmsKind, SmsTemplate
from statuspage.status.models import CLOSED_STATUSES, IncidentStatus, Page

if TYPE_CHECKING:
    from statuspage.notify.models import Notice

log = logging.getLogger(__name__)

# What a template's placeholders may be filled with (SmsTemplate.variables maps each
# placeholder to one of these).
VALUES = ("page", "title", "status", "recovery", "channel", "url", "unsubscribe", "code")
LINKS = ("url", "unsubscribe")  # never cut: half a link is no link
REQUIRED: dict[str, tuple[str, ...]] = {
    kind: ("title", "url") for kind in SmsKind.values if kind != SmsKind.CODE
}
REQUIRED[SmsKind.CODE] = ("code",)
# How to stop, at the end of the text (what may follow: punctuation, and after STOP a few words,
# as in "Reply STOP to opt out").
STOP_AT_END = re.compile(
    r"(?:退订|回复\s*TD|\bTD|\bSTOP\b[^\n]{0,24}|\bopt[- ]?out)[\s。.!！)）]*$", re.IGNORECASE
)


@dataclass(frozen=True)
class Message:
    """One SMS as a provider is asked to send it."""

    phone: str  # E.164
    kind: str  # SmsKind
    language: str
    text: str  # our own text (Twilio, console, locmem), within one segment or cut with a link
    values: dict[str, str] = field(default_factory=dict)  # every value a template may use
    template: SmsTemplate | None = None  # template providers: looked up before sending


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


MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0


@dataclass(frozen=True)
class Meaning:
    """What a provider's error code says, as an SmsError is raised for it."""

    invalid_number: bool = False
    unsubscribed: bool = False
    ours: bool = False
    permanent: bool = False
    retry_after: float | None = None

    def error(self, code: str, message: str) -> SmsError:
        return SmsError(
            message,
            code=code,
            invalid_number=self.invalid_number,
            unsubscribed=self.unsubscribed,
            ours=self.ours,
            # The number's fault, or its owner's wish, ends this message and the subscriber;
            # our own refusals end this message too unless they pass with time (a daily quota).
            permanent=self.permanent
            or self.invalid_number
            or self.unsubscribed
            or (self.ours and self.retry_after is None),
            retry_after=self.retry_after,
        )


INVALID_NUMBER = Meaning(invalid_number=True)
UNSUBSCRIBED = Meaning(unsubscribed=True)
OURS = Meaning(ours=True)
PERMANENT = Meaning(permanent=True)
TEMPORARY = Meaning()


def _throttled(seconds: float, ours: bool = False) -> Meaning:
    return Meaning(retry_after=seconds, ours=ours)


class Provider:
    scheme: str
    uses_templates = False  # True: only SmsTemplate codes and their placeholders are sent
    default_host = ""
    required_options: tuple[str, ...] = ()
    variable_limit = 0  # characters per template variable (0: none)

    def __init__(self, url: urllib.parse.SplitResult) -> None:
        self.url = url
        self.options = dict(urllib.parse.parse_qsl(url.query))
        self._local = threading.local()  # one SDK client per thread: their sessions are not shared
        self.check()

    def check(self) -> None:
        """Refuse an SMS_URL this provider cannot send with: ImproperlyConfigured."""
        if self.options.get("scheme", "https") not in ("http", "https"):
            raise ImproperlyConfigured("SMS_URL: scheme= must be http or https.")
        if self.options.get("scheme") == "http" and not settings.ALLOW_PRIVATE_ADDRESSES:
            raise ImproperlyConfigured(
                "SMS_URL: scheme=http is for a local stand-in only (ALLOW_PRIVATE_ADDRESSES)."
            )
        if not self.default_host:
            return
        if not (self.url.username and self.url.password):
            raise ImproperlyConfigured(
                f"SMS_URL: {self.scheme}:// needs its credentials as "
                f"{self.scheme}://KEY:SECRET@{self.default_host}."
            )
        missing = [name for name in self.required_options if not self.options.get(name)]
        if missing:
            raise ImproperlyConfigured(
                f"SMS_URL: {self.scheme}:// needs {' and '.join(missing)} "
                f"(e.g. ?{'&'.join(f'{m}=…' for m in missing)})."
            )
        limit = self.options.get("variable_limit", str(self.variable_limit))
        if not limit.isdigit():
            raise ImproperlyConfigured("SMS_URL: variable_limit= must be a number of characters.")
        self.variable_limit = int(limit)

    @property
    def key(self) -> str:
        return urllib.parse.unquote(self.url.username or "")

    @property
    def secret(self) -> str:
        return urllib.parse.unquote(self.url.password or "")

    @property
    def host(self) -> str:
        """Host and port the SDK connects to."""
        return self.url.netloc.rpartition("@")[2] or self.default_host

    @property
    def protocol(self) -> str:
        return self.options.get("scheme", "https")

    @property
    def timeout(self) -> float:
        return float(settings.WEBHOOK_TIMEOUT_SECONDS)

    def client(self) -> Any:
        """This thread's SDK client."""
        made = getattr(self._local, "client", None)
        if made is None:
            made = self._local.client = self.make_client()
        return made

    def make_client(self) -> Any:
        raise NotImplementedError

    def send(self, message: Message) -> str:
        """Send one message; return the provider's message id; raise SmsError."""
        raise NotImplementedError

    def params(self, message: Message) -> list[tuple[str, str]]:
        """(placeholder, value) for the message's template, in placeholder order, each value
        cut to the provider's limit (links never: a provider refusing one is told to
        operators)."""
        template = message.template or template_for(message.kind, message.language)
        syntax = self.scheme if self.scheme in PLACEHOLDERS else syntax_of(template.text)
        pairs = []
        for placeholder in placeholders(template.text, syntax):
            name = template.variables.get(placeholder, "")
            value = message.values.get(name, "")
            if self.variable_limit and name not in LINKS:
                value = cut(value, self.variable_limit)
            pairs.append((placeholder, value))
        return pairs


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


class Aliyun(Provider):
    """Alibaba Cloud SMS (dysmsapi 2017-05-25, SendSms) through its official SDK, which signs
    each request with ACS3-HMAC-SHA256. Mainland numbers go without +86, others as country
    code and number without "+" (SendSms, PhoneNumbers). Business errors come as HTTP 200 with
    a Code other than "OK"; request errors (signature, key) as HTTP 4xx."""

    scheme = "aliyun"
    uses_templates = True
    default_host = "dysmsapi.aliyuncs.com"
    required_options = ("sign_name",)
    # Notification templates: 1 to 35 characters per variable unless the limit was lifted
    # (help.aliyun.com, 长变量短信发送与字符限制).
    variable_limit = 35
    # API error codes: help.aliyun.com/document_detail/101346.html (API错误码) and the
    # international list (doc-detail/116206). A number's opt-out (TD) is not refused by
    # SendSms: it shows only in delivery receipts, which we do not read.
    CODES: dict[str, Meaning] = {
        "isv.MOBILE_NUMBER_ILLEGAL": INVALID_NUMBER,  # 手机号码格式错误
        "isv.PHONE_NUMBER_ILLEGAL": INVALID_NUMBER,
        "isv.NOT_SUPPORTED_COUNTRY": INVALID_NUMBER,  # target country not supported
        "isv.BUSINESS_LIMIT_CONTROL": _throttled(HOUR),  # 触发业务流控: window in the message
        "BUSINESS_LIMIT_CONTROL_MINUTE": _throttled(MINUTE),
        "isv.BUSINESS_LIMIT_HOUR": _throttled(HOUR),
        "isv.BUSINESS_LIMIT_DAY": _throttled(DAY),
        "BUSINESS_LIMIT_CONTROL_PHONE": _throttled(DAY),
        "isv.DAY_LIMIT_CONTROL": _throttled(DAY, ours=True),  # our own daily quota (console)
        "isv.MONTH_LIMIT_CONTROL": _throttled(DAY, ours=True),
        "isv.SMS_TEMPLATE_ILLEGAL": OURS,  # template not approved / not ours
        "isv.SMS_SIGNATURE_ILLEGAL": OURS,
        "isv.SMS_SIGN_ILLEGAL": OURS,
        "isv.SIGN_STATE_ILLEGAL": OURS,
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL": OURS,
        "isv.TEMPLATE_MISSING_PARAMETERS": OURS,
        "isv.INVALID_JSON_PARAM": OURS,
        "isv.PARAM_LENGTH_LIMIT": OURS,
        "isv.PARAM_NOT_SUPPORT_URL": OURS,  # the link's domain must be fixed in the template
        "isv.BLACK_KEY_CONTROL_LIMIT": OURS,  # a blacklisted keyword in a variable
        "isv.SMS_CONTENT_ILLEGAL": OURS,
        "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": OURS,  # an international template for +86
        "isv.AMOUNT_NOT_ENOUGH": OURS,
        "isv.OUT_OF_SERVICE": OURS,  # 业务停机: balance exhausted
        "isv.PRODUCT_UN_SUBSCRIPT": OURS,
        "isv.PRODUCT_UNSUBSCRIBE": OURS,
        "isv.ACCOUNT_NOT_EXISTS": OURS,
        "isv.ACCOUNT_ABNORMAL": OURS,
        "isv.DENY_IP_RANGE": OURS,
        "isp.RAM_PERMISSION_DENY": OURS,
        "isp.SYSTEM_ERROR": TEMPORARY,
        "isp.GATEWAY_ERROR": TEMPORARY,
    }
    # isv.BUSINESS_LIMIT_CONTROL says which window it hit: "触发分钟级流控Permits:1",
    # "触发小时级流控Permits:5", "触发天级流控Permits:10".
    WINDOWS = (("分钟", MINUTE), ("小时", HOUR), ("天", DAY), ("minute", MINUTE),
               ("hour", HOUR), ("day", DAY))  # fmt: skip

    def make_client(self) -> Any:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.models import Config

        config = Config(
            access_key_id=self.key,
            access_key_secret=self.secret,
            endpoint=self.host,
            protocol=self.protocol,
            region_id=self.options.get("region", "cn-hangzhou"),
            connect_timeout=int(self.timeout * 1000),
            read_timeout=int(self.timeout * 1000),
        )
        return Client(config)

    @staticmethod
    def number(phone: str) -> str:
        return phone[3:] if phone.startswith("+86") else phone.lstrip("+")

    def send(self, message: Message) -> str:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from darabonba.runtime import RuntimeOptions

        template = message.template or template_for(message.kind, message.language)
        request = SendSmsRequest(
            phone_numbers=self.number(message.phone),
            sign_name=self.options["sign_name"],
            template_code=template.template_code,
            template_param=json.dumps(dict(self.params(message)), ensure_ascii=False),
        )
        try:
            response = self.client().send_sms_with_options(request, RuntimeOptions())
        except Exception as exc:
            raise self.sdk_error(exc) from exc
        body = response.body
        if body.code != "OK":
            raise self.refusal(body.code or "", body.message or "")
        return body.biz_id or ""

    def refusal(self, code: str, message: str) -> SmsError:
        meaning = self.CODES.get(code)
        if code == "isv.BUSINESS_LIMIT_CONTROL":
            window = next((s for word, s in self.WINDOWS if word in message.lower()), HOUR)
            meaning = _throttled(window)
        if meaning is None:  # an isv. code we do not know: this message will not pass
            meaning = TEMPORARY if code.startswith("isp.") else PERMANENT
        return meaning.error(code, message)

    def sdk_error(self, exc: Exception) -> SmsError:
        from darabonba.exceptions import ResponseException

        if isinstance(exc, ResponseException):  # HTTP 4xx/5xx: Client/Server/Throttling
            status = getattr(exc, "status_code", None) or 0
            code = str(getattr(exc, "code", "") or "")
            message = str(getattr(exc, "message", "") or exc)
            retry_after = getattr(exc, "retry_after", None)
            if code in self.CODES or code.startswith("isv."):
                return self.refusal(code, message)
            if status == 429 or retry_after is not None or code.startswith("Throttling"):
                wait = (retry_after / 1000) if retry_after else MINUTE
                return SmsError(message, code=code or str(status), retry_after=wait)
            if status in (400, 401, 403, 404):  # signature, key, RAM permission: ours
                return OURS.error(code or str(status), message)
            return TEMPORARY.error(code or str(status), message)
        inner = getattr(exc, "inner_exception", None) or exc
        return SmsError(f"{type(inner).__name__}: {inner}", code="network")


class Tencent(Provider):
    """Tencent Cloud SMS (2021-01-11, SendSms) through its official SDK, which signs with
    TC3-HMAC-SHA256. Numbers in E.164; the template's {1}, {2}… filled from an ordered list.
    An HTTP success may still carry a refused send: SendStatusSet[0].Code is read too."""

    scheme = "tencent"
    uses_templates = True
    default_host = "sms.tencentcloudapi.com"
    required_options = ("sdk_app_id", "sign_name")
    # 1036 / InvalidParameterValue.TemplateParameterLengthLimit: at most 12 characters per
    # variable unless the account is certified as a company (then variable_limit=0).
    variable_limit = 12
    # cloud.tencent.com/document/api/382/55981 (SendSms) and 382/59177 (错误码).
    CODES: dict[str, Meaning] = {
        "InvalidParameterValue.IncorrectPhoneNumber": INVALID_NUMBER,  # 手机号格式错误
        "UnsupportedOperation.UnsupportedRegion": INVALID_NUMBER,  # 不支持该地区短信下发
        "FailedOperation.PhoneNumberInBlacklist": UNSUBSCRIBED,  # 免打扰名单: 用户退订
        "LimitExceeded.PhoneNumberThirtySecondLimit": _throttled(30),
        "LimitExceeded.PhoneNumberOneHourLimit": _throttled(HOUR),
        "LimitExceeded.PhoneNumberDailyLimit": _throttled(DAY),
        "LimitExceeded.PhoneNumberSameContentDailyLimit": _throttled(DAY),
        "LimitExceeded.DeliveryFrequencyLimit": _throttled(HOUR),
        "LimitExceeded.AppDailyLimit": _throttled(DAY, ours=True),  # our daily quota
        "LimitExceeded.AppGlobalDailyLimit": _throttled(DAY, ours=True),
        "LimitExceeded.AppMainlandChinaDailyLimit": _throttled(DAY, ours=True),
        "LimitExceeded.AppCountryOrRegionDailyLimit": _throttled(DAY, ours=True),
        "RequestLimitExceeded": _throttled(MINUTE),
        "FailedOperation.TemplateIncorrectOrUnapproved": OURS,
        "FailedOperation.SignatureIncorrectOrUnapproved": OURS,
        "FailedOperation.InsufficientBalanceInSmsPackage": OURS,
        "FailedOperation.ContainSensitiveWord": OURS,
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": OURS,
        "InvalidParameterValue.TemplateParameterLengthLimit": OURS,
        "InvalidParameterValue.TemplateParameterFormatError": OURS,
        "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": OURS,
        "InvalidParameterValue.ContentLengthLimit": OURS,
        "InvalidParameterValue.SdkAppIdNotExist": OURS,
        "UnauthorizedOperation.SmsSdkAppIdVerifyFail": OURS,
        "UnauthorizedOperation.ServiceSuspendDueToArrears": OURS,
        "InternalError.Timeout": TEMPORARY,
        "ServerNetworkError": TEMPORARY,
        "ClientNetworkError": TEMPORARY,
    }
    OURS_PREFIXES = ("AuthFailure", "UnauthorizedOperation")
    TEMPORARY_PREFIXES = ("InternalError",)

    def make_client(self) -> Any:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111.sms_client import SmsClient

        http = HttpProfile(
            protocol=self.protocol, endpoint=self.host, reqTimeout=max(1, int(self.timeout))
        )
        return SmsClient(
            credential.Credential(self.key, self.secret),
            self.options.get("region", "ap-guangzhou"),
            ClientProfile(httpProfile=http),
        )

    def send(self, message: Message) -> str:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111.models import SendSmsRequest

        template = message.template or template_for(message.kind, message.language)
        request = SendSmsRequest()
        request.PhoneNumberSet = [message.phone]
        request.SmsSdkAppId = self.options["sdk_app_id"]
        request.SignName = self.options["sign_name"]
        request.TemplateId = template.template_code
        request.TemplateParamSet = [value for _, value in self.params(message)]
        try:
            response = self.client().SendSms(request)
        except TencentCloudSDKException as exc:
            raise self.refusal(exc.get_code() or "", exc.get_message() or "") from exc
        except Exception as exc:
            raise SmsError(f"{type(exc).__name__}: {exc}", code="network") from exc
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SmsError("no SendStatusSet in the answer", code="empty")
        status = statuses[0]
        if status.Code != "Ok":
            raise self.refusal(status.Code or "", status.Message or "")
        return status.SerialNo or ""

    def refusal(self, code: str, message: str) -> SmsError:
        meaning = self.CODES.get(code)
        if meaning is None:
            if code.startswith(self.OURS_PREFIXES):
                meaning = OURS
            elif code.startswith(self.TEMPORARY_PREFIXES):
                meaning = TEMPORARY
            elif code.startswith("LimitExceeded"):
                meaning = _throttled(HOUR)
            else:
                meaning = PERMANENT
        return meaning.error(code, message)


class _RebasedHttpClient:
    """Twilio's own HTTP client, sending to another base URL (a stand-in): the library builds
    absolute api.twilio.com URLs, so the scheme and host are swapped here, nothing else."""

    def __new__(cls, base: str, timeout: float):
        from twilio.http.http_client import TwilioHttpClient

        class Rebased(TwilioHttpClient):
            def request(self, method: str, url: str, *args: Any, **kwargs: Any):
                parts = urllib.parse.urlsplit(url)
                return super().request(
                    method, urllib.parse.urlunsplit((*base_parts, *parts[2:])), *args, **kwargs
                )

        base_parts = urllib.parse.urlsplit(base)[:2]
        return Rebased(timeout=timeout)


class Twilio(Provider):
    """Twilio Programmable Messaging through its official library: our own text, HTTP Basic
    auth with the account SID and auth token."""

    scheme = "twilio"
    default_host = "api.twilio.com"
    # www.twilio.com/docs/api/errors: 21211 invalid 'To'; 21614 'To' not a mobile number;
    # 21635 'To' is a landline; 21610 the number replied STOP; 20429 too many requests;
    # 20003 authentication; 21606 'From' cannot send SMS; 21408 region not enabled; 21608
    # trial account, unverified 'To'; 21659/21660 'From' not ours.
    CODES: dict[int, Meaning] = {
        21211: INVALID_NUMBER,
        21614: INVALID_NUMBER,
        21635: INVALID_NUMBER,
        21610: UNSUBSCRIBED,
        20429: _throttled(MINUTE),
        20003: OURS,
        21606: OURS,
        21408: OURS,
        21608: OURS,
        21659: OURS,
        21660: OURS,
    }

    def check(self) -> None:
        super().check()
        if not (self.options.get("from") or self.options.get("messaging_service_sid")):
            raise ImproperlyConfigured(
                "SMS_URL: twilio:// needs from=+1… or messaging_service_sid=MG…."
            )

    def make_client(self) -> Any:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        http = (
            TwilioHttpClient(timeout=self.timeout)
            if self.host == self.default_host and self.protocol == "https"
            else _RebasedHttpClient(f"{self.protocol}://{self.host}", self.timeout)
        )
        return Client(self.key, self.secret, http_client=http)

    def send(self, message: Message) -> str:
        from twilio.base.exceptions import TwilioRestException

        sender = (
            {"messaging_service_sid": self.options["messaging_service_sid"]}
            if self.options.get("messaging_service_sid")
            else {"from_": self.options["from"]}
        )
        try:
            sent = self.client().messages.create(to=message.phone, body=message.text, **sender)
        except TwilioRestException as exc:
            raise self.refusal(exc.status, exc.code, exc.msg) from exc
        except Exception as exc:
            raise SmsError(f"{type(exc).__name__}: {exc}", code="network") from exc
        return sent.sid or ""

    def refusal(self, status: int, code: int | None, message: str) -> SmsError:
        meaning = self.CODES.get(code or 0)
        if meaning is None:
            if status == 429:
                meaning = _throttled(MINUTE)
            elif status in (401, 403):
                meaning = OURS
            elif 400 <= status < 500:
                meaning = PERMANENT
            else:
                meaning = TEMPORARY
        return meaning.error(str(code or status), message)


PROVIDERS: dict[str, type[Provider]] = {
    p.scheme: p for p in (LocmemProvider, ConsoleProvider, Aliyun, Tencent, Twilio)
}

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


def forget() -> None:
    """Drop the providers made so far (their SDK clients): SMS_URL or its rules changed."""
    _cache.clear()


@receiver(setting_changed)
def _settings_changed(setting: str, **kwargs: Any) -> None:
    if setting in ("SMS_URL", "ALLOW_PRIVATE_ADDRESSES", "WEBHOOK_TIMEOUT_SECONDS"):
        forget()


# Templates ---------------------------------------------------------------------------------

PLACEHOLDERS = {
    "aliyun": re.compile(r"\$\{(\w+)\}"),
    "tencent": re.compile(r"(?<!\$)\{(\d+)\}"),
}


def syntax_of(text: str) -> str:
    """Which provider's placeholders a template's text uses."""
    return "aliyun" if PLACEHOLDERS["aliyun"].search(text) else "tencent"


def placeholders(text: str, syntax: str) -> list[str]:
    """The text's placeholders in order (Tencent's by number: {1}, {2}, …), each once."""
    found = list(dict.fromkeys(PLACEHOLDERS[syntax].findall(text)))
    return sorted(found, key=int) if syntax == "tencent" else found


def check_template(template: SmsTemplate) -> None:
    """Refuse a template the notices could not fill, or one that does not say how to stop:
    a ValidationError on the field at fault, nothing saved."""
    chosen = provider() if settings.SMS_URL else None
    syntax = chosen.scheme if chosen and chosen.scheme in PLACEHOLDERS else syntax_of(template.text)
    found = placeholders(template.text, syntax)
    example = "${title}" if syntax == "aliyun" else "{1}"
    if not found:
        raise ValidationError(
            {
                "text": _("The text has no placeholders (such as %(example)s).")
                % {"example": example}
            }
        )
    if syntax == "tencent" and found != [str(n) for n in range(1, len(found) + 1)]:
        raise ValidationError({"text": _("Placeholders are numbered {1}, {2}, … without gaps.")})
    variables = template.variables if isinstance(template.variables, dict) else None
    if variables is None:
        raise ValidationError({"variables": _("Give {placeholder: value} pairs.")})
    unmapped = [p for p in found if p not in variables]
    if unmapped:
        raise ValidationError(
            {"variables": _("Say which value fills %(names)s.") % {"names": ", ".join(unmapped)}}
        )
    extra = [p for p in variables if p not in found]
    if extra:
        raise ValidationError(
            {"variables": _("The text has no placeholder %(names)s.") % {"names": ", ".join(extra)}}
        )
    unknown = sorted({v for v in variables.values() if v not in VALUES})
    if unknown:
        raise ValidationError(
            {
                "variables": _("Unknown values %(names)s; use %(values)s.")
                % {"names": ", ".join(map(str, unknown)), "values": ", ".join(VALUES)}
            }
        )
    missing = [v for v in REQUIRED.get(template.kind, ()) if v not in variables.values()]
    if missing:
        raise ValidationError(
            {
                "variables": _("This kind of SMS needs %(names)s in a placeholder.")
                % {"names": ", ".join(missing)}
            }
        )
    if template.kind != SmsKind.CODE and not _ends_with_how_to_stop(
        template.text, syntax, variables
    ):
        raise ValidationError(
            {
                "text": _(
                    "The text must end with how to stop (回复TD退订, STOP or the unsubscribe link)."
                )
            }
        )


def _ends_with_how_to_stop(text: str, syntax: str, variables: dict) -> bool:
    """The text ends with the stop words (回复TD退订, STOP) or the unsubscribe link's
    placeholder, followed by nothing but punctuation."""
    if STOP_AT_END.search(text):
        return True
    last = list(PLACEHOLDERS[syntax].finditer(text))[-1:]
    return (
        bool(last)
        and variables.get(last[0].group(1)) == "unsubscribe"
        and not (text[last[0].end() :].strip(" 。."))
    )


def template_for(kind: str, language: str) -> SmsTemplate:
    """The template for this kind in this language, else the default language's."""
    found = {
        t.language: t
        for t in SmsTemplate.objects.filter(
            kind=kind, language__in={language, settings.LANGUAGE_CODE}
        )
    }
    chosen = found.get(language) or found.get(settings.LANGUAGE_CODE)
    if chosen is None:
        raise SmsError(
            f"no SMS template for {SmsKind(kind).label if kind in SmsKind.values else kind} "
            f"({language}); add one in the admin",
            permanent=True,
            ours=True,
            code="no-template",
        )
    return chosen


# Our own text ------------------------------------------------------------------------------

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")  # two septets each
SEGMENT_UCS2, SEGMENT_GSM7 = 70, 160


def length(text: str) -> tuple[int, int]:
    """(units the text takes, units one segment holds): GSM-7 septets, else UCS-2 characters."""
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        return sum(2 if c in GSM7_EXTENDED else 1 for c in text), SEGMENT_GSM7
    return len(text.encode("utf-16-le")) // 2, SEGMENT_UCS2


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


# One line per language: the page, what is wrong, when it is expected back, the link and how
# to stop. Only Twilio sends our own text (Chinese providers send approved templates, whose
# text carries 回复TD退订), and Twilio acts on STOP: so STOP, in Chinese too.
FORMATS = {
    "zh-hans": {
        "head": "【{page}】",
        "body": "{title}：{status}",
        "recovery": "。预计 {recovery} 恢复",
        "tail": "。{url} 回复STOP退订",
    },
    "en": {
        "head": "[{page}] ",
        "body": "{title}: {status}",
        "recovery": ". Expected back {recovery}",
        "tail": ". {url} Reply STOP to opt out",
    },
}


def compose(values: dict[str, str], language: str) -> str:
    """The text providers' message: one segment (70 characters if any is not GSM-7, else 160);
    when too long the title and status are cut with "…", never the link nor the stop words."""
    form = FORMATS.get(language) or FORMATS["en"]
    head = form["head"].format(page=values.get("page", ""))
    body = form["body"].format(title=values.get("title", ""), status=values.get("status", ""))
    if not values.get("status"):
        body = values.get("title", "")
    recovery = form["recovery"].format(**values) if values.get("recovery") else ""
    tail = form["tail"].format(url=values.get("url", ""))
    text = head + body + recovery + tail
    used, segment = length(text)
    if used <= segment:
        return text
    room = segment - length(head + recovery + tail)[0]
    if room < 8 and recovery:  # the recovery time gives way before the title does
        recovery = ""
        room = segment - length(head + recovery + tail)[0]
    # "…" is not GSM-7: it would turn a 160-character message into a 70-character one.
    ellipsis = "..." if length(text)[1] == SEGMENT_GSM7 else "…"
    cut_body = body
    while cut_body and length(cut_body + ellipsis)[0] > room:
        cut_body = cut_body[:-1]
    return head + cut_body + ellipsis + recovery + tail


def _recovery(value: str | None, written: datetime, language: str) -> str:
    """The expected recovery as the page's clock says it (the payload keeps the page's offset):
    "15:30" the same day, else "11月30日 15:30" / "30 Nov 15:30"."""
    if not value:
        return ""
    at = datetime.fromisoformat(value)
    clock = at.strftime("%H:%M")
    if at.tzinfo is not None and at.date() == written.astimezone(at.tzinfo).date():
        return clock
    if language == "zh-hans":
        return f"{at.month}月{at.day}日 {clock}"
    return f"{at.day} {at.strftime('%b')} {clock}"


def notice_values(notice: Notice, language: str, page_name: str) -> dict[str, str]:
    """What an SMS about the notice can say, in `language`, from its frozen payload."""
    payload = notice.payload_in(language)
    about = payload.get("notice") or {}
    incident = payload.get("incident") or {}
    with translation.override(language):
        status = incident.get("status") or ""
        label = str(IncidentStatus(status).label) if status in IncidentStatus.values else status
        open_ = status not in CLOSED_STATUSES
        channel: dict[str, str | None] = next(iter(about.get("channels") or []), {})
        return {
            "page": page_name,
            "title": about.get("summary") or incident.get("name") or "",
            "status": (payload.get("banner") or label) if open_ else label,
            "recovery": _recovery(about.get("expected_recovery_at"), notice.created_at, language)
            if open_
            else "",
            "channel": " ".join(
                x for x in (channel.get("label"), channel.get("phone") or channel.get("url")) if x
            ),
            "url": about.get("url") or incident.get("shortlink") or settings.PUBLIC_URL,
        }


# Cost caps ---------------------------------------------------------------------------------


def clock() -> float:
    """Seconds since the epoch: what the caps' windows count in."""
    return time.time()


def _redis() -> Any:
    """The cache's own Redis client (one per round, not one per command as the cache's API
    makes), or None where the cache is not Redis."""
    get_client = getattr(getattr(cache, "_cache", None), "get_client", None)
    return get_client(write=True) if get_client else None


def take(subscriber_ids: list[str], now: float) -> list[float]:
    """Count one SMS per subscriber (in order) against each one's cap and the global cap, in
    one pipelined round trip; for each, 0 if it may go now, else the seconds until the full
    window ends (what a message held back counted is taken back). Without Redis all may go:
    an outage of ours must not hold notices back."""
    if not subscriber_ids:
        return []
    per_count, per_seconds = settings.SMS_RATE_PER_SUBSCRIBER
    all_count, all_seconds = settings.SMS_RATE_GLOBAL
    per_window, all_window = int(now // per_seconds), int(now // all_seconds)
    per_keys = [
        cache.make_key(f"notify:sms-rate:{sid}:{per_seconds}:{per_window}")
        for sid in subscriber_ids
    ]
    all_key = cache.make_key(f"notify:sms-rate:all:{all_seconds}:{all_window}")
    count = len(subscriber_ids)
    try:
        client = _redis()
        if client is None:
            return [0.0] * count
        pipe = client.pipeline(transaction=False)
        for key in per_keys:
            pipe.incr(key)
            pipe.expire(key, per_seconds + 1)
        pipe.incrby(all_key, count)
        pipe.expire(all_key, all_seconds + 1)
        replies = pipe.execute()
        before = replies[2 * count] - count  # the global count before this round
        waits: list[float] = []
        give_back: list[str] = []
        going = 0
        for key, used in zip(per_keys, replies[0 : 2 * count : 2], strict=True):
            if used > per_count:
                waits.append((per_window + 1) * per_seconds - now)
            elif before + going + 1 > all_count:
                waits.append((all_window + 1) * all_seconds - now)
                give_back.append(key)
            else:
                waits.append(0.0)
                going += 1
        if going < count:
            pipe = client.pipeline(transaction=False)
            for key in give_back:
                pipe.decr(key)
            pipe.decrby(all_key, count - going)
            pipe.execute()
        return waits
    except (RedisError, OSError, ValueError) as exc:
        log.warning("SMS caps unavailable, sending anyway (%s)", exc)
        return [0.0] * count


def give_back(subscriber_ids: list[str], now: float) -> None:
    """Uncount messages counted by `take` and then not sent (the batch was cut)."""
    if not subscriber_ids:
        return
    per_seconds = settings.SMS_RATE_PER_SUBSCRIBER[1]
    all_seconds = settings.SMS_RATE_GLOBAL[1]
    try:
        client = _redis()
        if client is None:
            return
        pipe = client.pipeline(transaction=False)
        for sid in subscriber_ids:
            pipe.decr(
                cache.make_key(f"notify:sms-rate:{sid}:{per_seconds}:{int(now // per_seconds)}")
            )
        pipe.decrby(
            cache.make_key(f"notify:sms-rate:all:{all_seconds}:{int(now // all_seconds)}"),
            len(subscriber_ids),
        )
        pipe.execute()
    except (RedisError, OSError, ValueError) as exc:
        log.warning("SMS caps unavailable (%s)", exc)


# The channel -------------------------------------------------------------------------------


def outcome_of(error: SmsError, scheme: str, duration_ms: int = 0) -> Outcome:
    """What a refusal means for the delivery and the subscriber. A refusal of ours names its
    cause (the provider and its code), so operators are told once per cause."""
    text = f"SMS {scheme} {error.code}: {error}" if error.code else f"SMS {scheme}: {error}"
    if error.unsubscribed:
        return Outcome(False, duration_ms, error=text, permanent=True, gone=True)
    if error.invalid_number:
        return Outcome(False, duration_ms, error=text, permanent=True, bounced=True)
    return Outcome(
        False,
        duration_ms,
        error=text,
        permanent=error.permanent,
        retry_after=error.retry_after,
        ours=error.ours,
        cause=f"{scheme}-{error.code or 'error'}" if error.ours else "",
    )


class SmsChannel(Channel):
    """SMS through the provider SMS_URL names. SDK calls block, so a round of up to
    CONCURRENCY of them runs on threads, no subscriber twice in a round (their notices stay in
    order). Everything touching the database or Redis happens on this thread: the next round
    is prepared (caps counted, messages composed) while the current one is being sent, and a
    round's outcomes are yielded only once all of it is done, so a batch cut between rounds
    leaves nothing sent and unrecorded."""

    mode = Mode.SMS
    CONCURRENCY = 8

    def send(self, deliveries: list[Delivery]) -> Generator[Round, None, None]:
        try:
            chosen = provider()
        except ImproperlyConfigured as exc:
            chosen, broken = None, str(exc)
        else:
            broken = "SMS is not set up (SMS_URL)"
        if chosen is None:
            error = SmsError(broken, permanent=True, ours=True)
            yield [(d, outcome_of(error, "none")) for d in deliveries]
            return
        prepare = Preparation(chosen)
        batches = rounds_of(deliveries, self.CONCURRENCY)
        upcoming = prepare.round(next(batches, []))
        with ThreadPoolExecutor(max_workers=self.CONCURRENCY) as pool:
            try:
                while upcoming.ready or upcoming.settled:
                    current = upcoming
                    futures = [(d, pool.submit(attempt, chosen, m)) for d, m in current.ready]
                    upcoming = prepare.round(next(batches, []))  # while these are sent
                    yield current.settled + [(d, future.result()) for d, future in futures]
            finally:  # cut (the budget, a time limit): the round prepared next was not sent
                give_back([d.subscriber_id for d, _ in upcoming.ready], upcoming.at)


@dataclass
class Prepared:
    at: float
    ready: list[tuple[Delivery, Message]]
    settled: Round  # not sent: deferred by a cap, or refused before sending


class Preparation:
    """What a round needs before it is sent: caps counted (one Redis round trip), each notice's
    values once per language, each template once per kind and language."""

    def __init__(self, chosen: Provider) -> None:
        self.chosen = chosen
        self.page = Page.get().name
        self.values: dict[tuple[int, str], dict[str, str]] = {}
        self.templates: dict[tuple[str, str], SmsTemplate | SmsError] = {}
        self.deferred_until: dict[str, float] = {}

    def round(self, batch: list[Delivery]) -> Prepared:
        now = clock()
        prepared = Prepared(now, [], [])
        fresh = [d.subscriber_id for d in batch if d.subscriber_id not in self.deferred_until]
        waits = dict(zip(fresh, take(fresh, now), strict=True))
        for delivery in batch:
            wait = self.deferred_until.get(delivery.subscriber_id) or waits[delivery.subscriber_id]
            if wait:
                self.deferred_until[delivery.subscriber_id] = wait
                queued = f"SMS cap: queued for {wait:.0f} s"
                prepared.settled.append(
                    (delivery, Outcome(False, error=queued, retry_after=wait, deferred=True))
                )
                continue
            try:
                prepared.ready.append((delivery, self.message(delivery)))
            except SmsError as exc:
                give_back([delivery.subscriber_id], now)
                prepared.settled.append((delivery, outcome_of(exc, self.chosen.scheme)))
        return prepared

    def template(self, kind: str, language: str) -> SmsTemplate:
        key = (kind, language)
        if key not in self.templates:
            try:
                self.templates[key] = template_for(kind, language)
            except SmsError as exc:
                self.templates[key] = exc
        found = self.templates[key]
        if isinstance(found, SmsError):
            raise found
        return found

    def message(self, delivery: Delivery) -> Message:
        notice = delivery.notice
        subscriber = delivery.subscriber
        language = subscriber.language
        kind = notice.sms_kind or SmsKind.INCIDENT_UPDATED
        key = (notice.pk, language)
        if key not in self.values:
            self.values[key] = notice_values(notice, language, self.page)
        own = {**self.values[key], "unsubscribe": tokens.short_unsubscribe_url(subscriber)}
        template = self.template(kind, language) if self.chosen.uses_templates else None
        text = "" if template else compose(own, language)
        return Message(str(subscriber.phone), kind, language, text, own, template)


def attempt(chosen: Provider, message: Message) -> Outcome:
    """One send, on a pool thread: what happened, never an exception."""
    started = time.monotonic()
    try:
        chosen.send(message)
    except SmsError as exc:
        return outcome_of(exc, chosen.scheme, _ms(started))
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:  # an SDK's surprise is this message's failure, retried
        return Outcome(False, _ms(started), error=f"SMS {chosen.scheme}: {exc!r}")
    return Outcome(True, _ms(started))


def send_code(phone: str, code: str, language: str) -> None:
    """Send a subscriber's confirmation code (SmsKind.CODE; with template providers, the CODE
    template and its `code` value); raises SmsError."""
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
    message = Message(phone, SmsKind.CODE, language, text, {"code": code, "page": page})
    if chosen.uses_templates:
        message = replace(message, template=template_for(SmsKind.CODE, language))
    chosen.send(message)

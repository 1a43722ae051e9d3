"""Subscribing, confirming, managing and leaving: the write path for subscribers.

The public forms, the management API and the admin all call these. Confirmed opt-in: a new
subscriber receives exactly one message (the confirmation) until they confirm: an email with a
link, or, for SMS and chat robots (which cannot click a link), a six-digit code typed back on
the code page (`code_page_url`).

Codes: drawn with `secrets`, stored as an HMAC keyed with SECRET_KEY and the subscriber's id,
valid CODE_MAX_AGE_MINUTES and for CODE_MAX_ATTEMPTS wrong tries (then void: a new one must
be asked for), compared in constant time; a new code replaces the last. Operators (the admin,
`/v1` with `skip_confirmation_notification`) activate without one.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from statuspage.lib import outbound
from statuspage.notify import tokens
from statuspage.notify.models import (
    Mode,
    Subscriber,
    SubscriberState,
    new_nonce,
    new_webhook_secret,
)
from statuspage.status.models import Component, Incident

log = logging.getLogger(__name__)

CODE_MODES = (Mode.SMS, Mode.ROBOT)  # they confirm with a code typed back, not a link
CODE_SALT = "statuspage.notify.code"
CODE_PAGE_SALT = "statuspage.notify.code-page"


def normalise_email(address: str) -> str:
    """One spelling per mailbox for uniqueness and rate limits (case and spaces ignored)."""
    return address.strip().lower()


def check_endpoint(url: str) -> None:
    """Refuse webhook URLs that point inside the network (checked again at every connect)."""
    try:
        outbound.resolve_public(url, allow_private=settings.ALLOW_PRIVATE_ADDRESSES)
    except (outbound.RefusedURL, outbound.RefusedAddress) as exc:
        raise ValidationError({"endpoint": _("This webhook URL cannot be used: %s") % exc}) from exc


def _send_on_commit(task_name: str, subscriber: Subscriber) -> None:
    from statuspage.celery import enqueue
    from statuspage.notify import tasks  # tasks import this module

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: enqueue(task, subscriber.pk))


def may_message_owner(address: str) -> bool:
    """Count one message sent to an address at someone else's request (a repeat subscription,
    a manage link asked for) and say whether it is within SUBSCRIBE_RATE_PER_ADDRESS, whoever
    asks and through whichever door. Without Redis nothing is sent: these messages can wait,
    a mailbox flooded through us cannot be undone."""
    count, seconds = settings.SUBSCRIBE_RATE_PER_ADDRESS
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    key = f"notify:owner-messages:{digest}:{int(time.time() // seconds)}"
    try:
        cache.add(key, 0, timeout=seconds)
        return cache.incr(key) <= count
    except (RedisError, OSError, ValueError) as exc:
        log.warning(
            "Not sending a message to a subscriber: the rate limit is unavailable (%s)", exc
        )
        return False


# What a person may type as a phone number: digits, spaces and the usual punctuation. Letters
# are refused (phonenumbers would read them as a keypad's, 1-800-FLOWERS).
PHONE_CHARACTERS = re.compile(r"\+?[\d ().\-]{3,30}")


def parse_phone(value: str, country: str = "") -> str:
    """A phone number SMS can go to, in E.164 (+8613800138000), parsed as in `country` (an ISO
    code; the page's PHONE_REGION by default, so mainland numbers need no +86). Refused:
    anything when SMS is off (no SMS_URL), anything that is not a valid number, and numbers of
    countries outside SMS_COUNTRIES."""
    if not settings.SMS_URL:
        raise ValidationError({"phone": _("SMS subscriptions are not available here.")})
    text = value.strip()
    country = country.strip().upper() or settings.PHONENUMBER_DEFAULT_REGION
    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            {"phone_country": _("Unknown country code: use an ISO code, e.g. CN.")}
        )
    number = None
    if PHONE_CHARACTERS.fullmatch(text):
        try:
            number = phonenumbers.parse(text, country)
        except phonenumbers.NumberParseException:
            number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            {"phone": _("This is not a phone number we can send to. Check it, e.g. 138 0013 8000.")}
        )
    found = phonenumbers.region_code_for_number(number)
    if found not in settings.SMS_COUNTRIES:
        raise ValidationError(
            {
                "phone": _("We send SMS to numbers in %(countries)s only.")
                % {"countries": ", ".join(settings.SMS_COUNTRIES)}
            }
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def owner_key(subscriber: Subscriber) -> str:
    """Who a message at someone else's request goes to, for may_message_owner: the number of
    an SMS subscriber, the robot's URL, else the email address."""
    if subscriber.mode == Mode.SMS:
        return str(subscriber.phone)
    if subscriber.mode == Mode.ROBOT:
        return subscriber.endpoint
    return subscriber.email


def subscribe(
    *,
    email: str = "",
    endpoint: str = "",
    components: Iterable[Component] = (),
    language: str | None = None,
    incident: Incident | None = None,
    skip_confirmation: bool = False,
    chat_app: str = "",
    chat_secret: str = "",
    phone: str = "",
    phone_country: str = "",
) -> Subscriber:
    """Subscribe an address (or a webhook owned by it). The same call again changes nothing
    about the subscriber (whoever asks has not proved they own the address, so the components,
    the language and a pending confirmation link stay as they are): its owner is sent a fresh
    manage link if it is active, else the confirmation (again), at most
    SUBSCRIBE_RATE_PER_ADDRESS times per window. Returns the subscriber.

    A chat robot is an endpoint with a `chat_app` (and, where the app signs, `chat_secret`):
    its URL must be on the app's hosts (robots.check_robot). A `phone` (parsed as in
    `phone_country`, see parse_phone) makes an SMS subscriber, with SMS_URL set; it needs no
    email (one subscription per number: an email given with it is not kept). SMS subscribers
    and robots confirm with a code (send_code); a repeat subscription sends a fresh one,
    within the same limit, keyed on the number or the robot's URL.

    The endpoint's DNS is checked before the transaction opens: no network inside it."""
    chat_secret = chat_secret.strip()
    if phone or phone_country:
        if endpoint or chat_app or chat_secret:
            raise ValidationError({"phone": _("Give a phone number or a URL, not both.")})
        phone = parse_phone(phone, phone_country)
        email = ""
    if chat_app or chat_secret:
        from statuspage.notify.robots import check_robot  # robots import the channels

        if not endpoint:
            raise ValidationError({"endpoint": _("A chat robot needs its webhook URL.")})
        check_robot(chat_app, endpoint, chat_secret)
    if endpoint:
        check_endpoint(endpoint)
    with transaction.atomic():
        return _subscribe(
            email=email,
            endpoint=endpoint,
            components=components,
            language=language,
            incident=incident,
            skip_confirmation=skip_confirmation,
            chat_app=chat_app,
            chat_secret=chat_secret,
            phone=phone,
        )


def _subscribe(
    *,
    email: str,
    endpoint: str,
    components: Iterable[Component],
    language: str | None,
    incident: Incident | None,
    skip_confirmation: bool,
    chat_app: str = "",
    chat_secret: str = "",
    phone: str = "",
) -> Subscriber:
    email = normalise_email(email)
    if phone:
        mode = Mode.SMS
    else:
        mode = Mode.ROBOT if chat_app else Mode.WEBHOOK if endpoint else Mode.EMAIL
    if mode != Mode.SMS and not email:
        raise ValidationError({"email": _("Enter an email address.")})
    if incident is not None and incident.is_closed:
        raise ValidationError({"incident": _("This incident is over; there is nothing to follow.")})
    language = language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unknown language.")})
    subscriber = Subscriber(
        mode=mode,
        email=email,
        endpoint=endpoint,
        phone=phone,
        incident=incident,
        language=language,
        chat_app=chat_app,
        chat_secret=chat_secret,
    )
    subscriber.full_clean(
        exclude=["components", "secret"], validate_unique=False, validate_constraints=False
    )
    components = list(components)
    same = {"mode": mode, "email": email, "endpoint": endpoint, "phone": phone}

    existing = Subscriber.objects.select_for_update().filter(**same, incident=incident).first()
    if existing is None:
        try:
            with transaction.atomic():
                subscriber.save()
        except IntegrityError:  # someone subscribed the same address a moment ago
            existing = Subscriber.objects.get(**same, incident=incident)
    if existing is None:
        subscriber.components.set(components)
        if skip_confirmation:
            _activate(subscriber)
        else:
            _send_on_commit(_confirmation_task(subscriber), subscriber)
        return subscriber
    if skip_confirmation:  # an operator's import: they vouch for the address
        _activate(existing)
    elif may_message_owner(owner_key(existing)):
        # Whoever asks has not proved they own the address: nothing about the subscriber
        # changes (not its choices, not its pending confirmation link), its owner is told.
        # A code is the exception: typing a fresh one back proves the number or the robot
        # (and, if already active, answers with a manage link).
        already_active = existing.state == SubscriberState.ACTIVE
        task = _confirmation_task(existing)
        if already_active and task == "send_confirmation":
            task = "send_already_subscribed"
        _send_on_commit(task, existing)
    return existing


def _confirmation_task(subscriber: Subscriber) -> str:
    return "send_code" if subscriber.mode in CODE_MODES else "send_confirmation"


def _activate(subscriber: Subscriber) -> None:
    subscriber.state = SubscriberState.ACTIVE
    subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
    subscriber.unsubscribed_at = None
    subscriber.quarantined_at = None
    subscriber.quarantine_reason = ""
    subscriber.save()


@transaction.atomic
def confirm(subscriber: Subscriber) -> Subscriber:
    """Activate (a new subscriber, or a former one subscribing again); the confirmation link is
    used up (its nonce is replaced)."""
    subscriber.confirm_nonce = new_nonce()
    subscriber.confirmed_at = timezone.now()
    _activate(subscriber)
    return subscriber


def _code_hash(subscriber: Subscriber, code: str) -> str:
    return salted_hmac(CODE_SALT, f"{subscriber.pk}:{code}", algorithm="sha256").hexdigest()


def issue_code(subscriber: Subscriber) -> str:
    """A fresh six-digit code for the subscriber, replacing any earlier one (its wrong tries
    forgotten); only its hash is kept, for CODE_MAX_AGE_MINUTES."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    subscriber.code_hash = _code_hash(subscriber, code)
    subscriber.code_expires_at = timezone.now() + timedelta(minutes=settings.CODE_MAX_AGE_MINUTES)
    subscriber.code_attempts = 0
    Subscriber.objects.filter(pk=subscriber.pk).update(
        code_hash=subscriber.code_hash,
        code_expires_at=subscriber.code_expires_at,
        code_attempts=0,
    )
    return code


class CodeNotSent(Exception):
    """A code could not be sent. `permanent`: trying again will not help (a number the
    provider refuses, a revoked robot); `retry_after`: seconds the other end asked us to wait."""

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


def send_code(subscriber: Subscriber) -> None:
    """Issue a fresh code and send it: by SMS, or posted to the robot in its app's format and
    signature. The code is stored before it leaves, so the one received is the one that works.
    `confirmation_sent_at` is set once it is sent or can never be (the sweeper leaves it then);
    raises CodeNotSent."""
    from statuspage.notify import robots, sms  # robots import the channels; sms the models

    code = issue_code(subscriber)
    try:
        if subscriber.mode == Mode.SMS:
            try:
                sms.send_code(str(subscriber.phone), code, subscriber.language)
            except sms.SmsError as exc:
                raise CodeNotSent(
                    str(exc), permanent=exc.permanent, retry_after=exc.retry_after
                ) from exc
        else:
            outcome = robots.post_code(
                subscriber.chat_app,
                subscriber.endpoint,
                subscriber.chat_secret,
                code,
                subscriber.language,
                subscriber.pk,
            )
            if not outcome.ok:
                raise CodeNotSent(
                    outcome.error, permanent=outcome.permanent, retry_after=outcome.retry_after
                )
    except CodeNotSent as exc:
        if exc.permanent:
            Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at=timezone.now())
        raise
    Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at=timezone.now())


def resend_code(subscriber: Subscriber) -> bool:
    """ "Send a new code": queued if the number or robot is within SUBSCRIBE_RATE_PER_ADDRESS
    (shared with repeat subscriptions), else False and nothing sent."""
    if subscriber.mode not in CODE_MODES or not may_message_owner(owner_key(subscriber)):
        return False
    with transaction.atomic():
        _send_on_commit("send_code", subscriber)
    return True


def resend_confirmation(subscriber: Subscriber) -> None:
    """An operator's "send the confirmation again" (the admin, /v1): the email, or a fresh
    code for SMS and robots, after commit. Operators are not rate-limited."""
    with transaction.atomic():
        _send_on_commit(_confirmation_task(subscriber), subscriber)


def confirm_with_code(subscriber: Subscriber, code: str) -> bool:
    """Check a code typed back. True: it is the latest code, unexpired and not void; it is
    used up and the subscriber is active (a former or quarantined
    one again). False: wrong, expired or void; a wrong one counts as a try, and the
    CODE_MAX_ATTEMPTS-th voids the code (a new one must be asked for)."""
    code = (code or "").strip().replace(" ", "")
    with transaction.atomic():
        row = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        usable = (
            row.code_hash
            and row.code_expires_at is not None
            and row.code_expires_at > timezone.now()
            and row.code_attempts < settings.CODE_MAX_ATTEMPTS
        )
        if not usable:
            return False
        if not (len(code) == 6 and code.isascii() and code.isdigit()) or not (
            constant_time_compare(row.code_hash, _code_hash(row, code))
        ):
            # Counted with an UPDATE of the row itself: concurrent wrong tries all count.
            Subscriber.objects.filter(pk=row.pk).update(code_attempts=F("code_attempts") + 1)
            if row.code_attempts + 1 >= settings.CODE_MAX_ATTEMPTS:
                Subscriber.objects.filter(pk=row.pk).update(code_hash="", code_expires_at=None)
            return False
        row.code_hash = ""
        row.code_expires_at = None
        row.code_attempts = 0
        if row.state != SubscriberState.ACTIVE:
            row.confirm_nonce = new_nonce()
            row.confirmed_at = timezone.now()
            _activate(row)
        else:
            row.save(update_fields=["code_hash", "code_expires_at", "code_attempts", "updated_at"])
    subscriber.refresh_from_db()
    return True


def code_page_token(subscriber: Subscriber) -> str:
    return signing.dumps(subscriber.pk, salt=CODE_PAGE_SALT)


def subscriber_for_code_page(token: str) -> Subscriber | None:
    """The subscriber a code page is for, if its link is genuine and younger than
    CONFIRMATION_MAX_AGE_HOURS. The link alone proves nothing: the code does."""
    try:
        pk = signing.loads(
            token, salt=CODE_PAGE_SALT, max_age=settings.CONFIRMATION_MAX_AGE_HOURS * 3600
        )
    except signing.BadSignature:
        return None
    if not isinstance(pk, str):
        return None
    return Subscriber.objects.filter(pk=pk, mode__in=CODE_MODES).first()


def code_page_url(subscriber: Subscriber) -> str:
    """Where the code sent to an SMS subscriber or a robot is typed back."""
    return settings.PUBLIC_URL + reverse("subscribe-code", args=[code_page_token(subscriber)])


@transaction.atomic
def issue_manage_url(subscriber: Subscriber) -> str:
    """A fresh link to manage the subscription, for its owner's eyes only (an email to them, or
    the answer to their confirmation). Every earlier manage link stops working."""
    subscriber.manage_nonce = new_nonce()
    subscriber.save(update_fields=["manage_nonce", "updated_at"])
    return tokens.manage_url(subscriber)


def request_manage_links(email: str) -> None:
    """Email the owner of an address a manage link for each of its subscriptions (never
    confirmed ones aside: nothing was ever sent to them). Says nothing to the caller, so it
    cannot tell who is subscribed."""
    email = normalise_email(email)
    subscribers = Subscriber.objects.filter(email=email).exclude(state=SubscriberState.UNCONFIRMED)
    if subscribers.exists() and may_message_owner(email):
        with transaction.atomic():
            for subscriber in subscribers:
                _send_on_commit("send_manage_link", subscriber)


@transaction.atomic
def unsubscribe(subscriber: Subscriber) -> Subscriber:
    """Stop every message. Subscribing again needs a confirmation or a manage link."""
    subscriber.state = SubscriberState.UNSUBSCRIBED
    subscriber.unsubscribed_at = timezone.now()
    subscriber.save()
    return subscriber


@transaction.atomic
def change_preferences(
    subscriber: Subscriber, *, components: Iterable[Component], language: str
) -> Subscriber:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unknown language.")})
    subscriber.language = language
    subscriber.save()
    subscriber.components.set(list(components))
    return subscriber


@transaction.atomic
def rotate_secret(subscriber: Subscriber) -> Subscriber:
    """A new signing secret for a webhook; it is shown once, on the manage page. Manage links
    issued so far stop working (the one in use may have leaked with the old secret)."""
    subscriber.secret = new_webhook_secret()
    subscriber.secret_shown_at = None
    subscriber.manage_nonce = new_nonce()
    subscriber.save()
    return subscriber


@transaction.atomic
def reveal_secret(subscriber: Subscriber) -> str | None:
    """The webhook secret, the first time only; None once it has been shown."""
    claimed = Subscriber.objects.filter(pk=subscriber.pk, secret_shown_at__isnull=True).update(
        secret_shown_at=timezone.now()
    )
    return subscriber.secret if claimed else None


@transaction.atomic
def reactivate(subscriber: Subscriber) -> Subscriber:
    """Take a quarantined subscriber back (operator or API)."""
    if subscriber.state == SubscriberState.QUARANTINED:
        subscriber.state = SubscriberState.ACTIVE
        subscriber.quarantined_at = None
        subscriber.quarantine_reason = ""
        subscriber.save()
    return subscriber

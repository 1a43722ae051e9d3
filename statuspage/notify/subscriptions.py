"""Subscribing, confirming, managing and leaving: the write path for subscribers.

The public forms, the management API and the admin all call these. Confirmed opt-in: a new
subscriber receives exactly one email (the confirmation) until they confirm.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
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


def subscribe(
    *,
    email: str,
    endpoint: str = "",
    components: Iterable[Component] = (),
    language: str | None = None,
    incident: Incident | None = None,
    skip_confirmation: bool = False,
    chat_app: str = "",
    chat_secret: str = "",
) -> Subscriber:
    """Subscribe an address (or a webhook owned by it). The same call again changes nothing
    about the subscriber (whoever asks has not proved they own the address, so the components,
    the language and a pending confirmation link stay as they are): its owner is sent a fresh
    manage link if it is active, else the confirmation (again), at most
    SUBSCRIBE_RATE_PER_ADDRESS times per window. Returns the subscriber.

    A chat robot is an endpoint with a `chat_app` (and, where the app signs, `chat_secret`):
    its URL must be on the app's hosts (robots.check_robot).

    The endpoint's DNS is checked before the transaction opens: no network inside it."""
    chat_secret = chat_secret.strip()
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
) -> Subscriber:
    email = normalise_email(email)
    mode = Mode.ROBOT if chat_app else Mode.WEBHOOK if endpoint else Mode.EMAIL
    if incident is not None and incident.is_closed:
        raise ValidationError({"incident": _("This incident is over; there is nothing to follow.")})
    language = language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unknown language.")})
    subscriber = Subscriber(
        mode=mode,
        email=email,
        endpoint=endpoint,
        incident=incident,
        language=language,
        chat_app=chat_app,
        chat_secret=chat_secret,
    )
    subscriber.full_clean(
        exclude=["components", "secret"], validate_unique=False, validate_constraints=False
    )
    components = list(components)

    existing = (
        Subscriber.objects.select_for_update()
        .filter(mode=mode, email=email, endpoint=endpoint, incident=incident)
        .first()
    )
    if existing is None:
        try:
            with transaction.atomic():
                subscriber.save()
        except IntegrityError:  # someone subscribed the same address a moment ago
            existing = Subscriber.objects.get(
                mode=mode, email=email, endpoint=endpoint, incident=incident
            )
    if existing is None:
        subscriber.components.set(components)
        if skip_confirmation:
            _activate(subscriber)
        else:
            _send_on_commit("send_confirmation", subscriber)
        return subscriber
    if skip_confirmation:  # an operator's import: they vouch for the address
        _activate(existing)
    elif may_message_owner(email):
        # Whoever asks has not proved they own the address: nothing about the subscriber
        # changes (not its choices, not its pending confirmation link), its owner is told.
        already_active = existing.state == SubscriberState.ACTIVE
        _send_on_commit(
            "send_already_subscribed" if already_active else "send_confirmation", existing
        )
    return existing


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

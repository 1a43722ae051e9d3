"""Signed links in emails: confirm a subscription, unsubscribe, manage it.

No table holds them: a link is the subscriber's id (and a nonce), signed with SECRET_KEY and
timestamped. Each kind has its own salt, so one kind of link never works as another.

- Confirm: single use (the nonce is rotated on use), expires after CONFIRMATION_MAX_AGE_HOURS.
- Unsubscribe: in every email and webhook body, so it must be harmless in anyone's hands: it
  only unsubscribes, and never expires (mail clients keep it in List-Unsubscribe).
- Short unsubscribe (SMS, where every character costs): the subscriber's id and ten characters
  of its HMAC, `/u/<id>-<mac>`; it does exactly what the unsubscribe link does.
- Manage (components, language, webhook secret): sent only to the owner on request, expires
  after MANAGE_LINK_MAX_AGE_HOURS, and dies as soon as another is issued (the nonce rotates).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from statuspage.notify.models import Subscriber

CONFIRM_SALT = "statuspage.notify.confirm"
MANAGE_SALT = "statuspage.notify.manage"
UNSUBSCRIBE_SALT = "statuspage.notify.unsubscribe"
SHORT_UNSUBSCRIBE_SALT = "statuspage.notify.unsubscribe.short"
SHORT_TOKEN = re.compile(r"^([a-z0-9]{12})-([A-Za-z0-9_-]{10})$")


def confirm_token(subscriber: Subscriber) -> str:
    return signing.dumps([subscriber.pk, subscriber.confirm_nonce], salt=CONFIRM_SALT)


def manage_token(subscriber: Subscriber) -> str:
    return signing.dumps([subscriber.pk, subscriber.manage_nonce], salt=MANAGE_SALT)


def unsubscribe_token(subscriber: Subscriber) -> str:
    return signing.dumps(subscriber.pk, salt=UNSUBSCRIBE_SALT)


def short_unsubscribe_token(subscriber: Subscriber) -> str:
    mac = signing.Signer(salt=SHORT_UNSUBSCRIBE_SALT).signature(subscriber.pk)[:10]
    return f"{subscriber.pk}-{mac}"


def _load(token: str, salt: str, nonce_field: str, max_age: int | None) -> Subscriber | None:
    try:
        pk, nonce = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Subscriber.objects.filter(pk=pk, **{nonce_field: nonce}).first()


def subscriber_to_confirm(token: str) -> Subscriber | None:
    """The subscriber a confirmation link is for, if it is genuine, unused and not expired."""
    return _load(token, CONFIRM_SALT, "confirm_nonce", settings.CONFIRMATION_MAX_AGE_HOURS * 3600)


def subscriber_to_manage(token: str) -> Subscriber | None:
    """The subscriber a manage link is for, if it is genuine, the latest issued and not expired."""
    return _load(token, MANAGE_SALT, "manage_nonce", settings.MANAGE_LINK_MAX_AGE_HOURS * 3600)


def subscriber_to_unsubscribe(token: str) -> Subscriber | None:
    """The subscriber an unsubscribe link is for. Emails sent before unsubscribe links had a
    token of their own carry the old permanent manage token there: it still unsubscribes (and
    nothing more) until the subscriber is issued a new manage link."""
    short = SHORT_TOKEN.match(token)
    if short:
        pk = short.group(1)
        expected = signing.Signer(salt=SHORT_UNSUBSCRIBE_SALT).signature(pk)[:10]
        if not constant_time_compare(expected, short.group(2)):
            return None
        return Subscriber.objects.filter(pk=pk).first()
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return _load(token, MANAGE_SALT, "manage_nonce", None)
    return Subscriber.objects.filter(pk=pk).first() if isinstance(pk, str) else None


def confirm_url(subscriber: Subscriber) -> str:
    return settings.PUBLIC_URL + reverse("subscribe-confirm", args=[confirm_token(subscriber)])


def manage_url(subscriber: Subscriber) -> str:
    """The link itself; issue one with `subscriptions.issue_manage_url`, which retires the last."""
    return settings.PUBLIC_URL + reverse("subscription", args=[manage_token(subscriber)])


def unsubscribe_url(subscriber: Subscriber) -> str:
    return settings.PUBLIC_URL + reverse("unsubscribe", args=[unsubscribe_token(subscriber)])


def short_unsubscribe_url(subscriber: Subscriber) -> str:
    """For SMS: PUBLIC_URL/u/<id>-<mac>, about 40 characters with a short host."""
    return settings.PUBLIC_URL + reverse(
        "unsubscribe-short", args=[short_unsubscribe_token(subscriber)]
    )


def request_manage_link_url() -> str:
    """Where anyone can ask for a manage link to be emailed to their address."""
    return settings.PUBLIC_URL + reverse("manage-link")

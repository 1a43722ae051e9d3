"""Signed links in emails: confirm a subscription, manage it, unsubscribe in one click.

No table holds them: a link is the subscriber's id and a nonce, signed with SECRET_KEY.
Rotating the nonce on the row invalidates every link carrying the old one, which is how a
confirmation link becomes single use.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from statuspage.notify.models import Subscriber

CONFIRM_SALT = "statuspage.notify.confirm"
MANAGE_SALT = "statuspage.notify.manage"


def confirm_token(subscriber: Subscriber) -> str:
    return signing.dumps([subscriber.pk, subscriber.confirm_nonce], salt=CONFIRM_SALT)


def manage_token(subscriber: Subscriber) -> str:
    return signing.dumps([subscriber.pk, subscriber.manage_nonce], salt=MANAGE_SALT)


def _load(token: str, salt: str, nonce_field: str, max_age: float | None) -> Subscriber | None:
    try:
        pk, nonce = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Subscriber.objects.filter(pk=pk, **{nonce_field: nonce}).first()


def subscriber_to_confirm(token: str) -> Subscriber | None:
    """The subscriber a confirmation link is for, if it is genuine, unused and not expired."""
    return _load(token, CONFIRM_SALT, "confirm_nonce", settings.CONFIRMATION_MAX_AGE_HOURS * 3600)


def subscriber_to_manage(token: str) -> Subscriber | None:
    return _load(token, MANAGE_SALT, "manage_nonce", None)


def confirm_url(subscriber: Subscriber) -> str:
    return settings.PUBLIC_URL + reverse("subscribe-confirm", args=[confirm_token(subscriber)])


def manage_url(subscriber: Subscriber) -> str:
    return settings.PUBLIC_URL + reverse("subscription", args=[manage_token(subscriber)])


def unsubscribe_url(subscriber: Subscriber) -> str:
    return settings.PUBLIC_URL + reverse("unsubscribe", args=[manage_token(subscriber)])

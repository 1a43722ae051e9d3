"""Subscribing, confirming, managing and leaving: the write path for subscribers.

The public forms, the management API and the admin all call these. Confirmed opt-in: a new
subscriber receives exactly one email (the confirmation) until they confirm.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from statuspage.lib import outbound
from statuspage.notify.models import (
    Mode,
    Subscriber,
    SubscriberState,
    new_nonce,
    new_webhook_secret,
)
from statuspage.status.models import Component, Incident


def normalise_email(address: str) -> str:
    """One spelling per mailbox for uniqueness and rate limits (case and spaces ignored)."""
    return address.strip().lower()


def check_endpoint(url: str) -> None:
    """Refuse webhook URLs that point inside the network (checked again at every connect)."""
    try:
        outbound.resolve_public(url, allow_private=settings.ALLOW_PRIVATE_ADDRESSES)
    except (outbound.RefusedURL, outbound.RefusedAddress) as exc:
        raise ValidationError({"endpoint": _("This webhook URL cannot be used: %s") % exc}) from exc


def _send_confirmation_on_commit(subscriber: Subscriber, *, already_active: bool) -> None:
    from statuspage.celery import enqueue
    from statuspage.notify import tasks  # tasks import this module

    task = tasks.send_already_subscribed if already_active else tasks.send_confirmation
    transaction.on_commit(lambda: enqueue(task, subscriber.pk))


def subscribe(
    *,
    email: str,
    endpoint: str = "",
    components: Iterable[Component] = (),
    language: str | None = None,
    incident: Incident | None = None,
    skip_confirmation: bool = False,
) -> Subscriber:
    """Subscribe an address (or a webhook owned by it). The same call again changes nothing
    about the subscriber (whoever asks has not proved they own the address, so the components
    and language stay as they are): an active subscriber is sent a reminder of their manage
    link, an unconfirmed one a fresh confirmation, a former one a new confirmation. Returns the
    subscriber.

    The endpoint's DNS is checked before the transaction opens: no network inside it."""
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
        )


def _subscribe(
    *,
    email: str,
    endpoint: str,
    components: Iterable[Component],
    language: str | None,
    incident: Incident | None,
    skip_confirmation: bool,
) -> Subscriber:
    email = normalise_email(email)
    mode = Mode.WEBHOOK if endpoint else Mode.EMAIL
    if incident is not None and incident.is_closed:
        raise ValidationError({"incident": _("This incident is over; there is nothing to follow.")})
    language = language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unknown language.")})
    subscriber = Subscriber(
        mode=mode, email=email, endpoint=endpoint, incident=incident, language=language
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
    else:
        subscriber = existing

    now = timezone.now()
    if skip_confirmation:
        subscriber.state = SubscriberState.ACTIVE
        subscriber.confirmed_at = subscriber.confirmed_at or now
        subscriber.save()
        return subscriber
    already_active = subscriber.state == SubscriberState.ACTIVE
    if not already_active:
        subscriber.state = SubscriberState.UNCONFIRMED
        subscriber.confirm_nonce = new_nonce()  # links sent earlier stop working
        subscriber.unsubscribed_at = None
        subscriber.quarantined_at = None
    subscriber.save()
    _send_confirmation_on_commit(subscriber, already_active=already_active)
    return subscriber


@transaction.atomic
def confirm(subscriber: Subscriber) -> Subscriber:
    """Activate; the confirmation link is used up (its nonce is replaced)."""
    subscriber.state = SubscriberState.ACTIVE
    subscriber.confirmed_at = timezone.now()
    subscriber.confirm_nonce = new_nonce()
    subscriber.save()
    return subscriber


@transaction.atomic
def unsubscribe(subscriber: Subscriber) -> Subscriber:
    """Stop every message. The manage link keeps working, to resubscribe."""
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
    """A new signing secret for a webhook; it is shown once, on the manage page."""
    subscriber.secret = new_webhook_secret()
    subscriber.secret_shown_at = None
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

"""What the Celery workers do with the outbox, run in the test's own process, and the
subscribers the worker tests fan out to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from statuspage.notify import delivery
from statuspage.notify.models import Mode, Notice, Subscriber, SubscriberState

if TYPE_CHECKING:
    from tests.notify.test_robots import AppStandIn


def numbered(url: str, n: int) -> str:
    """`url` with the subscriber's number in its query, which the stand-in reads back."""
    return f"{url}{'&' if '?' in url else '?'}n={n}"


def phone(n: int) -> str:
    return f"+86138{n:08d}"


def subscribe_every_channel(
    stand_in: AppStandIn, each: int, *, with_sms: bool = False
) -> list[str]:
    """`each` active subscribers per channel — email, webhook, robots spread over the chat
    apps (half of them in Chinese), and with `with_sms` phones — numbered 0…each-1, so a test
    can tell who got what: r<n>@example.com, ?n=<n> on a webhook's or robot's URL, phone(n).
    Returns the chat apps the robots post to."""
    from tests.notify.test_robots import PATHS, SECRETS  # that module builds on this one

    apps = list(PATHS)
    subscribers = [
        Subscriber(id=f"mail{n:08d}", mode=Mode.EMAIL, email=f"r{n}@example.com",
                   language="en", state=SubscriberState.ACTIVE)
        for n in range(each)
    ] + [
        Subscriber(id=f"hook{n:08d}", mode=Mode.WEBHOOK, email=f"o{n}@example.com",
                   endpoint=numbered(stand_in.url("webhook"), n), state=SubscriberState.ACTIVE)
        for n in range(each)
    ] + [
        Subscriber(id=f"bot{n:09d}", mode=Mode.ROBOT, email=f"b{n}@example.com",
                   chat_app=apps[n % len(apps)],
                   endpoint=numbered(stand_in.url(apps[n % len(apps)]), n),
                   chat_secret=SECRETS.get(apps[n % len(apps)], ""),
                   language="zh-hans" if n % 2 else "en", state=SubscriberState.ACTIVE)
        for n in range(each)
    ]  # fmt: skip
    if with_sms:
        subscribers += [
            Subscriber(id=f"sms{n:09d}", mode=Mode.SMS, phone=phone(n),
                       language="zh-hans" if n % 2 else "en", state=SubscriberState.ACTIVE)
            for n in range(each)
        ]  # fmt: skip
    Subscriber.objects.bulk_create(subscribers)
    return apps


def fan_out_all() -> list[int]:
    """Create every notice's deliveries; return their ids, unattempted."""
    handed: list[int] = []
    for notice in Notice.objects.filter(fanned_out_at__isnull=True).order_by("pk"):
        delivery.fan_out(notice.pk, lambda mode, ids: handed.extend(ids))
    return handed


def send_all() -> None:
    """Fan out every notice and attempt every delivery, as workers would."""
    for notice in Notice.objects.filter(fanned_out_at__isnull=True).order_by("pk"):
        delivery.fan_out(notice.pk, lambda mode, ids: delivery.deliver(ids))

"""What the Celery workers do with the outbox, run in the test's own process."""

from __future__ import annotations

from statuspage.notify import delivery
from statuspage.notify.models import Notice


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

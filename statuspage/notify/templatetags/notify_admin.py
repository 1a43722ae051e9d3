from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.db.models import Count

from statuspage.notify.models import Delivery, DeliveryStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

register = template.Library()


@register.simple_tag
def delivery_counts() -> list[tuple[str, StrOrPromise, int]]:
    """(status, label, count) for deliveries not yet delivered: what an operator must watch."""
    counts = dict(
        Delivery.objects.exclude(status=DeliveryStatus.DELIVERED)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return [
        (status, label, counts.get(status, 0))
        for status, label in DeliveryStatus.choices
        if status != DeliveryStatus.DELIVERED
    ]

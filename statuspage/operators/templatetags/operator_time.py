"""The zone the console's times are in, named as people name it ("Beijing time (UTC+8)")."""

from __future__ import annotations

from django import template
from django.utils import timezone

from statuspage.lib.zones import zone_label

register = template.Library()


@register.simple_tag
def console_zone() -> str:
    """The active zone's label: the page's, which PageTimeZone activates for the admin."""
    return zone_label(timezone.get_current_timezone())

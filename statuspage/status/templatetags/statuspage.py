"""Template helpers shared by the page, the feeds and the emails."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from statuspage.lib.markup import render_markdown
from statuspage.status.models import ComponentStatus, IncidentStatus

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(source: str) -> SafeString:
    return mark_safe(render_markdown(source))


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset()
    if offset is None:
        return ""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


@register.simple_tag
def when(moment: datetime | None, zone: ZoneInfo, style: str = "datetime") -> str:
    """A <time> element in the page's zone with its UTC offset; page.js adds the visitor's own.

    Nothing relative ("5 minutes ago") is rendered here: cached HTML must not go stale.
    """
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    fmt = {"datetime": "DATETIME_FORMAT", "date": "DATE_FORMAT", "time": "TIME_FORMAT"}[style]
    text = formats.date_format(local, fmt)
    if style != "date":
        text = f"{text} ({_offset(local)})"
    return format_html(
        '<time datetime="{}" data-style="{}">{}</time>', moment.isoformat(), style, text
    )


@register.filter
def component_status_label(value: str) -> str:
    return str(ComponentStatus(value).label) if value in ComponentStatus.values else value


@register.filter
def incident_status_label(value: str) -> str:
    return str(IncidentStatus(value).label) if value in IncidentStatus.values else value


@register.filter
def get(mapping: dict, key: str):
    return mapping.get(key) if mapping else None

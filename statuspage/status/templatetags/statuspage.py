"""Template helpers shared by the page, the feeds and the emails."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from statuspage.lib.markup import render_markdown
from statuspage.lib.wording import list_of, when_text
from statuspage.lib.zones import zone_label
from statuspage.status.models import ComponentStatus, IncidentStatus

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(source: str) -> SafeString:
    return mark_safe(render_markdown(source))


def _offset_minutes(moment: datetime) -> int:
    offset = moment.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


@register.simple_tag
def when(moment: datetime | None, zone: ZoneInfo, style: str = "datetime", year: str = "") -> str:
    """A <time> element in the page's zone, named as people name it ("北京时间 11月30日 15:30",
    "Nov 30, 15:30 Beijing time"); the year only when it is not this year's (or with
    year="always", for feeds read long after). page.js adds the visitor's own time when their
    zone differs, from `data-offset` (the page zone's offset in minutes).

    Nothing relative ("5 minutes ago") is rendered here: cached HTML must not go stale. "This
    year" is the one exception; a page that uses it expires at the new year (views.py).
    """
    if moment is None:
        return ""
    return format_html(
        '<time datetime="{}" data-style="{}" data-offset="{}">{}</time>',
        moment.isoformat(),
        style,
        _offset_minutes(moment.astimezone(zone)),
        when_text(moment, zone, style, year),
    )


@register.simple_tag
def zone_label_of(zone: ZoneInfo | None, at: datetime | None = None) -> str:
    """ "北京时间 (UTC+8)": the page's zone, for the footer's note."""
    return zone_label(zone, at) if zone else ""


@register.filter
def component_status_label(value: str) -> str:
    return str(ComponentStatus(value).label) if value in ComponentStatus.values else value


@register.filter
def incident_status_label(value: str) -> str:
    return str(IncidentStatus(value).label) if value in IncidentStatus.values else value


@register.filter
def names(things) -> str:
    """ "Disbursement, Credit assessment" / "放款、信用评估": the things' names as a list."""
    return list_of(str(thing.name) for thing in things)


@register.filter
def get(mapping: dict, key: str):
    return mapping.get(key) if mapping else None

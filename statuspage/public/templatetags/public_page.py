"""What the public pages say in a sentence rather than in colour: each component's uptime as
one line a screen reader reads ("99.95% over 90 days, 2 incidents"), and the subscribe form's
components grouped as the page groups them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from statuspage.status import uptime
from statuspage.status.models import Component, IncidentKind, Page
from statuspage.status.templatetags.status_page import percentage

register = template.Library()


@register.simple_tag
def incident_counts(rows: Iterable, days: int = uptime.BAR_DAYS) -> dict[str, int]:
    """How many incidents (not maintenance) touched each component in the bars' days: one
    query, once per page version (the page is served from the response cache)."""
    components = [c for row in rows for c in row.components if c.showcase]
    if not components:
        return {}
    zone = Page.get().zone
    now = timezone.now()
    today = timezone.localdate(now, zone)
    first = today - timedelta(days=days - 1)
    found = uptime.incidents_by_day(
        components, first, today, zone, now, kinds=(IncidentKind.INCIDENT,)
    )
    seen: dict[str, set[str]] = defaultdict(set)
    for (component_id, _day), incidents in found.items():
        seen[component_id].update(i.pk for i in incidents)
    return {component_id: len(ids) for component_id, ids in seen.items()}


@register.simple_tag
def uptime_sentence(bars: uptime.Bars, incidents: int | None) -> str:
    """One component's bars in words: "99.95% over 90 days, 2 incidents"."""
    days = len(bars.days)
    value = bars.totals.uptime_percentage
    if value is None:
        head = ngettext("No data yet over %(days)d day", "No data yet over %(days)d days", days) % {
            "days": days
        }
    else:
        head = ngettext(
            "%(percentage)s uptime over %(days)d day",
            "%(percentage)s uptime over %(days)d days",
            days,
        ) % {"percentage": percentage(value), "days": days}
    count = incidents or 0
    tail = (
        ngettext("%(count)d incident", "%(count)d incidents", count) % {"count": count}
        if count
        else _("no incidents")
    )
    return _("%(uptime)s, %(incidents)s") % {"uptime": head, "incidents": tail}


@dataclass
class ChoiceGroup:
    name: str
    choices: list = field(default_factory=list)


@register.simple_tag
def grouped_choices(bound_field) -> list[ChoiceGroup]:
    """The checkboxes of a components field, grouped and ordered as the page lists them;
    components of no group form groups of their own, named "" (shown without a legend)."""
    components = {
        str(c.pk): c
        for c in Component.objects.select_related("group").filter(
            pk__in=[str(w.data["value"]) for w in bound_field.subwidgets]
        )
    }
    groups: dict[str, ChoiceGroup] = {}
    order: list[tuple[int, int, str]] = []
    for widget in bound_field.subwidgets:
        component = components.get(str(widget.data["value"]))
        if component is None:
            continue
        if component.group is not None:
            key = f"group:{component.group.pk}"
            if key not in groups:
                groups[key] = ChoiceGroup(component.group.name)
                order.append((component.group.position, 0, key))
        else:
            key = f"component:{component.pk}"
            groups[key] = ChoiceGroup("")
            order.append((component.position, 1, key))
        groups[key].choices.append((component.position, widget, component.name))
    result = []
    for _position, _kind, key in sorted(order):
        group = groups[key]
        ordered = sorted(group.choices, key=lambda choice: choice[0])
        group.choices = [(widget, name) for _position, widget, name in ordered]
        result.append(group)
    return result

"""The status page's uptime bars and self-help topics.

They read a little more than the view passes (two queries for the bars, one for the topics),
once per page version: the page is served from the response cache.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from statuspage.status import uptime
from statuspage.status.models import SelfHelpTopic

register = template.Library()


@register.simple_tag
def uptime_bars(rows: Iterable) -> dict[str, uptime.Bars]:
    """Bars for every component on the page that shows its uptime, by component id."""
    return uptime.daily_bars([c for row in rows for c in row.components if c.showcase])


@register.simple_tag
def self_help_topics() -> list[SelfHelpTopic]:
    return list(SelfHelpTopic.objects.filter(published=True))


def duration(minutes: int) -> str:
    if minutes < 60:
        return ngettext("%(minutes)d minute", "%(minutes)d minutes", minutes) % {"minutes": minutes}
    return _("%(hours)d h %(minutes)d min") % {"hours": minutes // 60, "minutes": minutes % 60}


@register.simple_tag
def day_summary(day: uptime.Day) -> str:
    """What one bar says, as its tooltip and to screen readers: the day, the downtime, the
    maintenance and the incidents under way."""
    parts = [formats.date_format(day.day, "DATE_FORMAT")]
    totals = day.totals
    if not totals.has_data:
        parts.append(_("No data"))
    elif totals.downtime_minutes:
        parts.append(
            _("%(duration)s of downtime") % {"duration": duration(totals.downtime_minutes)}
        )
    else:
        parts.append(_("No downtime"))
    if totals.maintenance_minutes:
        parts.append(
            _("%(duration)s of maintenance") % {"duration": duration(totals.maintenance_minutes)}
        )
    parts.extend(day.incidents)
    return " · ".join(parts)


@register.filter
def percentage(value: float | None) -> str:
    """99.95 → "99.95%"; no data → "—"."""
    return "—" if value is None else f"{value:.2f}%"

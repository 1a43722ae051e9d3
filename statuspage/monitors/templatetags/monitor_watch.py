"""The console's front page during an incident (issue 13): drafts waiting to be published, and
page views per minute (a surge of visitors is a signal)."""

from __future__ import annotations

from django import template

from statuspage.readpath import views_counter
from statuspage.status.models import Component, ComponentStatus, Incident, IncidentStatus

register = template.Library()


@register.simple_tag
def monitor_watch() -> dict[str, object]:
    drafts = list(Incident.objects.drafts().order_by("-created_at")[:10])
    trouble = (
        bool(drafts)
        or Incident.objects.open().exclude(status=IncidentStatus.SCHEDULED).exists()
        or Component.objects.exclude(status=ComponentStatus.OPERATIONAL).exists()
    )
    views = views_counter.recent(5) if trouble else []
    return {
        "show": trouble,
        "drafts": drafts,
        "views": views,
        "latest": views[-1] if views else None,
    }

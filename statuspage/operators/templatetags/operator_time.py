"""The console's own tags: the zone its times are in, named as people name it ("Beijing time
(UTC+8)"), the promises missed, and what the front page offers to start."""

from __future__ import annotations

from django import template
from django.utils import timezone

from statuspage.lib.zones import zone_label
from statuspage.status import overdue
from statuspage.status.models import Incident, IncidentKind, IncidentTemplate

register = template.Library()


@register.simple_tag
def console_zone() -> str:
    """The active zone's label: the page's, which PageTimeZone activates for the admin."""
    return zone_label(timezone.get_current_timezone())


@register.simple_tag
def missed_promises() -> list[tuple[Incident, list[str]]]:
    """Open incidents whose expected recovery or promised next update has passed, with what
    they missed: the first thing an operator should see on the console's front page."""
    now = timezone.now()
    incidents = overdue.with_promises(Incident.objects.all()).filter(overdue.missed(now))
    return [(incident, overdue.missed_promises(incident, now)) for incident in incidents]


@register.simple_tag
def start_links() -> dict[str, object]:
    """What the console's front page offers to start: one screen per kind, and the templates
    (each opens its kind's screen with everything filled in), plus the incidents still open."""
    from statuspage.status.admin import ADD_TITLE  # the admin's names for its screens

    return {
        "kinds": [(kind.value, ADD_TITLE[kind]) for kind in IncidentKind],
        "templates": list(IncidentTemplate.objects.all()),
        "open": list(Incident.objects.open().order_by("-created_at")[:10]),
    }

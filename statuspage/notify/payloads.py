"""Statuspage's webhook payload shapes, built from the status domain at the moment of a change.

Consumers written for Statuspage (Zulip's integration, alert bridges) dispatch on the presence
of `incident` or `component_update`; the field sets follow the compatibility reference.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.utils import translation

from statuspage.lib.timestamps import statuspage_time
from statuspage.status.models import Component, Incident, Page, StatusChange
from statuspage.status.rollup import page_indicator

DOCUMENTATION = "https://www.statuspage.io/"  # what Statuspage puts in meta.documentation


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _page(page: Page) -> dict:
    statuses = list(Component.objects.values_list("status", flat=True))
    impacts = list(Incident.objects.unresolved_incidents().values_list("impact", flat=True))
    indicator = page_indicator(statuses, impacts)
    return {
        "id": page.pk,
        "status_indicator": indicator.indicator,
        "status_description": indicator.description,
    }


def component_object(component: Component, page: Page) -> dict:
    zone = page.zone
    return {
        "id": component.pk,
        "page_id": page.pk,
        "group_id": component.group_id,
        "name": str(component.name),
        "description": component.description or None,
        "status": component.status,
        "position": component.position,
        "showcase": component.showcase,
        "only_show_if_degraded": component.only_show_if_degraded,
        "start_date": _day(component.start_date),
        "group": False,
        "created_at": statuspage_time(component.created_at, zone),
        "updated_at": statuspage_time(component.updated_at, zone),
    }


def incident_object(incident: Incident, page: Page) -> dict:
    zone = page.zone
    updates = [
        {
            "id": u.pk,
            "incident_id": incident.pk,
            "status": u.status,
            "body": u.body,
            "created_at": statuspage_time(u.created_at, zone),
            "updated_at": statuspage_time(u.updated_at, zone),
            "display_at": statuspage_time(u.display_at, zone),
            "affected_components": u.affected_components,
            "deliver_notifications": u.deliver_notifications,
            "custom_tweet": None,
            "tweet_id": None,
        }
        for u in incident.updates.all()
    ]
    return {
        "id": incident.pk,
        "page_id": page.pk,
        "name": incident.name,
        "status": incident.status,
        "impact": incident.impact,
        "impact_override": incident.impact_override or None,
        "shortlink": incident.shortlink,
        "created_at": statuspage_time(incident.created_at, zone),
        "updated_at": statuspage_time(incident.updated_at, zone),
        "started_at": statuspage_time(incident.started_at, zone),
        "monitoring_at": statuspage_time(incident.monitoring_at, zone),
        "resolved_at": statuspage_time(incident.resolved_at, zone),
        "postmortem_body": incident.postmortem_body or None,
        "postmortem_published_at": statuspage_time(incident.postmortem_published_at, zone),
        "scheduled_for": statuspage_time(incident.scheduled_for, zone),
        "scheduled_until": statuspage_time(incident.scheduled_until, zone),
        "scheduled_remind_prior": incident.scheduled_remind_prior,
        "scheduled_auto_in_progress": incident.scheduled_auto_in_progress,
        "scheduled_auto_completed": incident.scheduled_auto_completed,
        "incident_updates": updates,
        "components": [
            component_object(c, page) for c in incident.components.select_related("group")
        ],
        # Ours, beyond Statuspage: what visitors most need while something is down.
        "cause": incident.cause or None,
        "alternative_channel": incident.alternative_channel or None,
        "expected_recovery_at": statuspage_time(incident.expected_recovery_at, zone),
    }


def _meta(page: Page, generated_at: datetime) -> dict:
    return {
        "unsubscribe": None,  # filled per subscriber when the delivery is sent
        "documentation": DOCUMENTATION,
        "generated_at": statuspage_time(generated_at, page.zone),
    }


def incident_payload(incident: Incident, generated_at: datetime) -> dict:
    page = Page.get()
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "meta": _meta(page, generated_at),
            "page": _page(page),
            "incident": incident_object(incident, page),
        }


def component_payload(change: StatusChange, generated_at: datetime) -> dict:
    page = Page.get()
    zone = page.zone
    component = change.component
    with translation.override(settings.LANGUAGE_CODE):
        body = component_object(component, page)
        return {
            "meta": _meta(page, generated_at),
            "page": _page(page),
            "component_update": {
                "id": str(change.pk),
                "component_id": component.pk,
                "component_type": "Component",
                "old_status": change.old_status,
                "new_status": change.new_status,
                "created_at": statuspage_time(change.at, zone),
            },
            "component": {k: body[k] for k in COMPONENT_UPDATE_FIELDS},
        }


COMPONENT_UPDATE_FIELDS = (
    "status",
    "name",
    "created_at",
    "updated_at",
    "position",
    "description",
    "showcase",
    "id",
    "page_id",
    "group_id",
)

"""Draft incidents: what a monitor opens when it moves a component, for an operator to publish.

When a monitor takes a component off operational and no open incident or maintenance covers it,
a draft incident is opened for it: from the first incident template that lists the component,
else from a default text in every language ("Disbursement is failing; we are looking into it.").
A draft is on no public surface and notifies no one until `services.publish_draft`; a probe
with "publish automatically" opens a published incident straight away. When the component
recovers, a draft that was never published is deleted; a published incident stays for the
operator to resolve.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from statuspage.monitors.models import Probe
from statuspage.status import services
from statuspage.status.models import (
    CLOSED_STATUSES,
    STATUSES_BY_KIND,
    Component,
    ComponentStatus,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentTemplate,
    StatusChangeCause,
)
from statuspage.status.translation import all_texts, language_codes, set_texts

log = logging.getLogger(__name__)


def covering(component: Component):
    """Open incidents (drafts included) and maintenance under way that name the component."""
    return (
        Incident.objects.filter(components=component)
        .exclude(status__in=CLOSED_STATUSES)
        .exclude(kind=IncidentKind.ANNOUNCEMENT)
        .exclude(status=IncidentStatus.SCHEDULED)
    )


def template_for(component: Component) -> IncidentTemplate | None:
    """The component's template: the first incident template (by name) that lists it."""
    return (
        IncidentTemplate.objects.filter(kind=IncidentKind.INCIDENT, components=component)
        .order_by("name", "pk")
        .first()
    )


def publishes_automatically(component: Component) -> bool:
    """Whether a failing probe of the component asks for its incident to be published at once."""
    return (
        Probe.objects.filter(component=component, enabled=True, publish_automatically=True)
        .exclude(state=ComponentStatus.OPERATIONAL)
        .exists()
    )


def default_texts(component: Component, status: str) -> tuple[dict[str, str], dict[str, str]]:
    """(title, message) in every language the page speaks."""
    names: dict[str, str] = {}
    bodies: dict[str, str] = {}
    for code in language_codes():
        with translation.override(code):
            name = str(component.name)  # the component's name in this language
            if status == ComponentStatus.DEGRADED_PERFORMANCE:
                names[code] = _("%(component)s is slow") % {"component": name}
                bodies[code] = _("%(component)s is slow; we are looking into it.") % {
                    "component": name
                }
            else:
                names[code] = _("%(component)s is failing") % {"component": name}
                bodies[code] = _("%(component)s is failing; we are looking into it.") % {
                    "component": name
                }
    return names, bodies


def open_draft(component: Component, status: str, *, actor: str) -> Incident | None:
    """Open the component's draft (or, if a probe says so, a published incident), unless an
    open incident or maintenance already covers it. Runs in the caller's transaction."""
    if status == ComponentStatus.OPERATIONAL or covering(component).exists():
        return None
    template = template_for(component)
    incident = Incident(kind=IncidentKind.INCIDENT, draft=not publishes_automatically(component))
    notify = True
    first_status: str = IncidentStatus.INVESTIGATING
    if template is not None:
        name, body = all_texts(template, "title"), all_texts(template, "body")
        incident.cause = template.cause
        cause_note = all_texts(template, "cause_note")
        if cause_note:
            set_texts(incident, "cause_note", cause_note)
        incident.reassurances = list(template.reassurances or [])
        notify = template.should_send_notifications
        if template.update_status in STATUSES_BY_KIND[IncidentKind.INCIDENT] and (
            template.update_status not in CLOSED_STATUSES
        ):
            first_status = template.update_status
        channels = list(template.channels.all())
    else:
        name, body = default_texts(component, status)
        channels = []
    if settings.LANGUAGE_CODE not in name or settings.LANGUAGE_CODE not in body:
        name, body = default_texts(component, status)  # a template without default text
    incident.status = first_status
    set_texts(incident, "name", name)
    incident = services.open_incident(
        incident,
        body=body,
        component_statuses={component: status},
        channels=channels,
        notify=notify,
        at=timezone.now(),
        cause=StatusChangeCause.MONITOR,
    )
    log.info(
        "monitor opened %s incident %s for component %s (%s)",
        "a draft" if incident.draft else "a published",
        incident.pk,
        component.pk,
        actor,
    )
    return incident


def discard_drafts(component: Component) -> int:
    """The component is back: delete its drafts that were never published. Published incidents
    stay for the operator. Returns how many drafts went."""
    drafts = list(
        Incident.objects.drafts().filter(components=component).exclude(status__in=CLOSED_STATUSES)
    )
    deleted = 0
    for draft in drafts:
        if draft.components.exclude(status=ComponentStatus.OPERATIONAL).exists():
            continue  # it also covers a component that is still failing
        services.delete_incident(draft)
        deleted += 1
        log.info("component %s recovered: its unpublished draft %s deleted", component.pk, draft.pk)
    return deleted

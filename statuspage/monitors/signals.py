"""A component's signals (its probes' states and its firing alerts) turned into its status.

Monitors escalate whatever the component shows, but lower only a status they set themselves
(the component's last StatusChange has cause "monitor"): what an operator set stays until the
operator changes it. A component under maintenance is left alone.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone

from statuspage.monitors import drafts
from statuspage.monitors.models import SEVERITY, AlertState, Probe, worst
from statuspage.operators import alerts
from statuspage.status import pageversion
from statuspage.status.models import Component, ComponentStatus, StatusChange, StatusChangeCause
from statuspage.status.services import apply_component_statuses

log = logging.getLogger(__name__)


def signalled_status(component: Component) -> str:
    """The worst of the component's enabled probes' states and firing alerts."""
    probes = Probe.objects.filter(component=component, enabled=True).values_list("state", flat=True)
    alerts = AlertState.objects.filter(
        component=component, firing=True, source__enabled=True
    ).values_list("status", flat=True)
    return worst(*probes, *alerts)


def monitors_own(component: Component) -> bool:
    last = StatusChange.objects.filter(component=component).order_by("-at", "-pk").first()
    return last is not None and last.cause == StatusChangeCause.MONITOR


@transaction.atomic
def reconcile(component: Component, *, actor: str) -> str | None:
    """Set the component to what its signals say, if monitors may; returns the new status, or
    None when nothing changed. Goes through the status services (cause "monitor")."""
    current = Component.objects.select_for_update().get(pk=component.pk).status
    wanted = signalled_status(component)
    if current == wanted or current == ComponentStatus.UNDER_MAINTENANCE:
        return None
    escalating = current not in SEVERITY or SEVERITY.index(wanted) > SEVERITY.index(current)
    if not escalating and not monitors_own(component):
        return None
    apply_component_statuses(
        {component: wanted},
        cause=StatusChangeCause.MONITOR,
        at=timezone.now(),
        actor=actor[:255],
    )
    pageversion.bump()
    log.info("monitor moved component %s from %s to %s (%s)", component.pk, current, wanted, actor)
    opened = None
    if wanted == ComponentStatus.OPERATIONAL:
        drafts.discard_drafts(component)
    else:
        opened = drafts.open_draft(component, wanted, actor=actor)
    # The operators are told once, after the commit (a rolled-back change tells no one).
    transaction.on_commit(
        partial(
            alerts.component_changed,
            component.pk,
            current,
            wanted,
            actor[:255],
            opened.pk if opened is not None else None,
        )
    )
    return wanted


@transaction.atomic
def save_probe(probe: Probe) -> Probe:
    """Create or edit a probe. Disabling one forgets its state; a component that loses a
    failing probe (disabled, or moved to another component) is reconciled at once."""
    probe.full_clean()
    before = None if probe.pk is None else Probe.objects.filter(pk=probe.pk).first()
    if not probe.enabled:
        probe.state = ComponentStatus.OPERATIONAL
        probe.down_streak = probe.bad_streak = probe.up_streak = probe.answer_streak = 0
    probe.save()
    components = {probe.component_id: probe.component}
    if before is not None:
        components[before.component_id] = before.component
    for component in components.values():
        reconcile(component, actor=f"probe {probe.pk} changed")
    return probe


@transaction.atomic
def delete_probe(probe: Probe) -> None:
    component = probe.component
    actor = f"probe {probe.pk} deleted"
    probe.delete()
    reconcile(component, actor=actor)

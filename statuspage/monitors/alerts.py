"""Alerts from the monitoring the lender already runs, turned into component states.

Alertmanager (webhook_config, payload version 4) and Grafana (the webhook contact point) POST
the same shape: a group of alerts, each with `status` (firing/resolved), `labels`,
`annotations`, `startsAt`, `endsAt` and a `fingerprint`, beside the group's `commonLabels`. An
alert names its component by the label `statuspage_component` (id or name, in any language) and
its weight by `severity` (AlertSource.status_for). The generic form is one alert:
`{"component": …, "status": …, "message": …}`, `status` a component status ("operational"
resolves it).

Each alert's last state is kept by fingerprint (AlertState), with the alert's own startsAt: a
group repeated, or its events delivered out of order, changes nothing twice and never revives
an alert already resolved. A payload is checked whole before anything is written: one alert
naming no known component refuses all of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from statuspage.monitors.models import SIGNAL_STATUSES, AlertSource, AlertState
from statuspage.monitors.signals import reconcile
from statuspage.status.models import Component

log = logging.getLogger(__name__)
COMPONENT_LABEL = "statuspage_component"
MAX_ALERTS = 1000
_FRACTION = re.compile(r"(\.\d{6})\d+")  # Go writes nanoseconds; Python reads microseconds


class AlertPayloadError(ValueError):
    """The payload cannot be applied (unknown component, wrong shape): a 422, nothing written."""


@dataclass(frozen=True)
class AlertEvent:
    fingerprint: str
    component: Component
    firing: bool
    status: str  # what the component shows while it fires
    starts_at: datetime
    ends_at: datetime | None
    summary: str


def _time(value: Any, default: datetime | None) -> datetime | None:
    if not isinstance(value, str) or not value or value.startswith("0001-01-01"):
        return default
    try:
        parsed = parse_datetime(_FRACTION.sub(r"\1", value))
    except ValueError:
        parsed = None
    if parsed is None:
        raise AlertPayloadError(f"“{value[:40]}” is not a time (RFC 3339)")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def find_component(reference: Any) -> Component:
    """A component by id, else by name in any language (one match only)."""
    if not isinstance(reference, str | int) or not str(reference).strip():
        raise AlertPayloadError(f"the alert names no component (label {COMPONENT_LABEL})")
    text = str(reference).strip()
    found = Component.objects.filter(pk=text).first()
    if found is not None:
        return found
    matches = list(Component.objects.filter(Q(name_zh_hans__iexact=text) | Q(name_en__iexact=text)))
    if len(matches) != 1:
        problem = "is not a component" if not matches else "names more than one component"
        raise AlertPayloadError(f"“{text[:100]}” {problem}")
    return matches[0]


def _labels(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AlertPayloadError(f"{where} must be an object")
    return {str(k): str(v) for k, v in value.items()}


def parse_grouped(source: AlertSource, data: Any) -> list[AlertEvent]:
    """Alertmanager's and Grafana's webhook payloads."""
    if not isinstance(data, dict) or not isinstance(data.get("alerts"), list):
        raise AlertPayloadError("expected a webhook payload with a list of alerts")
    if len(data["alerts"]) > MAX_ALERTS:
        raise AlertPayloadError(f"more than {MAX_ALERTS} alerts in one payload")
    common = _labels(data.get("commonLabels"), "commonLabels")
    now = timezone.now()
    events = []
    for index, alert in enumerate(data["alerts"]):
        if not isinstance(alert, dict):
            raise AlertPayloadError(f"alert {index} must be an object")
        labels = {**common, **_labels(alert.get("labels"), f"alert {index}'s labels")}
        annotations = _labels(alert.get("annotations"), f"alert {index}'s annotations")
        state = alert.get("status", data.get("status"))
        if state not in ("firing", "resolved"):
            raise AlertPayloadError(f"alert {index}'s status must be firing or resolved")
        firing = state == "firing"
        fingerprint = alert.get("fingerprint")
        if not isinstance(fingerprint, str) or not fingerprint:
            fingerprint = hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[
                :32
            ]
        starts_at = _time(alert.get("startsAt"), now)
        assert starts_at is not None
        summary = (
            annotations.get("summary")
            or annotations.get("description")
            or labels.get("alertname", "")
        )
        events.append(
            AlertEvent(
                fingerprint=fingerprint[:128],
                component=find_component(labels.get(COMPONENT_LABEL)),
                firing=firing,
                status=source.status_for(labels.get("severity", "")),
                starts_at=starts_at,
                ends_at=None if firing else _time(alert.get("endsAt"), now),
                summary=summary[:500],
            )
        )
    return events


def parse_generic(source: AlertSource, data: Any) -> list[AlertEvent]:
    """`{"component": …, "status": …, "message": …}`: one alert per component and source."""
    if not isinstance(data, dict):
        raise AlertPayloadError('expected {"component": …, "status": …, "message": …}')
    component = find_component(data.get("component"))
    status = data.get("status")
    if status == "resolved":
        status = "operational"
    if status not in dict(SIGNAL_STATUSES):
        choices = ", ".join(dict(SIGNAL_STATUSES))
        raise AlertPayloadError(f"status must be one of {choices}")
    message = data.get("message", "")
    now = timezone.now()
    return [
        AlertEvent(
            fingerprint=f"component:{component.pk}",
            component=component,
            firing=status != "operational",
            status=status,
            starts_at=now,
            ends_at=None if status != "operational" else now,
            summary=str(message)[:500] if message is not None else "",
        )
    ]


def parse(source: AlertSource, data: Any) -> list[AlertEvent]:
    if source.kind == AlertSource.Kind.GENERIC:
        return parse_generic(source, data)
    return parse_grouped(source, data)


@transaction.atomic
def receive(source: AlertSource, data: Any) -> dict[str, int]:
    """Apply one payload: every alert's state, then each touched component once. Raises
    AlertPayloadError (nothing written) when any alert cannot be applied."""
    events = parse(source, data)
    touched: dict[str, Component] = {}
    applied = ignored = 0
    for event in events:
        state = (
            AlertState.objects.select_for_update()
            .filter(source=source, fingerprint=event.fingerprint)
            .first()
        )
        if state is not None and not _newer(event, state):
            ignored += 1
            continue
        if state is None:
            state = AlertState(source=source, fingerprint=event.fingerprint)
        else:
            touched[state.component_id] = state.component
        state.component = event.component
        state.firing = event.firing
        state.status = event.status
        state.starts_at = event.starts_at
        state.ends_at = event.ends_at
        state.summary = event.summary
        state.updated_at = timezone.now()
        state.save()
        touched[event.component.pk] = event.component
        applied += 1
    AlertSource.objects.filter(pk=source.pk).update(last_received_at=timezone.now())
    changed = 0
    for component in touched.values():
        if reconcile(component, actor=f"alert source {source.name}") is not None:
            changed += 1
    return {"alerts": len(events), "applied": applied, "ignored": ignored, "changed": changed}


def _newer(event: AlertEvent, state: AlertState) -> bool:
    """Whether the event moves the stored state: a firing revives a resolved alert only when
    it started later (a new episode), and neither a firing nor a resolve of an earlier episode
    touches a later one."""
    if event.firing and not state.firing:
        return event.starts_at > state.starts_at
    return event.starts_at >= state.starts_at


@transaction.atomic
def save_source(source: AlertSource) -> AlertSource:
    """Edit a source; disabling it takes its firing alerts off their components at once."""
    source.full_clean()
    source.save()
    _reconcile_alerted(source, actor=f"alert source {source.name} changed")
    return source


@transaction.atomic
def delete_source(source: AlertSource) -> None:
    components = {a.component_id: a.component for a in source.alerts.select_related("component")}
    actor = f"alert source {source.name} deleted"
    source.delete()
    for component in components.values():
        reconcile(component, actor=actor)


def _reconcile_alerted(source: AlertSource, *, actor: str) -> None:
    alerted = {a.component_id: a.component for a in source.alerts.select_related("component")}
    for component in alerted.values():
        reconcile(component, actor=actor)

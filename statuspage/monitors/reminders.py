"""Reminders: a component off operational for 30 min, 1 h, 3 h (MONITOR_REMINDER_MINUTES) with
no published incident saying why. Beat checks every minute; each (component, episode,
threshold) is claimed by inserting its Reminder row, so it is sent once whatever runs at once.
An episode starts at the component's last change away from operational.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from statuspage.monitors.models import Reminder
from statuspage.operators import alerts
from statuspage.status.models import (
    Component,
    ComponentStatus,
    Incident,
    IncidentStatus,
    StatusChange,
)

log = logging.getLogger(__name__)


def off_since(component: Component) -> datetime:
    """When the component's current time off operational began."""
    left = (
        StatusChange.objects.filter(component=component, old_status=ComponentStatus.OPERATIONAL)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    return left or component.updated_at


def remind(now: datetime | None = None) -> int:
    """Claim and send the reminders due now; returns how many this call sent."""
    now = now or timezone.now()
    thresholds = sorted(settings.MONITOR_REMINDER_MINUTES)
    sent = 0
    failing = Component.objects.exclude(
        status__in=(ComponentStatus.OPERATIONAL, ComponentStatus.UNDER_MAINTENANCE)
    )
    for component in failing:
        told = Incident.objects.open().exclude(status=IncidentStatus.SCHEDULED)
        if told.filter(components=component).exists():
            continue  # a published incident tells visitors already
        since = off_since(component)
        due = [m for m in thresholds if (now - since).total_seconds() >= m * 60]
        if not due:
            continue
        minutes = due[-1]  # only the latest threshold passed: no burst of old ones
        try:
            with transaction.atomic():
                Reminder.objects.create(component=component, since=since, minutes=minutes)
                transaction.on_commit(
                    partial(alerts.still_not_operational, component.pk, minutes, since)
                )
        except IntegrityError:
            continue  # claimed already (by an earlier tick or another beat)
        sent += 1
        log.info("reminder: component %s off operational for %d min", component.pk, minutes)
    return sent

"""Scheduled maintenance that runs itself, and announcements that leave the page on time.

Beat calls `run_due` every minute. Each step — remind, start, complete, expire — claims its
incident with a conditional UPDATE whose WHERE clause is exactly the rule for that step, in the
transaction that then makes the change. A second beat (or the same one firing twice) blocks on
the row until the first commits and then matches nothing, so every step happens once. A beat
that was down catches up when it returns: the same rules find what became due meanwhile, and a
window that already ended is completed rather than started.

Every change is an ordinary update written by `services.post_update`, so it is logged, notifies
and moves the page version like any update an operator posts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from statuspage.status import services, signals
from statuspage.status.models import (
    Component,
    ComponentStatus,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    RecurringMaintenance,
    StatusChange,
    StatusChangeCause,
)

log = logging.getLogger(__name__)

S = IncidentStatus


def in_every_language(message: str) -> str:
    """An automatic update's text (marked with gettext_noop) in each of the page's languages,
    the default first: it is stored once and read by visitors of both."""
    codes = [settings.LANGUAGE_CODE] + [c for c, _ in settings.LANGUAGES]
    texts = []
    for code in dict.fromkeys(codes):
        with translation.override(code):
            text = gettext(message)
        if text not in texts:
            texts.append(text)
    return "\n\n".join(texts)


# The rules, as querysets: what is due at `now`. The claims below re-check them row by row.


def reminders_due(now: datetime) -> QuerySet[Incident]:
    lead = timedelta(minutes=settings.MAINTENANCE_REMINDER_MINUTES)
    return Incident.objects.upcoming_maintenance().filter(
        scheduled_remind_prior=True,
        scheduled_reminded_at__isnull=True,
        scheduled_for__gt=now,
        scheduled_for__lte=now + lead,
    )


def starts_due(now: datetime) -> QuerySet[Incident]:
    return Incident.objects.upcoming_maintenance().filter(
        scheduled_auto_in_progress=True,
        scheduled_for__lte=now,
        scheduled_until__gt=now,
    )


def completions_due(now: datetime) -> QuerySet[Incident]:
    """Auto-complete windows that ended; and auto-start windows a beat never saw begin (they
    are over, so they are completed, not started)."""
    return (
        Incident.objects.maintenances()
        .open()
        .filter(
            Q(scheduled_auto_completed=True)
            | Q(status=S.SCHEDULED, scheduled_auto_in_progress=True),
            scheduled_until__lte=now,
        )
    )


def expiries_due(now: datetime) -> QuerySet[Incident]:
    return Incident.objects.current_announcements().filter(expires_at__lte=now)


def _claim(due: QuerySet[Incident], incident_id: str, **changes) -> Incident | None:
    """Lock the incident if the rule still holds for it; None if another run got there first."""
    if not due.filter(pk=incident_id).update(**changes):
        return None
    return Incident.objects.get(pk=incident_id)


@transaction.atomic
def remind(incident_id: str, *, now: datetime | None = None) -> Incident | None:
    """Send the "starts soon" reminder once: `scheduled_reminded_at` is the claim, and the
    signal goes out in the same transaction (the notification outbox commits with it)."""
    now = now or timezone.now()
    incident = _claim(reminders_due(now), incident_id, scheduled_reminded_at=now)
    if incident is not None:
        signals.maintenance_reminder.send(sender=Incident, incident=incident)
    return incident


@transaction.atomic
def start(incident_id: str, *, now: datetime | None = None) -> IncidentUpdate | None:
    """Move a due maintenance to in_progress and its components to under_maintenance, once."""
    now = now or timezone.now()
    incident = _claim(starts_due(now), incident_id, updated_at=now)
    if incident is None:
        return None
    return services.post_update(
        incident,
        status=S.IN_PROGRESS,
        body=in_every_language(gettext_noop("The scheduled maintenance is now in progress.")),
        component_statuses={
            c: ComponentStatus.UNDER_MAINTENANCE for c in incident.components.all()
        },
        at=now,
        cause=StatusChangeCause.MAINTENANCE,
    )


def statuses_to_restore(incident: Incident) -> dict[Component, str]:
    """What each of the maintenance's components goes back to when it completes.

    A component still under maintenance returns to the status it had just before it went under
    maintenance (read from the status-change log), so an outage that was running then is still
    shown afterwards. A component something else changed meanwhile (an incident degraded it, an
    operator fixed it) keeps that status, and one that another running maintenance still
    covers stays under maintenance.
    """
    held = set(
        Incident.objects.active_maintenance()
        .exclude(pk=incident.pk)
        .values_list("components", flat=True)
    )
    restore = {}
    for component in incident.components.filter(status=ComponentStatus.UNDER_MAINTENANCE):
        if component.pk in held:
            continue
        entered = (
            StatusChange.objects.filter(
                component=component, new_status=ComponentStatus.UNDER_MAINTENANCE
            )
            .order_by("-at", "-id")
            .values_list("old_status", flat=True)
            .first()
        )
        restore[component] = entered or ComponentStatus.OPERATIONAL
    return restore


@transaction.atomic
def complete(incident_id: str, *, now: datetime | None = None) -> IncidentUpdate | None:
    """Complete a maintenance whose window ended and restore its components, once."""
    now = now or timezone.now()
    incident = _claim(completions_due(now), incident_id, updated_at=now)
    if incident is None:
        return None
    return services.post_update(
        incident,
        status=S.COMPLETED,
        body=in_every_language(gettext_noop("The scheduled maintenance has been completed.")),
        component_statuses=statuses_to_restore(incident),
        at=now,
        cause=StatusChangeCause.MAINTENANCE,
    )


@transaction.atomic
def expire(incident_id: str, *, now: datetime | None = None) -> IncidentUpdate | None:
    """Close an announcement whose expiry passed, once; subscribers are not told again."""
    now = now or timezone.now()
    incident = _claim(expiries_due(now), incident_id, updated_at=now)
    if incident is None:
        return None
    return services.post_update(
        incident,
        status=S.RESOLVED,
        body=in_every_language(gettext_noop("This announcement has ended.")),
        notify=False,
        at=now,
    )


STEPS: list[tuple[Callable[[datetime], QuerySet[Incident]], Callable]] = [
    (completions_due, complete),  # first, so a window that is over is never started
    (starts_due, start),
    (reminders_due, remind),
    (expiries_due, expire),
]


def run_due(now: datetime | None = None) -> int:
    """Beat, every minute: take every step that is due. Returns how many were taken.

    Each incident is handled in its own transaction, so one that fails (and is retried on the
    next run, its claim rolled back) does not hold up the others.
    """
    now = now or timezone.now()
    taken = 0
    for due, step in STEPS:
        for incident_id in list(due(now).values_list("pk", flat=True)):
            try:
                taken += step(incident_id, now=now) is not None
            except Exception:
                log.exception(
                    "maintenance step %s failed for incident %s", step.__name__, incident_id
                )
    return taken


def schedule_recurring(now: datetime | None = None) -> int:
    """Beat, hourly: schedule the windows of every active recurring maintenance that came
    within reach. Returns how many maintenances were created."""
    now = now or timezone.now()
    created = 0
    for schedule in RecurringMaintenance.objects.filter(active=True):
        try:
            created += len(services.generate_occurrences(schedule, now=now))
        except Exception:
            log.exception("recurring maintenance %s could not be scheduled", schedule.pk)
    return created

"""Promises that passed unmet: an expected recovery that came and went with the incident still
open, a "next update by" that passed without an update.

Visitors see this at render time (notice.py says the time is being reassessed); the operators
are told once per missed promise. Beat runs `flag_overdue` every 30 seconds; each missed promise
is claimed with a conditional UPDATE of its `…_alerted_at` stamp, so of two beats running at
once exactly one flags it. A new promise clears the stamp (the services do that: a changed
expected recovery, a new update), and can be flagged again when it too is missed.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from statuspage.status import pageversion, signals
from statuspage.status.models import CLOSED_STATUSES, Incident, IncidentUpdate

RECOVERY = "recovery"
NEXT_UPDATE = "next_update"
LABELS = {RECOVERY: _("Recovery time passed"), NEXT_UPDATE: _("Next update overdue")}


def with_promises(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """Annotate each incident with `next_update_promised`: its latest update's next_update_by
    (updates are newest first, as `Incident.next_update_by` reads them)."""
    latest = IncidentUpdate.objects.filter(incident=OuterRef("pk")).order_by(
        "-display_at", "-created_at"
    )
    return incidents.annotate(next_update_promised=Subquery(latest.values("next_update_by")[:1]))


def missed_recovery(now: datetime) -> Q:
    return ~Q(status__in=CLOSED_STATUSES) & Q(expected_recovery_at__lte=now)


def missed_next_update(now: datetime) -> Q:
    """On a queryset `with_promises`."""
    return ~Q(status__in=CLOSED_STATUSES) & Q(next_update_promised__lte=now)


def missed(now: datetime) -> Q:
    return missed_recovery(now) | missed_next_update(now)


def missed_promises(incident: Incident, now: datetime | None = None) -> list[str]:
    """The labels of the promises `incident` (from a queryset `with_promises`) has missed."""
    now = now or timezone.now()
    if incident.status in CLOSED_STATUSES:
        return []
    promised = {
        RECOVERY: incident.expected_recovery_at,
        NEXT_UPDATE: getattr(incident, "next_update_promised", None),
    }
    return [str(LABELS[kind]) for kind, at in promised.items() if at is not None and at <= now]


def flag_overdue(now: datetime | None = None) -> int:
    """Flag every promise missed by `now` and not flagged yet; returns how many were flagged.

    Each flag commits on its own with a page-version bump (cached pages re-render and say the
    time is being reassessed) and `signals.promise_missed`, whose receivers email the operators
    after the commit.
    """
    now = now or timezone.now()
    flagged = 0
    recovery = Incident.objects.filter(
        missed_recovery(now), recovery_overdue_alerted_at__isnull=True
    )
    for pk in recovery.values_list("pk", flat=True):
        flagged += _claim(recovery, pk, "recovery_overdue_alerted_at", RECOVERY, now)
    next_update = with_promises(Incident.objects.all()).filter(
        missed_next_update(now), next_update_overdue_alerted_at__isnull=True
    )
    for pk in next_update.values_list("pk", flat=True):
        flagged += _claim(next_update, pk, "next_update_overdue_alerted_at", NEXT_UPDATE, now)
    return flagged


@transaction.atomic
def _claim(
    still_missed: QuerySet[Incident], pk: str, stamp: str, promise: str, now: datetime
) -> int:
    """Stamp incident `pk` if its promise is still missed and unflagged: the UPDATE's own
    WHERE decides, so a concurrent beat, or an update posted meanwhile, makes it a no-op."""
    if not still_missed.filter(pk=pk).update(**{stamp: now}):
        return 0
    incident = Incident.objects.get(pk=pk)
    pageversion.bump()
    signals.promise_missed.send(sender=Incident, incident=incident, promise=promise, at=now)
    return 1

"""Uptime: how long each component was up, day by day in the page's time zone.

Daily rows (`DailyUptime`) are derived from the StatusChange log: on every change (the receiver
below runs inside the writing transaction) from the day of the change to today, and by beat
(`refresh_all`), which fills in the days nobody changed anything and today's growing share.
Readers — the status page's bars, /uptime and the management API (statuspage/api/uptime.py) —
read only these rows.

Statuspage's rule: downtime = major outage time + 0.3 × partial outage time. Degraded
performance and maintenance are not downtime; days before the component's start date are not
counted at all.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max, Min, Prefetch, Q
from django.dispatch import receiver
from django.utils import timezone

from statuspage.status import pageversion, signals
from statuspage.status.models import (
    PARTIAL_OUTAGE_WEIGHT,
    Component,
    ComponentStatus,
    DailyUptime,
    Incident,
    IncidentKind,
    Page,
    StatusChange,
)

BAR_DAYS = 90
# Bar colours from best to worst ("none": no data).
LEVELS = (
    "none",
    ComponentStatus.OPERATIONAL,
    ComponentStatus.UNDER_MAINTENANCE,
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
)
SECONDS_FIELD = {
    ComponentStatus.MAJOR_OUTAGE: "major_seconds",
    ComponentStatus.PARTIAL_OUTAGE: "partial_seconds",
    ComponentStatus.DEGRADED_PERFORMANCE: "degraded_seconds",
    ComponentStatus.UNDER_MAINTENANCE: "maintenance_seconds",
}
FIGURE_FIELDS = ("observed_seconds", *SECONDS_FIELD.values())


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The day's first instant and the next day's, in UTC (23 or 25 hours apart at DST)."""
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return start, end


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def tally(
    initial: str,
    changes: Sequence[tuple[datetime, str]],
    days: Iterable[date],
    zone: ZoneInfo,
    now: datetime,
) -> dict[date, dict[str, int]]:
    """Seconds in each status per day, up to `now`.

    `initial` is the status at the first day's start; `changes` are (at, new status) from then
    on, oldest first. Days after `now` are left out; today ends at `now`.
    """
    result: dict[date, dict[str, int]] = {}
    status, i = initial, 0
    for day in days:
        start, end = day_bounds(day, zone)
        end = min(end, now)
        if end <= start:
            break
        seconds: dict[str, float] = defaultdict(float)
        cursor = start
        while i < len(changes) and changes[i][0] < end:
            at, new_status = changes[i]
            if at > cursor:
                seconds[status] += (at - cursor).total_seconds()
                cursor = at
            status = new_status
            i += 1
        seconds[status] += (end - cursor).total_seconds()
        figures = {"observed_seconds": round((end - start).total_seconds())}
        for status_name, name in SECONDS_FIELD.items():
            figures[name] = round(seconds.get(status_name, 0.0))
        result[day] = figures
    return result


def refresh(
    component: Component,
    changed_on: date | None = None,
    *,
    page: Page | None = None,
    now: datetime | None = None,
) -> bool:
    """Bring the component's rows up to now: from the day of a change (`changed_on`), or from
    wherever its rows stop, whichever is earlier, so the rows always run without a gap from
    its start date to today.

    Call inside a transaction that holds the component's row lock (the writers do; beat takes
    it in `refresh_all`), so a change cannot slip in between reading the log and writing the
    rows. Returns whether a visible figure changed: a new day, or time in a status other than
    operational (the seconds observed today grow on every call and alone do not count).
    """
    page = page or Page.get()
    zone = page.zone
    now = now or timezone.now()
    today = timezone.localdate(now, zone)
    rows = DailyUptime.objects.filter(component=component)
    rows.exclude(time_zone=page.time_zone).delete()  # the page's zone changed: start again
    span = rows.aggregate(first=Min("day"), last=Max("day"))
    counted_from = component.counted_from(zone)
    complete = span["first"] is not None and span["first"] <= counted_from
    first = max(span["last"] if complete else counted_from, counted_from)
    if changed_on is not None:
        first = max(min(first, changed_on), counted_from)
    if first > today:
        return False

    start, _end = day_bounds(first, zone)
    log = StatusChange.objects.filter(component=component)
    before = log.filter(at__lt=start).order_by("-at", "-id").values_list("new_status").first()
    changes = list(
        log.filter(at__gte=start).order_by("at", "id").values_list("at", "old_status", "new_status")
    )
    if before is not None:
        initial = before[0]
    elif changes:
        initial = changes[0][1]
    else:
        initial = component.status
    timeline = [(at, new) for at, _old, new in changes]
    figures = tally(initial, timeline, days_between(first, today), zone, now)

    stored = {
        row[0]: row[1:] for row in rows.filter(day__gte=first).values_list("day", *FIGURE_FIELDS)
    }
    writes, visible = [], False
    for day, f in figures.items():
        values = tuple(f[name] for name in FIGURE_FIELDS)
        if stored.get(day) == values:
            continue
        visible = visible or day not in stored or stored[day][1:] != values[1:]
        writes.append(
            DailyUptime(
                component=component, day=day, time_zone=page.time_zone, computed_at=now, **f
            )
        )
    DailyUptime.objects.bulk_create(
        writes,
        update_conflicts=True,
        unique_fields=["component", "day"],
        update_fields=["time_zone", "computed_at", *FIGURE_FIELDS],
    )
    return visible


@receiver(signals.components_changed, dispatch_uid="uptime.record_changes")
def record_changes(sender, changes: list[StatusChange], **kwargs) -> None:
    """Bring the rows of every changed component up to date, from the day of its earliest change
    (changes can be back-dated). Runs inside the writing transaction, under its row locks."""
    page = Page.get()
    earliest: dict[str, date] = {}
    for change in changes:
        day = timezone.localdate(change.at, page.zone)
        earliest[change.component_id] = min(day, earliest.get(change.component_id, day))
    for component in Component.objects.filter(pk__in=earliest):
        refresh(component, earliest[component.pk], page=page)


def refresh_all(now: datetime | None = None) -> int:
    """Beat: bring every component's rows up to now. Returns how many changed visibly.

    When one did — an outage still running, or a new day — the page version moves, so the
    cached page shows the new bars.
    """
    now = now or timezone.now()
    page = Page.get()
    changed = 0
    for pk in Component.objects.values_list("pk", flat=True):
        with transaction.atomic():
            component = Component.objects.select_for_update().filter(pk=pk).first()
            if component is not None:  # not deleted meanwhile
                changed += refresh(component, page=page, now=now)
    if changed:
        with transaction.atomic():
            pageversion.bump()
    return changed


# Reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """Seconds over a span of days, and the percentages they give."""

    observed: int = 0
    major: int = 0
    partial: int = 0
    degraded: int = 0
    maintenance: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.observed + other.observed,
            self.major + other.major,
            self.partial + other.partial,
            self.degraded + other.degraded,
            self.maintenance + other.maintenance,
        )

    @classmethod
    def of(cls, row: DailyUptime) -> Totals:
        return cls(*row.figures)

    @property
    def downtime(self) -> float:
        return self.major + PARTIAL_OUTAGE_WEIGHT * self.partial

    @property
    def has_data(self) -> bool:
        return self.observed > 0

    @property
    def uptime_percentage(self) -> float | None:
        """Statuspage's figure: maintenance is not downtime."""
        if not self.observed:
            return None
        return round(100 * (1 - self.downtime / self.observed), 2)

    @property
    def percentage_with_maintenance(self) -> float | None:
        """The stricter figure: time under maintenance counts as down."""
        if not self.observed:
            return None
        return round(100 * (1 - (self.downtime + self.maintenance) / self.observed), 2)

    @property
    def downtime_minutes(self) -> int:
        return -(-round(self.downtime) // 60)  # any downtime shows as at least a minute

    @property
    def maintenance_minutes(self) -> int:
        return -(-self.maintenance // 60)

    @property
    def level(self) -> str:
        """The bar's colour: the worst thing that happened that day."""
        if not self.observed:
            return "none"
        for status, seconds in (
            (ComponentStatus.MAJOR_OUTAGE, self.major),
            (ComponentStatus.PARTIAL_OUTAGE, self.partial),
            (ComponentStatus.DEGRADED_PERFORMANCE, self.degraded),
            (ComponentStatus.UNDER_MAINTENANCE, self.maintenance),
        ):
            if seconds:
                return str(status)
        return str(ComponentStatus.OPERATIONAL)


@dataclass(frozen=True)
class Day:
    day: date
    totals: Totals
    incidents: tuple[str, ...] = ()
    status_now: str = ""  # today only: the component's status at this moment

    @property
    def level(self) -> str:
        """The bar's colour. Today's also shows the status right now: an outage that began a
        moment ago has no seconds counted yet but already colours the bar."""
        if not self.status_now:
            return self.totals.level
        return max(self.totals.level, self.status_now, key=LEVELS.index)


@dataclass
class Bars:
    """A component's last days, oldest first, and the percentage over them."""

    days: list[Day] = field(default_factory=list)

    @property
    def totals(self) -> Totals:
        return sum((d.totals for d in self.days), Totals())


def stored_rows(components: Sequence[Component], first: date, last: date, zone_name: str):
    """The daily rows of `components` from `first` to `last`, counted in `zone_name`."""
    return DailyUptime.objects.filter(
        component__in=components, day__gte=first, day__lte=last, time_zone=zone_name
    )


def incidents_by_day(
    components: Sequence[Component],
    first: date,
    last: date,
    zone: ZoneInfo,
    now: datetime,
    kinds: tuple[str, ...] = (IncidentKind.INCIDENT, IncidentKind.MAINTENANCE),
) -> dict[tuple[str, date], list[Incident]]:
    """Incidents (and maintenance) that were under way on each day, per affected component."""
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(last, zone)
    wanted = {c.pk for c in components}
    incidents = (
        Incident.objects.published()
        .filter(kind__in=kinds, started_at__lt=end, components__in=wanted)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=start))
        .distinct()
        .order_by("started_at")
        .prefetch_related(Prefetch("components", queryset=Component.objects.only("id")))
    )
    found: dict[tuple[str, date], list[Incident]] = defaultdict(list)
    for incident in incidents:
        from_day = max(timezone.localdate(incident.started_at, zone), first)
        to_day = min(timezone.localdate(incident.resolved_at or now, zone), last)
        for component in incident.components.all():
            if component.pk in wanted:
                for day in days_between(from_day, to_day):
                    found[(component.pk, day)].append(incident)
    return found


def daily_bars(
    components: Sequence[Component], *, days: int = BAR_DAYS, now: datetime | None = None
) -> dict[str, Bars]:
    """The last `days` days of each component, for the status page (two queries in all)."""
    page = Page.get()
    zone = page.zone
    now = now or timezone.now()
    today = timezone.localdate(now, zone)
    first = today - timedelta(days=days - 1)
    stored = {
        (row.component_id, row.day): Totals.of(row)
        for row in stored_rows(components, first, today, page.time_zone)
    }
    incidents = incidents_by_day(components, first, today, zone, now)
    bars = {}
    for component in components:
        start = component.counted_from(zone)
        bars[component.pk] = Bars(
            [
                Day(
                    day,
                    stored.get((component.pk, day), Totals()) if day >= start else Totals(),
                    tuple(i.name for i in incidents.get((component.pk, day), ())),
                    component.status if day == today and day >= start else "",
                )
                for day in days_between(first, today)
            ]
        )
    return bars


def month_totals(components: Sequence[Component], month: date) -> dict[str, Totals]:
    """Each component's totals over one calendar month (so far, for the current one)."""
    page = Page.get()
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    totals: dict[str, Totals] = {c.pk: Totals() for c in components}
    starts = {c.pk: c.counted_from(page.zone) for c in components}
    for row in stored_rows(components, first, last, page.time_zone):
        if row.day >= starts[row.component_id]:
            totals[row.component_id] += Totals.of(row)
    return totals

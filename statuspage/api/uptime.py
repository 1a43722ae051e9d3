"""The management API's uptime figures, shaped as Statuspage's `ComponentUptime`, from the
daily aggregates (statuspage.status.uptime).

Statuspage's rule: downtime = major outage time + 0.3 × partial outage time; a range is at most
six calendar months and is clipped to today and to the component's start date, with a warning.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from statuspage.status.models import Component, IncidentKind, Page
from statuspage.status.uptime import BAR_DAYS, Totals, incidents_by_day, stored_rows

MAX_RANGE = relativedelta(months=6)
# Statuspage's wording; API clients may match on it, so it is not translated.
END_ADJUSTED = "End date was adjusted to today. See range_end field in response for end date used."
START_ADJUSTED = (
    "Start date was adjusted to the component's start date. "
    "See range_start field in response for start date used."
)


def parse_partial_date(value: str, *, end: bool = False) -> date:
    """Statuspage's `start`/`end` parameters: "2026", "2026-03" or "2026-03-14".

    A year or month alone means its first day for a start and its last day for an end.
    """
    parts = value.strip().split("-")
    try:
        numbers = [int(p) for p in parts]
        if len(numbers) == 3:
            return date(*numbers)
        if len(numbers) == 2:
            year, month = numbers
            day = calendar.monthrange(year, month)[1] if end else 1
            return date(year, month, day)
        if len(numbers) == 1:
            return date(numbers[0], 12, 31) if end else date(numbers[0], 1, 1)
    except (ValueError, calendar.IllegalMonthError) as exc:
        raise ValidationError(
            _("“%(value)s” is not a date (use 2026, 2026-03 or 2026-03-14)."),
            params={"value": value},
        ) from exc
    raise ValidationError(
        _("“%(value)s” is not a date (use 2026, 2026-03 or 2026-03-14)."),
        params={"value": value},
    )


def component_uptime(
    component: Component,
    start: date | None = None,
    end: date | None = None,
    *,
    now: datetime | None = None,
) -> dict:
    """Statuspage's `ComponentUptime` for the management API's
    `GET /v1/pages/{page_id}/components/{id}/uptime?start=&end=`.

    `end` defaults to today in the page's time zone; `start` to 90 days before the end or the
    component's start date, whichever is later. Both days count in full. Raises ValidationError
    when the end is before the start or the range asked for is longer than six calendar months;
    then an end after today is moved back to today and a start before the start date forward
    to it, each with Statuspage's warning.
    """
    page = Page.get()
    zone = page.zone
    now = now or timezone.now()
    today = timezone.localdate(now, zone)
    counted_from = component.counted_from(zone)
    warnings: list[str] = []
    end = end or today
    if start is None:
        start = max(counted_from, min(end, today) - timedelta(days=BAR_DAYS))
    if start > today:
        raise ValidationError({"start": _("The start date is in the future.")})
    if end < start:
        raise ValidationError({"end": _("The end date must not be before the start date.")})
    if end >= start + MAX_RANGE:
        raise ValidationError({"end": _("The range can be at most six calendar months long.")})
    if end < counted_from:
        raise ValidationError(
            {
                "end": _("Uptime of this component is counted from %(day)s.")
                % {"day": counted_from.isoformat()}
            }
        )
    if end > today:
        end = today
        warnings.append(END_ADJUSTED)
    if start < counted_from:
        start = counted_from
        warnings.append(START_ADJUSTED)

    totals = sum(
        (Totals.of(row) for row in stored_rows([component], start, end, page.time_zone)), Totals()
    )
    incidents = incidents_by_day([component], start, end, zone, now, (IncidentKind.INCIDENT,))
    related = list(dict.fromkeys(i.pk for found in incidents.values() for i in found))
    with translation.override(settings.LANGUAGE_CODE):  # the API's language, as elsewhere
        name = str(component.name)
    percentage = totals.uptime_percentage
    return {
        "range_start": start.isoformat(),
        "range_end": end.isoformat(),
        "uptime_percentage": 100.0 if percentage is None else percentage,
        "major_outage": totals.major,
        "partial_outage": totals.partial,
        "warnings": warnings,
        "id": component.pk,
        "name": name,
        "related_events": [{"id": pk} for pk in related],
    }

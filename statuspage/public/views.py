"""The public status page: what works, what does not, why, until when, and what to do meanwhile.

Every view here is served from the response cache (statuspage/readpath/cache.py): the queries
below run once per page version and language, not once per visitor.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.utils import timezone
from django.utils.http import http_date, url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from statuspage.readpath.cache import cached, responses
from statuspage.status import pageversion
from statuspage.status.models import (
    CLOSED_STATUSES,
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentKind,
    Page,
)
from statuspage.status.notice import (
    IncidentNotice,
    banner_line,
    function_lines,
    incident_notice,
    open_notices,
)
from statuspage.status.rollup import current_indicator, worst_status

PAST_DAYS = 7


@dataclass
class Row:
    """One top-level line of the component list: a group with its members, or a component."""

    position: int
    group: ComponentGroup | None = None
    components: list[Component] = field(default_factory=list)

    @property
    def status(self) -> str:
        return worst_status(c.status for c in self.components)


def page_rows(components: list[Component]) -> list[Row]:
    """The component list as the page shows it: groups and ungrouped components in position
    order, each with its visible members only."""
    rows: dict[str, Row] = {}
    singles: list[Row] = []
    for component in components:
        group = component.group
        if group is not None:
            row = rows.setdefault(group.pk, Row(position=group.position, group=group))
            row.components.append(component)
        else:
            singles.append(Row(position=component.position, components=[component]))
    visible = []
    for row in [*rows.values(), *singles]:
        row.components = [c for c in row.components if c.is_visible]
        if row.components:
            visible.append(row)
    return sorted(visible, key=lambda r: r.position)


def next_midnight(zone) -> float:
    tomorrow = timezone.localdate(timezone=zone) + timedelta(days=1)
    return datetime.combine(tomorrow, datetime.min.time(), tzinfo=zone).timestamp()


def next_new_year(zone) -> float:
    """When times of this year start showing their year (see the `when` template tag)."""
    year = timezone.localdate(timezone=zone).year + 1
    return datetime(year, 1, 1, tzinfo=zone).timestamp()


def promises_ahead(notices: list[IncidentNotice]) -> list[float]:
    """When a promise among `notices` (expected recovery, next update) that is still ahead
    turns into "being reassessed" or "late": a response that shows them is stale from then."""
    now = timezone.now()
    # Rounded up: the Expires header counts whole seconds, and a render a fraction of a second
    # early would still show the promise as kept.
    return [
        math.ceil(at.timestamp())
        for notice in notices
        if notice.is_open
        for at in (notice.expected_recovery_at, notice.next_update_by)
        if at is not None and at > now
    ]


def expires(response: HttpResponse, notices: list[IncidentNotice], *also: float) -> None:
    """Mark `response` (cached, see readpath/cache.py) fresh until the first of the notices'
    promises or `also` comes; with neither, until the next write."""
    moments = [*promises_ahead(notices), *also]
    if moments:
        response["Expires"] = http_date(min(moments))


def page_context(page: Page, components: list[Component] | None = None) -> dict:
    if components is None:
        components = list(Component.objects.select_related("group"))
    return {
        "page": page,
        "zone": page.zone,
        # Updates keep the component names they were posted with; show today's, translated.
        "component_names": {c.pk: c.display_name for c in components},
    }


@require_safe
@cached()
def status_page(request: HttpRequest) -> HttpResponse:
    page = Page.get()
    zone = page.zone
    components = list(Component.objects.select_related("group"))
    unresolved = list(Incident.objects.unresolved_incidents().with_details())
    functions, notices = open_notices()

    today = timezone.localdate(timezone=zone)
    first_day = today - timedelta(days=PAST_DAYS - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    # Open incidents are told above, under current incidents and maintenance, not again here.
    recent = (
        Incident.objects.published()
        .exclude(kind=IncidentKind.ANNOUNCEMENT)
        .filter(status__in=CLOSED_STATUSES)
        .filter(created_at__gte=since)
        .with_details()
    )
    by_day = {
        day: list(items)
        for day, items in groupby(recent, key=lambda i: timezone.localdate(i.created_at, zone))
    }
    past_days = [
        (today - timedelta(days=n), by_day.get(today - timedelta(days=n), []))
        for n in range(PAST_DAYS)
    ]

    response = TemplateResponse(
        request,
        "public/status_page.html",
        {
            **page_context(page, components),
            "indicator": current_indicator(components, unresolved),
            "functions": functions,
            "banner_line": banner_line(functions),
            "notices": {notice.id: notice for notice in notices},
            # "Everything works, but you still can't …" only while that is true.
            "all_operational": all(c.status == ComponentStatus.OPERATIONAL for c in components)
            and all(f.works for f in functions),
            "rows": page_rows(components),
            "unresolved": unresolved,
            "active_maintenance": list(Incident.objects.active_maintenance().with_details()),
            "upcoming_maintenance": list(
                Incident.objects.upcoming_maintenance().order_by("scheduled_for").with_details()
            ),
            "announcements": list(Incident.objects.current_announcements().with_details()),
            "past_days": past_days,
        },
    )
    response["Last-Modified"] = http_date(page.updated_at.timestamp())
    # "Past 7 days" moves at midnight; a promise that passes turns into "being reassessed".
    expires(response, notices, next_midnight(zone))
    return response


@require_safe
@cached()
def incident_page(request: HttpRequest, incident_id: str) -> HttpResponse:
    page = Page.get()
    incident = get_object_or_404(Incident.objects.published().with_details(), pk=incident_id)
    functions = function_lines(incidents=Incident.objects.open())
    notice = incident_notice(incident, functions=functions)
    response = TemplateResponse(
        request,
        "public/incident_page.html",
        {
            **page_context(page),
            "incident": incident,
            "notice": notice,
            # The functions this incident touches, while it is open: "借款暂不可用。"
            "banner_line": banner_line(notice.functions) if notice.is_open else "",
            "notices": {notice.id: notice},
        },
    )
    response["Last-Modified"] = http_date(incident.updated_at.timestamp())
    expires(response, [notice], next_new_year(page.zone))
    return response


# Months before the first record that still have a (quiet) page of their own.
QUIET_MONTHS_BEFORE_RECORDS = 12
EPOCH = 1970 * 12  # no month page before January 1970, whatever a start date says
_MONTH = re.compile(r"\s*\+?0*(\d{1,4})-0*(\d{1,2})\s*", re.ASCII)


def _first_shown_month() -> tuple[date, ZoneInfo]:
    page = Page.get()
    zone = page.zone
    earliest = timezone.localdate(timezone=zone)
    oldest = (
        Incident.objects.published()
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if oldest is not None:
        earliest = min(earliest, timezone.localdate(oldest, zone))
    for component in Component.objects.all():
        earliest = min(earliest, component.counted_from(zone))
    months = max(earliest.year * 12 + earliest.month - 1 - QUIET_MONTHS_BEFORE_RECORDS, EPOCH)
    return date(months // 12, months % 12 + 1, 1), zone


def shown_months() -> tuple[date, date]:
    """The first and last month that /history and /uptime have a page for: from a year before
    the first record to this month. Any other month is a 404, so the month pages (and what the
    cache keeps of them) are few whatever visitors ask for."""
    first, zone = responses.derived(pageversion.current(), "first-shown-month", _first_shown_month)
    return first, timezone.localdate(timezone=zone).replace(day=1)


def canonical_month(value: str) -> str:
    """`month` as the month pages spell it (2026-03), "" for none; Http404 for anything that is
    not a month with a page."""
    if not value:
        return ""
    match = _MONTH.fullmatch(value)
    if match is None:
        raise Http404("month must look like 2026-03")
    year, month = int(match.group(1)), int(match.group(2))
    try:
        asked = date(year, month, 1)
    except ValueError as exc:
        raise Http404("month must look like 2026-03") from exc
    first, last = shown_months()
    if not first <= asked <= last:
        raise Http404("there is no page for that month")
    return f"{year:04d}-{month:02d}"


def month_from_query(value: str | None, today: date) -> date:
    """The month a month page shows: `value` is canonical (see canonical_month)."""
    if not value:
        return today.replace(day=1)
    year, month = (int(part) for part in value.split("-"))
    return date(year, month, 1)


@require_safe
@cached(params={"month": canonical_month})
def history_page(request: HttpRequest) -> HttpResponse:
    """One month of incidents and maintenance, newest first, with links to the neighbours."""
    page = Page.get()
    zone = page.zone
    today = timezone.localdate(timezone=zone)
    month = month_from_query(request.GET.get("month"), today)
    start = datetime.combine(month, datetime.min.time(), tzinfo=zone)
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    end = start + timedelta(days=days_in_month)
    incidents = list(
        Incident.objects.published()
        .filter(created_at__gte=start, created_at__lt=end)
        .with_details()
    )
    oldest = (
        Incident.objects.published()
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    earlier = month - timedelta(days=1)
    later = (month + timedelta(days=days_in_month)).replace(day=1)
    response = TemplateResponse(
        request,
        "public/history_page.html",
        {
            **page_context(page),
            "month": month,
            "incidents": incidents,
            "earlier": earlier.replace(day=1)
            if oldest and timezone.localdate(oldest, zone) <= earlier
            else None,
            "later": later if later <= today else None,
        },
    )
    response["Last-Modified"] = http_date(page.updated_at.timestamp())
    response["Expires"] = http_date(next_midnight(zone))
    return response


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages without an icon link (the admin, the API
    docs): the page's icon, so no page logs a 404."""
    response = HttpResponsePermanentRedirect(static("favicon.svg"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


@never_cache
def set_language(request: HttpRequest, language: str) -> HttpResponse:
    """Switch the page's language with a plain link (no form, so cached pages carry no token)."""
    if language not in dict(settings.LANGUAGES):
        raise Http404("unknown language")
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.HTTPS,
    )
    return response

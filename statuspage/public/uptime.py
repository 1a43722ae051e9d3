"""/uptime: each component's uptime month by month, as Statuspage counts it and as an SLA that
also counts maintenance as down. Read from the daily aggregates, once per page version."""

from __future__ import annotations

import calendar
from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from statuspage.public.views import (
    canonical_month,
    month_from_query,
    next_midnight,
    page_context,
    page_rows,
)
from statuspage.readpath.cache import cached
from statuspage.status import uptime
from statuspage.status.models import Component, Page


@require_safe
@cached(params={"month": canonical_month})
def uptime_page(request: HttpRequest) -> HttpResponse:
    page = Page.get()
    zone = page.zone
    today = timezone.localdate(timezone=zone)
    month = month_from_query(request.GET.get("month"), today)
    components = list(Component.objects.select_related("group"))
    totals = uptime.month_totals(components, month)
    first_counted = min((c.counted_from(zone) for c in components), default=today)
    earlier = (month - timedelta(days=1)).replace(day=1)
    later = month + timedelta(days=calendar.monthrange(month.year, month.month)[1])
    response = TemplateResponse(
        request,
        "public/uptime_page.html",
        {
            **page_context(page, components),
            "month": month,
            "rows": [
                (row, [(c, totals[c.pk]) for c in row.components]) for row in page_rows(components)
            ],
            "earlier": earlier if earlier >= first_counted.replace(day=1) else None,
            "later": later if later <= today else None,
        },
    )
    response["Last-Modified"] = http_date(page.updated_at.timestamp())
    response["Expires"] = http_date(next_midnight(zone))  # the current month grows every day
    return response


urlpatterns = [path("uptime", uptime_page, name="uptime")]

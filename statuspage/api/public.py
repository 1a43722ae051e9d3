"""Statuspage's public API, `/api/v2/*.json`: what widgets, exporters and bots read.

Every view is served from the page-version response cache, like the HTML page: it is rendered
once per change, in the default language, and an unchanged page costs no database query. Lists
of incidents and maintenance hold at most the 50 most recent, newest first, as Statuspage's do.
Announcements are incidents here (their impact is none).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from statuspage.readpath.cache import cached
from statuspage.shapes.objects import (
    ComponentSerializer,
    IncidentSerializer,
    MaintenanceSerializer,
    PageSerializer,
    rows_with_groups,
    status_object,
)
from statuspage.status.models import Incident, IncidentStatus, Page
from statuspage.status.rollup import current_indicator

LIST_LIMIT = 50
S = IncidentStatus


def _respond(page: Page, **sections: object) -> JsonResponse:
    body = {"page": PageSerializer(page, context={"page": page}).data, **sections}
    response = JsonResponse(
        body,
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    response["Last-Modified"] = http_date(page.updated_at.timestamp())
    return response


def _components(page: Page, rows: list) -> Any:
    return ComponentSerializer(rows, many=True, context={"page": page}).data


def _incidents(page: Page, incidents: Iterable[Incident]) -> Any:
    return IncidentSerializer(incidents, many=True, context={"page": page}).data


def _maintenances(page: Page, maintenances: Iterable[Incident]) -> Any:
    return MaintenanceSerializer(maintenances, many=True, context={"page": page}).data


def _public_incidents():
    return Incident.objects.public_incidents().with_details()


def _maintenance():
    return Incident.objects.maintenances().with_details()


@require_safe
@cached(per_language=False)
def summary(request: HttpRequest) -> JsonResponse:
    page = Page.get()
    unresolved = _public_incidents().open()
    maintenance = _maintenance().filter(status__in=(S.SCHEDULED, S.IN_PROGRESS, S.VERIFYING))
    return _respond(
        page,
        components=_components(page, rows_with_groups()),
        incidents=_incidents(page, unresolved),
        scheduled_maintenances=_maintenances(page, maintenance),
        status=status_object(current_indicator()),
    )


@require_safe
@cached(per_language=False)
def status(request: HttpRequest) -> JsonResponse:
    page = Page.get()
    return _respond(page, status=status_object(current_indicator()))


@require_safe
@cached(per_language=False)
def components(request: HttpRequest) -> JsonResponse:
    page = Page.get()
    return _respond(page, components=_components(page, rows_with_groups()))


@require_safe
@cached(per_language=False)
def incidents(request: HttpRequest) -> JsonResponse:
    page = Page.get()
    return _respond(page, incidents=_incidents(page, _public_incidents()[:LIST_LIMIT]))


@require_safe
@cached(per_language=False)
def unresolved_incidents(request: HttpRequest) -> JsonResponse:
    page = Page.get()
    return _respond(page, incidents=_incidents(page, _public_incidents().open()[:LIST_LIMIT]))


@require_safe
@cached(per_language=False)
def resolved_incidents(request: HttpRequest) -> JsonResponse:
    page = Page.get()
    resolved = _public_incidents().filter(status__in=(S.RESOLVED, S.POSTMORTEM))
    return _respond(page, incidents=_incidents(page, resolved[:LIST_LIMIT]))


@require_safe
@cached(per_language=False)
def scheduled_maintenances(request: HttpRequest) -> JsonResponse:
    page = Page.get()
    return _respond(page, scheduled_maintenances=_maintenances(page, _maintenance()[:LIST_LIMIT]))


@require_safe
@cached(per_language=False)
def upcoming_maintenances(request: HttpRequest) -> JsonResponse:
    page = Page.get()
    upcoming = _maintenance().filter(status=S.SCHEDULED)
    return _respond(page, scheduled_maintenances=_maintenances(page, upcoming[:LIST_LIMIT]))


@require_safe
@cached(per_language=False)
def active_maintenances(request: HttpRequest) -> JsonResponse:
    page = Page.get()
    active = _maintenance().filter(status__in=(S.IN_PROGRESS, S.VERIFYING))
    return _respond(page, scheduled_maintenances=_maintenances(page, active[:LIST_LIMIT]))

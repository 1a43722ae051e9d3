"""The operator's console reads and writes times in the page's time zone.

Visitors read times in the page's zone (Page.time_zone); an operator who types 15:30 into the
console means 15:30 there, not in the server's UTC. So every admin request runs with that zone
activated: forms read typed times in it (and store UTC), lists, history and read-only fields
show it, and Django's own "you are N hours ahead of server time" hint compares the browser's
clock with it (the `data-admin-utc-offset` the admin renders is the active zone's).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from statuspage.status.models import Page


def page_zone() -> zoneinfo.ZoneInfo:
    """The page's zone: one single-row query, no more (the page row is not loaded whole)."""
    name = Page.objects.values_list("time_zone", flat=True).first()
    try:
        return zoneinfo.ZoneInfo(name or Page._meta.get_field("time_zone").get_default())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")  # a zone the model's validator would have refused


class PageTimeZone:
    """Activates the page's time zone for the admin's requests, and only for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._prefix: str | None = None

    @property
    def prefix(self) -> str:
        if self._prefix is None:  # the URLconf is not loaded yet when middleware is built
            self._prefix = reverse("admin:index")
        return self._prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(self.prefix):
            return self.get_response(request)
        timezone.activate(page_zone())
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # the thread's next request may be a visitor's

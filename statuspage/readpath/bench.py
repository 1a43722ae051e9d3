"""The read-path benchmark's ceiling (bench/read_path.py), present only with BENCH_ENDPOINTS.

A view that returns constant bytes through the whole middleware stack: what this server can do
when a page costs nothing to produce. The cached pages are measured against it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

SIZES = {"small": 1024, "page": 30 * 1024}


def constant(request: HttpRequest) -> HttpResponse:
    size = min(int(request.GET.get("bytes", SIZES["page"])), 1024 * 1024)
    return HttpResponse(b"x" * size, content_type="text/html; charset=utf-8")


urlpatterns = [path("_bench/constant", constant)] if settings.BENCH_ENDPOINTS else []

"""`/healthz`: can this process reach its database, its cache and its broker?

For load balancers and uptime monitors: 200 when all three answer, 503 naming what does not.
Never cached, and cheap: one query, one PING each.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache

from statuspage.celery import app as celery_app
from statuspage.lib.redis import redis_client


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    redis_client().ping()


def _broker() -> None:
    with celery_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database, "cache": _cache, "broker": _broker}
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # any failure is the answer, not an error page
            results[name] = f"error: {type(exc).__name__}: {exc}"[:300]
        else:
            results[name] = "ok"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)


urlpatterns = [path("healthz", healthz, name="healthz")]

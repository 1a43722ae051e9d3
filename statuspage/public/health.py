"""`/healthz`: can this process reach its database, its cache and its broker?

For load balancers and uptime monitors: 200 when all three answer, 503 naming what does not,
each as "ok" or "down" and nothing more: an error's text names hosts and users, so only a
signed-in operator sees it. Never cached, and cheap: one query, one PING each.
"""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache

from statuspage.celery import app as celery_app
from statuspage.lib.redis import redis_client
from statuspage.readpath.cache import cache_redis

log = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    redis_client().ping()  # the page version and rate limits
    cache_redis().ping()  # rendered pages


def _broker() -> None:
    with celery_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def is_operator(request: HttpRequest) -> bool:
    """A signed-in superuser, or staff in the Operator group. False when that cannot be known
    (the sessions live in the database, which may be the thing that is down)."""
    try:
        user = request.user
        return user.is_active and (
            user.is_superuser or (user.is_staff and user.groups.filter(name="Operator").exists())
        )
    except Exception:  # whatever stops us knowing, the answer is "not shown"
        return False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database, "cache": _cache, "broker": _broker}
    results: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # any failure is the answer, not an error page
            results[name] = "down"
            errors[name] = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("healthz: %s is down: %s", name, errors[name])
        else:
            results[name] = "ok"
    if errors and is_operator(request):
        results["errors"] = errors
    return JsonResponse(results, status=503 if errors else 200)


urlpatterns = [path("healthz", healthz, name="healthz")]

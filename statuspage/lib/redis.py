"""The project's Redis connection for raw keys (the page version, cached responses, locks).

Celery and Django's cache have their own; this one has short timeouts, because every caller
has somewhere else to go when Redis does not answer.
"""

from __future__ import annotations

import redis
from django.conf import settings

_client: redis.Redis | None = None


def redis_client() -> redis.Redis:
    """One connection pool per process."""
    global _client
    if _client is None:
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
    return _client

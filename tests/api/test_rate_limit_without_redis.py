"""With Redis down the management API still takes writes: the rate limit fails open (and says
so in the log) instead of answering 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from statuspage.lib.embedded_redis import EmbeddedRedis


@pytest.fixture
def cache_redis(tmp_path, settings) -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own behind the cache, so the test can stop it."""
    server = EmbeddedRedis(tmp_path / "cache.sock").start()
    # Through pytest-django's `settings`, so it is undone in order with the test's own changes.
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    yield server
    server.stop()


def test_the_limit_counts_while_redis_is_up(api, cache_redis, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    assert api.get("components").status_code == 200
    assert api.get("components").status_code == 429


def test_writes_succeed_while_redis_is_down(api, components, cache_redis, settings, caplog):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    cache.set("up", 1)
    cache_redis.stop()

    with caplog.at_level(logging.WARNING, logger="statuspage.api.throttling"):
        created = api.post(
            "incidents",
            {"incident": {"name": "Credit checks slow", "body": "Looking into it."}},
        )
        credit = f"components/{components['credit'].pk}"
        patched = api.patch(credit, {"component": {"status": "degraded_performance"}})

    assert created.status_code == 201
    assert patched.status_code == 200
    assert "rate limit not enforced" in caplog.text

"""Render on write in a real Celery worker process: rendering the pages leaves the worker's
logging as it was, so a task that fails afterwards is still logged."""

from __future__ import annotations

import time

import pytest

from statuspage.celery import app as celery_app
from statuspage.lib.redis import redis_client
from statuspage.readpath import tasks
from statuspage.readpath.cache import cache_redis

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def wait_until(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_task_failing_after_a_render_is_still_logged(components, start_worker):
    worker = start_worker(concurrency=1, LOG_LEVEL="INFO")  # one child: it renders, then fails
    redis = redis_client()
    celery_app.send_task(tasks.render_pages.name)
    wait_until(
        lambda: cache_redis().keys("sp:last:*") and not redis.exists(tasks.LOCK), "the render"
    )

    celery_app.send_task(tasks.render_pages.name, args=["an argument it does not take"])
    wait_until(lambda: "TypeError" in worker.log.read_text(errors="replace"), "the failure's log")

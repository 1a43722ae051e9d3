"""Render on write: one worker renders the new version of the public read path (and publishes
it as static files when PUBLISH_DIR is set). A burst of writes coalesces into at most one render
running and one more queued behind it."""

from __future__ import annotations

import time
from pathlib import Path

from celery import shared_task
from django.conf import settings

from statuspage.lib.redis import redis_client
from statuspage.readpath import publish
from statuspage.status import pageversion

LOCK = "sp:render-lock"
AGAIN = "sp:render-again"


@shared_task
def render_pages() -> int | None:
    client = redis_client()
    lock = client.lock(LOCK, timeout=300, blocking=False)
    if not lock.acquire():
        client.set(AGAIN, 1, ex=300)  # the running render does one more pass for us
        return None
    try:
        version = None
        for _ in range(3):
            client.delete(AGAIN)
            version = publish.render_and_publish()
            if not client.get(AGAIN):
                break
        return version
    finally:
        lock.release()


@shared_task
def keep_published() -> int | None:
    """Beat's repair: republish when PUBLISH_DIR lags behind (a lost message, a restart) or
    what it holds has expired with no write (see publish.published_until), and retry the
    PUBLISH_TARGETS that failed once their back-off has passed; on the targets that are up to
    date, move the manifest's `checked_at` on (the pages' freshness heartbeat)."""
    if not settings.PUBLISH_DIR and not settings.PUBLISH_TARGETS:
        return None
    version = pageversion.reconcile()
    if settings.PUBLISH_DIR:
        directory = Path(settings.PUBLISH_DIR)
        until = publish.published_until(directory)
        if (until is not None and until <= time.time()) or publish.published_version(
            directory
        ) < version:
            return render_pages()
    if settings.PUBLISH_TARGETS:
        from statuspage.readpath import offsite

        if offsite.lagging(version):
            offsite.publish_version(version, retrying=True)
            return version
        offsite.confirm(version)  # the published pages' "still current" heartbeat
    return None

"""The page version: one number that changes whenever anything visible on the page changes.

Every write bumps `Page.version` inside its transaction. After the commit the new number is
published to Redis ("set if greater", so two writers committing close together cannot leave the
older number behind). Readers key every rendered response by it, and look it up in Redis at
most once per `PAGE_VERSION_RECHECK_SECONDS` per process, so an unchanged page costs no
database query and almost no Redis traffic. If Redis is unreachable readers fall back to the
database; the page stays up.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from statuspage.lib.redis import redis_client
from statuspage.status import signals
from statuspage.status.models import Page

log = logging.getLogger(__name__)

VERSION_KEY = "sp:page-version"
_SET_IF_GREATER = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local proposed = tonumber(ARGV[1])
if proposed > current then redis.call('SET', KEYS[1], ARGV[1]) return proposed end
return current
"""

_lock = threading.Lock()
_known: tuple[int, float] | None = None  # (version, monotonic time it was checked)


def bump() -> None:
    """Move the page to a new version. Call inside the transaction that changes the page.

    The new number becomes visible to readers only once the transaction commits, so a
    rolled-back write can never be cached under a version a later write will reuse.
    """
    Page.objects.update(version=F("version") + 1, updated_at=timezone.now())
    version = Page.objects.values_list("version", flat=True).get()
    transaction.on_commit(lambda: _committed(version))


def _committed(version: int) -> None:
    publish(version)
    signals.page_changed.send(sender=Page, version=version)


def publish(version: int) -> int:
    """Tell every process about `version` (ignored if a newer one is already known)."""
    global _known
    try:
        version = int(redis_client().eval(_SET_IF_GREATER, 1, VERSION_KEY, version))
    except redis.RedisError as exc:
        log.warning("page version %s not published to Redis: %s", version, exc)
    with _lock:
        if _known is None or version >= _known[0]:
            _known = (version, time.monotonic())
    return version


def current() -> int:
    """The version readers should serve, rechecked at most once per recheck interval."""
    global _known
    known = _known
    now = time.monotonic()
    if known is not None and now - known[1] < settings.PAGE_VERSION_RECHECK_SECONDS:
        return known[0]
    try:
        raw = redis_client().get(VERSION_KEY)
    except redis.RedisError:
        raw = None
        version = Page.get().version
    else:
        version = int(raw) if raw is not None else publish(Page.get().version)
    with _lock:
        _known = (version, now)
    return version


def forget() -> None:
    """Drop this process's memory of the version (tests; after a fork)."""
    global _known
    _known = None


def reconcile() -> int:
    """Publish the database's version: repairs a publish that Redis missed. Run by beat."""
    return publish(Page.get().version)

"""Page views per minute, counted without adding work to a request (issue 13: a surge of
visitors is a signal).

Each process counts in one integer (`COUNTER.hits += 1`: the fast path's whole cost); a daemon
thread per process moves the count to Redis at most once a second (INCRBY on the minute's key,
kept two hours). The thread is started by the Django side of the read path (`count()`), never
by the fast path: every process's first request for a page goes through Django, and a forked
worker starts its own. What is counted: every public response served from the read path's
cache (pages, the public JSON, feeds), through the fast path or through Django; render on
write's own requests (marked INTERNAL in their environ) are not. Counts are
approximate (a lost increment between threads, a second lost if Redis is away): they are a
signal, not an invoice.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from statuspage.lib.redis import redis_client

log = logging.getLogger(__name__)
KEY = "sp:views:{minute}"
INTERNAL = "statuspage.internal"  # in the WSGI environ of our own renders: not counted
KEEP_SECONDS = 2 * 3600
FLUSH_SECONDS = 1.0


class Counter:
    __slots__ = ("hits",)

    def __init__(self) -> None:
        self.hits = 0


COUNTER = Counter()
_flusher_pid = 0
_start_lock = threading.Lock()


def minute_of(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // 60)


def key(minute: int) -> str:
    return KEY.format(minute=minute)


def flush() -> int:
    """Move this process's count to Redis; returns how many views were moved."""
    hits = COUNTER.hits
    if not hits:
        return 0
    COUNTER.hits -= hits
    name = key(minute_of())
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.incrby(name, hits)
        pipe.expire(name, KEEP_SECONDS)
        pipe.execute()
    except Exception:  # Redis away: these views are not counted, the page is unaffected
        log.debug("page views not flushed", exc_info=True)
        return 0
    return hits


def _flush_forever() -> None:
    while True:
        time.sleep(FLUSH_SECONDS)
        flush()


def ensure_flusher() -> None:
    """Start this process's flushing thread, once (again in a forked child)."""
    global _flusher_pid
    pid = os.getpid()
    if _flusher_pid == pid:
        return
    with _start_lock:
        if _flusher_pid == pid:
            return
        threading.Thread(target=_flush_forever, name="views-counter", daemon=True).start()
        _flusher_pid = pid


def count() -> None:
    """One view, on the Django side of the read path."""
    COUNTER.hits += 1
    ensure_flusher()


def per_minute(first: int, last: int) -> list[int]:
    """Views in each minute from `first` to `last` (inclusive), 0 where none were counted."""
    names = [key(m) for m in range(first, last + 1)]
    values = redis_client().mget(names)
    return [int(v) if v else 0 for v in values]


def recent(minutes: int = 5) -> list[int]:
    """The last `minutes` complete minutes, oldest first; [] if Redis cannot be read."""
    now = minute_of()
    try:
        return per_minute(now - minutes, now - 1)
    except Exception:
        log.debug("page views not read", exc_info=True)
        return []

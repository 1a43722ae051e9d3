"""Timestamps as Statuspage writes them: ISO 8601 with milliseconds, in the page's offset
(`2026-03-02T18:05:12.090+08:00`). The public API, the management API and webhook payloads
all use this one function."""

from __future__ import annotations

from datetime import datetime, tzinfo


def statuspage_time(moment: datetime | None, zone: tzinfo) -> str | None:
    return moment.astimezone(zone).isoformat(timespec="milliseconds") if moment else None

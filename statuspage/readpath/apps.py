from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class ReadPathConfig(AppConfig):
    name = "statuspage.readpath"
    label = "readpath"

    def ready(self) -> None:
        from statuspage.status import signals

        signals.page_changed.connect(_render_on_write, dispatch_uid="render-on-write")
        checks.register(publish_dir_is_servable)


def publish_dir_is_servable(**kwargs: Any) -> list[checks.CheckMessage]:
    """RUN_DIR is private to the service (0700): a web server running as another user cannot
    enter it, so files published inside it are never served and every request falls through
    to the application."""
    if not settings.PUBLISH_DIR:
        return []
    published = Path(settings.PUBLISH_DIR).resolve()
    if not published.is_relative_to(settings.RUN_DIR):
        return []
    return [
        checks.Warning(
            f"PUBLISH_DIR ({published}) is inside RUN_DIR ({settings.RUN_DIR}), which only the "
            "service's own user may enter: nginx running as another user cannot serve it.",
            hint="Publish to a directory of its own, readable by the web server, e.g. "
            "/var/www/statuspage.",
            id="readpath.W001",
        )
    ]


def _render_on_write(sender, version: int, **kwargs) -> None:
    from statuspage.celery import enqueue
    from statuspage.readpath import tasks

    enqueue(tasks.render_pages)

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


class ReadPathConfig(AppConfig):
    name = "statuspage.readpath"
    label = "readpath"
    verbose_name = _("Publishing")

    def ready(self) -> None:
        from statuspage.status import signals

        signals.page_changed.connect(_render_on_write, dispatch_uid="render-on-write")
        checks.register(publish_dir_is_servable)
        checks.register(publish_targets_are_safe)


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


def publish_targets_are_safe(**kwargs: Any) -> list[checks.CheckMessage]:
    """An s3:// target reached over plain http sends its credentials' signatures and the page
    in the clear (fine for MinIO on the same machine, not across a network); a file:// target
    inside RUN_DIR cannot be read by another user's server."""
    from urllib.parse import urlsplit

    found: list[checks.CheckMessage] = []
    for target in settings.PUBLISH_TARGETS:
        endpoint = urlsplit(target.options.get("endpoint_url", ""))
        if endpoint.scheme == "http" and endpoint.hostname not in ("127.0.0.1", "localhost", "::1"):
            found.append(
                checks.Warning(
                    f"PUBLISH_TARGETS: {target.name} is reached over plain http.",
                    hint="Use the store's https endpoint.",
                    id="readpath.W002",
                )
            )
        if target.scheme == "file" and Path(target.location).resolve().is_relative_to(
            settings.RUN_DIR
        ):
            found.append(
                checks.Warning(
                    f"PUBLISH_TARGETS: {target.location} is inside RUN_DIR ({settings.RUN_DIR}), "
                    "which only the service's own user may enter.",
                    hint="Publish to a directory of its own.",
                    id="readpath.W003",
                )
            )
    return found


def _render_on_write(sender, version: int, **kwargs) -> None:
    from statuspage.celery import enqueue
    from statuspage.readpath import tasks

    enqueue(tasks.render_pages)

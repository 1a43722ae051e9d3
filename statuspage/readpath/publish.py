"""Render on write, and publish the public read path as static files.

After every change a worker renders the public pages (both languages), the /api/v2 JSON and the
feeds once, through the same Django stack a visitor's request takes, so the response cache holds
the new version before the first visitor asks. With PUBLISH_DIR set, the same bytes (with .gz and
.br siblings) are written there for a web server to serve directly (see deploy/nginx.conf), and
PURGE_URL, if set, is told which paths changed so a CDN can drop them.

Every file is written to a temporary name in the same directory and renamed into place, so a
reader (nginx) sees the old file or the new one, never half of one, even if the worker dies
mid-publish. A newer version is never overwritten by an older one.
"""

from __future__ import annotations

import fcntl
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.urls import reverse
from django.utils import timezone

from statuspage.lib import outbound
from statuspage.lib.atomic_files import write_atomically
from statuspage.readpath import views_counter
from statuspage.readpath.cache import CacheAnswer, CachedResponse
from statuspage.status import pageversion
from statuspage.status.models import Incident, IncidentKind

log = logging.getLogger(__name__)

VERSION_FILE = "version.json"
INCIDENT_PAGE = "incident-page"  # the URL name of an incident's page


@dataclass(frozen=True)
class Published:
    """A route render on write renders after every change: a URL name (or the view, for a route
    without one) with its arguments, and whether it is rendered once per language. The root
    URLconf lists them as `published`, so this package needs to know no public URL."""

    view: str | Callable
    per_language: bool = False
    kwargs: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return reverse(self.view, kwargs=self.kwargs)


def paths() -> list[tuple[str, bool]]:
    """(path, per language): what the front page links to and what clients poll, plus the page
    of every incident the front page can link to."""
    published: list[Published] = import_module(settings.ROOT_URLCONF).published
    fixed = [(entry.path, entry.per_language) for entry in published]
    recent = timezone.now() - timedelta(days=8)
    incidents = (
        Incident.objects.published()
        .exclude(kind=IncidentKind.ANNOUNCEMENT)
        .filter(created_at__gte=recent)
        | Incident.objects.open()
    )
    return fixed + [
        (reverse(INCIDENT_PAGE, kwargs={"incident_id": pk}), True)
        for pk in incidents.values_list("pk", flat=True)
    ]


def file_name(path: str, language: str | None) -> str:
    """Where `path` lives under PUBLISH_DIR: `/` → index.en.html, `/incidents/x` →
    incidents/x.en.html; language-neutral paths keep their own name."""
    if language is None:
        return path.lstrip("/")
    stem = path.strip("/") or "index"
    return f"{stem}.{language}.html"


_handler: WSGIHandler | None = None


def _django() -> WSGIHandler:
    """Django's WSGI application for this process, made without django.setup(): a worker is
    set up already, and setting up again would configure logging again, after Celery
    redirected the worker's output, and silence every later log line."""
    global _handler
    if _handler is None:
        _handler = WSGIHandler()
    return _handler


def get(path: str, language: str | None) -> CachedResponse | None:
    """One GET through the whole Django stack, as a visitor's would go."""
    host = urlsplit(settings.PUBLIC_URL)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": host.hostname or "127.0.0.1",
        "SERVER_PORT": str(host.port or (443 if host.scheme == "https" else 80)),
        "HTTP_HOST": host.netloc,
        "wsgi.url_scheme": host.scheme,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "SERVER_PROTOCOL": "HTTP/1.1",
        views_counter.INTERNAL: True,  # our own render, not a visitor's view
    }
    if language is not None:
        environ["HTTP_ACCEPT_LANGUAGE"] = language
        environ["HTTP_COOKIE"] = f"{settings.LANGUAGE_COOKIE_NAME}={language}"
    response = _django()(environ, _ignore_start_response)
    try:
        rendered = response.rendered if isinstance(response, CacheAnswer) else None
    finally:
        response.close()
    if rendered is not None and rendered.stale:
        raise NotRendered(f"{path} could not be rendered (the database is unreachable?)")
    return rendered if rendered is not None and rendered.status == 200 else None


def _ignore_start_response(
    status: str, headers: list[tuple[str, str]], exc_info: object = None
) -> Callable[[bytes], object]:
    """`get` reads the answer from the response object itself."""
    return lambda data: None


class NotRendered(Exception):
    """A page of the new version could not be rendered: nothing is published, so the files
    keep the version before it (and keep_published tries again)."""


Rendered = dict[tuple[str, str | None], CachedResponse]  # (path, language or None) → response


def render_each() -> Rendered:
    """Render every published path in every language; fills the response cache as it goes."""
    languages: list[str | None] = [code for code, _name in settings.LANGUAGES]
    rendered: Rendered = {}
    for path, per_language in paths():
        for language in languages if per_language else [None]:
            result = get(path, language)
            if result is not None:
                rendered[path, language] = result
    return rendered


def render_all(each: Rendered | None = None) -> dict[str, CachedResponse]:
    """What render_each renders, by file name under PUBLISH_DIR."""
    each = render_each() if each is None else each
    return {file_name(path, language): item for (path, language), item in each.items()}


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((directory / VERSION_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def published_version(directory: Path) -> int:
    try:
        return int(_manifest(directory)["version"])
    except (KeyError, TypeError, ValueError):
        return 0


def published_until(directory: Path) -> float | None:
    """When the published files stop telling the truth without any write: the first Expires
    among them (midnight moves "the past 7 days"; a promised recovery or next update passes
    and turns into "being reassessed" or "late"). None: not before the next write."""
    value = _manifest(directory).get("fresh_until")
    return float(value) if isinstance(value, int | float) else None


def write(directory: Path, rendered: dict[str, CachedResponse], version: int) -> list[str]:
    """Write the files of `version` (and their .gz and .br) unless a newer one is there.

    Incident pages that are no longer published are removed, so the web server falls back to
    the application for them instead of serving a stale copy. Returns the names written.
    """
    with _locked(directory):
        # Leftovers of a writer that died mid-file: nobody else writes while we hold the lock.
        for leftover in directory.rglob(".tmp-*"):
            leftover.unlink(missing_ok=True)
        if published_version(directory) > version:
            return []
        for name, item in rendered.items():
            target = directory / name
            write_atomically(target, item.body)
            write_atomically(target.with_name(target.name + ".gz"), item.gzip)
            write_atomically(target.with_name(target.name + ".br"), item.br)
        incidents = directory / "incidents"
        if incidents.is_dir():
            keep = {n.removeprefix("incidents/") for n in rendered if n.startswith("incidents/")}
            for stale in incidents.iterdir():
                if stale.name.removesuffix(".gz").removesuffix(".br") not in keep:
                    stale.unlink(missing_ok=True)
        expiries = [item.fresh_until for item in rendered.values() if item.fresh_until]
        manifest = {
            "version": version,
            "files": sorted(rendered),
            "fresh_until": min(expiries) if expiries else None,
        }
        write_atomically(directory / VERSION_FILE, json.dumps(manifest).encode())
    return sorted(rendered)


def render_and_publish() -> int:
    """What a worker does after each change. Returns the version it rendered."""
    pageversion.forget()  # this process may remember an older version for a moment
    version = pageversion.current()
    started = time.monotonic()
    each = render_each()
    log.info("version %s rendered in %.2f s", version, time.monotonic() - started)
    rendered = render_all(each)
    if settings.PUBLISH_DIR:
        names = write(Path(settings.PUBLISH_DIR), rendered, version)
        if names and settings.PURGE_URL:
            _purge(version, names)
    if settings.PUBLISH_TARGETS:
        from statuspage.readpath import offsite

        offsite.publish_version(version, each)
    return version


def _purge(version: int, names: list[str]) -> None:
    body = json.dumps({"version": version, "paths": names, "base": settings.PUBLIC_URL}).encode()
    request = outbound.Request(settings.PURGE_URL, body, {"Content-Type": "application/json"})
    try:
        # The operator chose this URL (often a cache on the same network), so it may be private.
        response = outbound.post_once(request, timeout=10, allow_private=True)
    except Exception as exc:  # a CDN outage must not stop publishing
        log.warning("purge hook %s failed: %s", settings.PURGE_URL, exc)
        return
    if not 200 <= response.status < 300:
        log.warning("purge hook %s answered %s", settings.PURGE_URL, response.status)

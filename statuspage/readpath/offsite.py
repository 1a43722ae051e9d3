"""Publish the public site off-site: to every target in PUBLISH_TARGETS (targets.py).

What is published is a complete site that works with no application behind it: every public
page in both languages (the default language at `/`, the other under its own prefix, `/en/`,
with the language links and the page-to-page links pointing at the published copies), the
/api/v2 JSON, feeds, the widget (script and JSON), badges, and the static CSS, JS and images.
Links to pages that are not published (subscribing) point at PUBLIC_URL, the application.

Each target is published on its own, all of them at once (at most PUBLISH_CONCURRENCY), in an
order that keeps every moment consistent: assets first, pages and JSON next, the version
manifest last. A target whose manifest names a newer version is left alone, and the manifest
is written only if nobody changed it meanwhile (a conditional write), so a slow publisher of
an older version cannot take the target back. One publisher at a time per target (a Redis lock)
keeps two publishers' pages from interleaving.

The manifest lists every object with a fingerprint of what was stored, so the next publish
uploads only what changed (a change typically touches the pages and JSON, not the assets or
most badges); a publish that did not finish leaves a mark in Redis that makes the next one
upload everything.

A target that fails is recorded (PublishTarget, shown in the admin with its last error) and
skipped by the publishes that follow each change: the sweeper (tasks.keep_published) retries it
after a back-off until it succeeds, so a bucket that is down never delays the others. Only the
publish that finds it down waits for it, at most its timeout, while the others upload.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import html
import json
import logging
import mimetypes
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import brotli
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from statuspage.lib.redis import redis_client
from statuspage.readpath import publish
from statuspage.readpath.cache import CachedResponse, cache_control
from statuspage.readpath.models import PublishTarget
from statuspage.readpath.targets import (
    Conflict,
    Manifest,
    SiteObject,
    Target,
    Writer,
    writer,
)
from statuspage.status.models import Component

log = logging.getLogger(__name__)

ASSET_CACHE_CONTROL = "public, max-age=3600"
MANIFEST_CACHE_CONTROL = "no-cache"
LOCK_PREFIX = "sp:publish-lock:"
DIRTY_PREFIX = "sp:publish-unfinished:"  # set while a publish to a target is under way
LOCK_SECONDS = 300
UPLOADS_PER_TARGET = 16  # objects in flight at once to one target
RETRY_AT_MOST = timedelta(minutes=15)
COMPRESSIBLE = re.compile(
    r"^(text/|application/(json|javascript|xml|atom\+xml|rss\+xml)|image/svg)"
)


@dataclass(frozen=True)
class Site:
    version: int
    assets: list[SiteObject]
    pages: list[SiteObject]

    def manifest(self, compress: bool) -> bytes:
        now = timezone.now().isoformat(timespec="seconds")
        return json.dumps(
            {
                "version": self.version,
                "published_at": now,
                "checked_at": now,
                "stale_after_seconds": settings.PUBLISH_STALE_MINUTES * 60,
                "compress": compress,
                "objects": {o.key: o.fingerprint for o in self.assets + self.pages},
            }
        ).encode()


# What is published ----------------------------------------------------------------------------


def language_prefix(language: str) -> str:
    return "" if language == settings.LANGUAGE_CODE else f"/{language}"


def address(path: str, language: str | None) -> str:
    """Where a page lives on the published site: /history in the default language, /en/history
    in the other."""
    if language is None:
        return path
    prefix = language_prefix(language)
    return prefix + path if path != "/" else prefix + "/"


def key_of(path: str, language: str | None) -> str:
    """The object key of a page: `/` → index.html, `/en/` → en/index.html, /en/history →
    en/history (served as text/html by its Content-Type, as the website endpoint expects)."""
    where = address(path, language).lstrip("/")
    return where + "index.html" if where == "" or where.endswith("/") else where


_HREF = re.compile(rb'href="([^"]*)"')
_SWITCH = re.compile(r"^/language/([\w-]+)/\?next=(.*)$")


def static_links(body: bytes, language: str, pages: set[str], neutral: set[str]) -> bytes:
    """Point a page's links at the published site: the language switch at the page in the other
    language, links between pages at this language's copies, links to what is not published at
    the application (PUBLIC_URL)."""

    def rewrite(match: re.Match) -> bytes:
        href = html.unescape(match.group(1).decode())
        switch = _SWITCH.match(href)
        if switch:
            code, target = switch.group(1), unquote(switch.group(2))
            new = address(target if target in pages else "/", code)
        elif href.startswith("/") and not href.startswith("//"):
            path = re.split(r"[?#]", href, maxsplit=1)[0]
            rest = href[len(path) :]
            if path in pages and not rest.startswith("?"):
                new = address(path, language) + rest
            elif path in neutral or path.startswith(settings.STATIC_URL):
                new = href
            else:
                new = settings.PUBLIC_URL + href
        else:
            return match.group(0)
        return b'href="' + html.escape(new).encode() + b'"'

    # Mark the page as an off-site copy: only a copy asks its manifest whether it is stale
    # (served by the application, or by nginx beside it, the page is live by definition).
    body = body.replace(b"data-published-at=", b"data-published-copy data-published-at=", 1)
    return _HREF.sub(rewrite, body)


def _object(key: str, rendered: CachedResponse, cache: str) -> SiteObject:
    compressible = bool(COMPRESSIBLE.match(rendered.content_type))
    return SiteObject(
        key=key,
        body=rendered.body,
        content_type=rendered.content_type,
        cache_control=cache,
        gzip=rendered.gzip if compressible else None,
        br=rendered.br if compressible else None,
    )


def _asset(key: str, body: bytes) -> SiteObject:
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type == "application/javascript":
        if content_type == "application/javascript":
            content_type = "text/javascript"
        content_type += "; charset=utf-8"
    compressible = bool(COMPRESSIBLE.match(content_type))
    return SiteObject(
        key=key,
        body=body,
        content_type=content_type,
        cache_control=ASSET_CACHE_CONTROL,
        gzip=gzip.compress(body, compresslevel=9, mtime=0) if compressible else None,
        br=brotli.compress(body, quality=11) if compressible else None,
    )


_assets: dict[tuple[str, float, int], SiteObject] = {}  # (key, mtime, size) → object


def assets() -> list[SiteObject]:
    """The project's static files (CSS, JS, images, the favicon if there is one), as the
    application serves them under STATIC_URL; compressed once per process and file version."""
    found: list[SiteObject] = []
    prefix = settings.STATIC_URL.lstrip("/")
    for directory in settings.STATICFILES_DIRS:
        root = Path(directory)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root).as_posix()
            if relative.startswith(".") or "/." in relative:
                continue
            keys = [prefix + relative]
            if relative in ("favicon.ico", "favicon.svg", "img/favicon.ico", "img/favicon.svg"):
                keys.append(Path(relative).name)
            stat = path.stat()
            for key in keys:
                identity = (key, stat.st_mtime, stat.st_size)
                if identity not in _assets:
                    _assets[identity] = _asset(key, path.read_bytes())
                found.append(_assets[identity])
    return found


def _extra_paths() -> list[str]:
    """Language-neutral things the site serves beyond `published`: the widget's script and
    JSON, and a badge per component."""
    extra = [reverse("widget-script"), reverse("widget-json")]
    extra += [
        reverse("component-badge", kwargs={"component_id": pk})
        for pk in Component.objects.values_list("pk", flat=True)
    ]
    return extra


def render_site(version: int, each: publish.Rendered | None = None) -> Site:
    """Every object of the site at `version` (rendered through the response cache, so what the
    application serves and what is published are the same bytes). `each` is what render on
    write has just rendered (publish.render_each), so it is not asked for twice."""
    languages = [code for code, _name in settings.LANGUAGES]
    entries = publish.paths()
    pages_paths = {path for path, per_language in entries if per_language}
    neutral_paths = [path for path, per_language in entries if not per_language]
    neutral_paths += [p for p in _extra_paths() if p not in neutral_paths]
    scripts = {reverse("widget-script")}
    known = each or {}

    def rendered_at(path: str, language: str | None) -> CachedResponse | None:
        found = known.get((path, language))
        return found if found is not None else publish.get(path, language)

    site_assets = assets()
    pages: list[SiteObject] = []
    cache = cache_control()
    for path in neutral_paths:
        rendered = rendered_at(path, None)
        if rendered is None:
            continue
        item = _object(key_of(path, None), rendered, cache)
        (site_assets if path in scripts else pages).append(item)
    for path in sorted(pages_paths):
        for language in languages:
            rendered = rendered_at(path, language)
            if rendered is None:
                continue
            item = _object(key_of(path, language), rendered, cache)
            if rendered.content_type.startswith("text/html"):
                body = static_links(rendered.body, language, pages_paths, set(neutral_paths))
                if body != rendered.body:
                    item = dataclasses.replace(
                        item,
                        body=body,
                        gzip=gzip.compress(body, compresslevel=9, mtime=0),
                        # Quick: this one is compressed on every publish, and only file
                        # targets store it.
                        br=brotli.compress(body, quality=5),
                    )
            pages.append(item)
    return Site(version, site_assets, pages)


# Publishing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    target: Target
    version: int | None  # the version the target holds after this publish, None if unknown
    error: str = ""


def _put_all(out: Writer, items: list[SiteObject]) -> None:
    """Upload one phase's objects, several at a time; the first failure stops the publish
    (raised before the next phase starts, so the order between phases holds)."""
    with ThreadPoolExecutor(max_workers=UPLOADS_PER_TARGET, thread_name_prefix="upload") as pool:
        for _ in pool.map(out.put, items):
            pass


def _digest(target: Target) -> str:
    return hashlib.sha1(target.name.encode()).hexdigest()


def _stored(target: Target, there: Manifest) -> dict[str, str]:
    """What the target holds, by key: the fingerprints its manifest lists, so that unchanged
    objects are not uploaded again. Nothing when the last publish to it did not finish (it may
    have replaced some objects without writing the manifest that would say so)."""
    objects = there.data.get("objects")
    unfinished = redis_client().get(DIRTY_PREFIX + _digest(target)) is not None
    if unfinished or not isinstance(objects, dict) or there.data.get("compress") != target.compress:
        return {}
    return objects


def publish_to(target: Target, site: Site) -> Outcome:
    """Publish `site` to one target, assets → pages → manifest, unless it holds a newer version."""
    lock = redis_client().lock(
        LOCK_PREFIX + _digest(target), timeout=LOCK_SECONDS, blocking_timeout=10
    )
    try:
        if not lock.acquire():
            return Outcome(target, None, "another publisher held this target for 10 s")
    except Exception as exc:  # Redis is away: the sweeper tries again
        return Outcome(target, None, f"no publish lock: {type(exc).__name__}: {exc}")
    try:
        out = writer(target)
        there = out.manifest()
        if there.version >= site.version:
            return Outcome(target, there.version)
        stored = _stored(target, there)
        redis_client().set(DIRTY_PREFIX + _digest(target), site.version)
        _put_all(out, [o for o in site.assets if stored.get(o.key) != o.fingerprint])
        if not lock.owned():
            return Outcome(target, None, "the publish lock expired before the pages")
        _put_all(out, [o for o in site.pages if stored.get(o.key) != o.fingerprint])
        if not lock.owned():
            return Outcome(target, None, "the publish lock expired before the manifest")
        try:
            out.put_manifest(site.manifest(target.compress), there)
        except Conflict:
            newer = out.manifest().version
            # Our pages may have replaced the newer version's: publish it again.
            return Outcome(target, None, f"manifest changed meanwhile (now version {newer})")
        redis_client().delete(DIRTY_PREFIX + _digest(target))
        return Outcome(target, site.version)
    except Exception as exc:  # a target's failure is recorded, never raised to the others
        log.warning("publishing version %s to %s failed: %s", site.version, target.name, exc)
        return Outcome(target, None, f"{type(exc).__name__}: {exc}")
    finally:
        with contextlib.suppress(Exception):  # expired, or Redis is away: it expires anyway
            lock.release()


def _state(target: Target) -> PublishTarget:
    state, _created = PublishTarget.objects.get_or_create(name=target.name)
    return state


def _record(outcome: Outcome) -> None:
    state = _state(outcome.target)
    now = timezone.now()
    if not outcome.error:
        state.published_version = max(outcome.version or 0, state.published_version)
        state.published_at = now
        state.failures = 0
        state.retry_at = None
    else:
        state.failures += 1
        state.last_error = outcome.error[:2000]
        state.last_error_at = now
        state.retry_at = now + min(timedelta(seconds=15 * 2 ** (state.failures - 1)), RETRY_AT_MOST)
        if "manifest changed" in outcome.error:
            state.published_version = 0  # let the sweeper publish the current version
    state.save()


def due(version: int, *, retrying: bool = False) -> list[Target]:
    """The targets to publish `version` to now. After a change (render on write): those behind
    it that are healthy, so a target that is failing never holds up a change. For the sweeper
    (`retrying`): every target behind it whose back-off has passed."""
    now = timezone.now()
    states = {s.name: s for s in PublishTarget.objects.all()}
    chosen = []
    for target in settings.PUBLISH_TARGETS:
        state = states.get(target.name)
        if state is None:
            chosen.append(target)
            continue
        behind = state.published_version < version
        waited = state.retry_at is None or state.retry_at <= now
        ready = waited if retrying else state.failures == 0
        if behind and ready:
            chosen.append(target)
    return chosen


def publish_version(
    version: int, each: publish.Rendered | None = None, *, retrying: bool = False
) -> list[Outcome]:
    """Publish `version` to the targets that are due, all at once; record each outcome."""
    targets = due(version, retrying=retrying)
    if not targets:
        return []
    started = time.monotonic()
    site = render_site(version, each)
    rendered = time.monotonic()
    workers = min(len(targets), settings.PUBLISH_CONCURRENCY)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish") as pool:
        outcomes = list(pool.map(lambda target: publish_to(target, site), targets))
    for outcome in outcomes:
        _record(outcome)
    log.info(
        "version %s published off-site in %.2f s (site %.2f s): %s",
        version,
        time.monotonic() - started,
        rendered - started,
        ", ".join(f"{o.target.name} {'failed' if o.error else 'ok'}" for o in outcomes),
    )
    return outcomes


def confirm_to(target: Target, version: int) -> Outcome:
    """Tell the visitors of an up-to-date target that the publisher is alive: the manifest's
    `checked_at` moves on (conditionally, like a publish), which the page's script reads to
    tell a current copy from a frozen one."""
    lock = redis_client().lock(
        LOCK_PREFIX + _digest(target), timeout=LOCK_SECONDS, blocking_timeout=10
    )
    try:
        if not lock.acquire():
            return Outcome(target, None, "another publisher held this target for 10 s")
    except Exception as exc:  # Redis is away: the sweeper tries again
        return Outcome(target, None, f"no publish lock: {type(exc).__name__}: {exc}")
    try:
        out = writer(target)
        there = out.manifest()
        if there.version > version:
            return Outcome(target, there.version)  # a newer publish got there first
        if there.version < version:  # the bucket lost it (restored, emptied): publish again
            return Outcome(
                target, None, f"manifest changed meanwhile (now version {there.version})"
            )
        data = {
            **there.data,
            "checked_at": timezone.now().isoformat(timespec="seconds"),
            "stale_after_seconds": settings.PUBLISH_STALE_MINUTES * 60,
        }
        out.put_manifest(json.dumps(data).encode(), there)
        return Outcome(target, version)
    except Exception as exc:
        log.warning("confirming version %s on %s failed: %s", version, target.name, exc)
        return Outcome(target, None, f"{type(exc).__name__}: {exc}")
    finally:
        with contextlib.suppress(Exception):
            lock.release()


def confirm(version: int) -> list[Outcome]:
    """Beat's heartbeat for the targets that hold `version` (tasks.keep_published)."""
    now = timezone.now()
    states = {s.name: s for s in PublishTarget.objects.all()}

    def holds_it(target: Target) -> bool:
        state = states.get(target.name)
        if state is None or state.published_version != version:
            return False
        return state.retry_at is None or state.retry_at <= now

    targets = [t for t in settings.PUBLISH_TARGETS if holds_it(t)]
    if not targets:
        return []
    workers = min(len(targets), settings.PUBLISH_CONCURRENCY)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="confirm") as pool:
        outcomes = list(pool.map(lambda target: confirm_to(target, version), targets))
    for outcome in outcomes:
        if outcome.error:
            _record(outcome)
    return outcomes


def lagging(version: int) -> bool:
    """Whether a target is behind `version` and due a retry (the sweeper's question)."""
    return bool(due(version, retrying=True))

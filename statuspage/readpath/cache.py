"""Rendered public responses, kept per (path, language, page version).

A response is rendered once per page version, compressed once (gzip and brotli), stored in
Redis for the other web processes and in this process's memory, and served from there with an
ETag and Last-Modified until the next write bumps the version. Nothing time-relative is baked
into what is stored; a response that depends on the calendar day says until when it is fresh.

Memory is bounded whatever visitors ask for. Only canonical spellings are rendered: the query
parameters a view reads are checked and a non-canonical spelling is redirected to its canonical
one (or is a 404) before anything renders; other parameters are ignored. Redis holds one entry
per page (the newest version rendered), under its own prefix, with a TTL, in its own database
(CACHE_REDIS_URL). Renders are serialised per page with a fixed set of striped locks, not a
lock per page ever asked for.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import logging
import pickle
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import brotli
import redis
from csp.utils import build_policy
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.utils import translation
from django.utils.http import http_date, parse_http_date_safe, urlencode
from django.utils.translation import get_language

from statuspage.readpath import views_counter
from statuspage.status import pageversion

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHEABLE_STATUSES = (200, 404)
LAST_GOOD_TTL = 7 * 24 * 3600
MEMORY_ENTRIES = 512
# Renders of pages whose keys hash alike wait for each other; 64 is far more than the renders
# a process ever runs at once.
RENDER_LOCK_STRIPES = 64
# While a page's render fails, it is tried again after 1, 2, 4, ... seconds, at most this many.
RETRY_AT_MOST_SECONDS = 30
STALE_HEADER = ("X-Statuspage-Stale", "1")
VARY = "Accept-Encoding, Accept-Language, Cookie"


@dataclass(frozen=True)
class CachedResponse:
    """One response's bytes in every encoding we serve, with its validators."""

    status: int
    content_type: str
    body: bytes
    gzip: bytes
    br: bytes
    etag: str
    last_modified: str
    fresh_until: float | None = None
    vary: str = VARY
    headers: tuple[tuple[str, str], ...] = ()
    stale: bool = False  # an older version, served because the current one cannot be rendered

    @classmethod
    def build(
        cls,
        body: bytes,
        *,
        content_type: str,
        status: int = 200,
        modified: float | None = None,
        fresh_until: float | None = None,
        vary: str = VARY,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> CachedResponse:
        return cls(
            status=status,
            content_type=content_type,
            body=body,
            gzip=gzip.compress(body, compresslevel=9, mtime=0),
            br=brotli.compress(body, quality=11),
            etag='W/"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"',
            last_modified=http_date(modified or time.time()),
            fresh_until=fresh_until,
            vary=vary,
            headers=headers,
        )

    @property
    def is_fresh(self) -> bool:
        return self.fresh_until is None or time.time() < self.fresh_until

    def encoded(self, accept_encoding: str) -> tuple[bytes, str | None]:
        """The smallest encoding the client accepts."""
        accepted = {part.split(";")[0].strip() for part in accept_encoding.lower().split(",")}
        if "br" in accepted:
            return self.br, "br"
        if "gzip" in accepted:
            return self.gzip, "gzip"
        return self.body, None

    def not_modified(self, if_none_match: str | None, if_modified_since: str | None) -> bool:
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or self.etag.removeprefix("W/") in tags
        since = parse_http_date_safe(if_modified_since or "")
        modified = parse_http_date_safe(self.last_modified)
        return since is not None and modified is not None and modified <= since

    def answer(
        self,
        method: str,
        accept_encoding: str,
        if_none_match: str | None,
        if_modified_since: str | None,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """(status, headers, body) for one request: the same for the Django view and for the
        WSGI fast path, so a visitor cannot tell which one answered."""
        headers = [
            ("ETag", self.etag),
            ("Last-Modified", self.last_modified),
            ("Cache-Control", cache_control()),
            ("Vary", self.vary),
            *SECURITY_HEADERS,
            *self.headers,
            *([STALE_HEADER] if self.stale else []),
        ]
        if self.status == 200 and self.not_modified(if_none_match, if_modified_since):
            return 304, headers, b""
        body, encoding = self.encoded(accept_encoding)
        headers.append(("Content-Type", self.content_type))
        if encoding:
            headers.append(("Content-Encoding", encoding))
        headers.append(("Content-Length", str(len(body))))
        return self.status, headers, b"" if method == "HEAD" else body

    def respond(self, request: HttpRequest, cache_parts: tuple[str, str, str]) -> CacheAnswer:
        status, headers, body = self.answer(
            request.method or "GET",
            request.headers.get("Accept-Encoding", ""),
            request.headers.get("If-None-Match"),
            request.headers.get("If-Modified-Since"),
        )
        response = CacheAnswer(body, status=status, rendered=self, cache_parts=cache_parts)
        for name, value in headers:
            response[name] = value
        return response


class CacheAnswer(HttpResponse):
    """A response answered from the cache. It carries the entry that answered it and that
    entry's key parts (language, path, query; see `page_key`), from which the WSGI fast path
    answers the same request itself next time."""

    def __init__(
        self,
        content: bytes,
        *,
        status: int,
        rendered: CachedResponse,
        cache_parts: tuple[str, str, str],
    ) -> None:
        super().__init__(content, status=status)
        self.rendered = rendered
        self.cache_parts = cache_parts


# What Django's security middleware (and django-csp's) would add; the fast path adds the same
# (see `answer`).
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", build_policy()),
)


def cache_control() -> str:
    return (
        f"public, max-age={settings.PAGE_MAX_AGE}, s-maxage={settings.PAGE_CDN_MAX_AGE}, "
        "stale-while-revalidate=60, stale-if-error=86400"
    )


_cache_client: redis.Redis | None = None


def cache_redis() -> redis.Redis:
    """The page cache's Redis (CACHE_REDIS_URL), one pool per process; short timeouts, because
    a render is always the way out."""
    global _cache_client
    if _cache_client is None:
        _cache_client = redis.Redis.from_url(
            settings.CACHE_REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
    return _cache_client


class ResponseCache:
    """This process's memory in front of Redis; one render per key at a time per process.

    Each page's last good rendering is also kept apart from its version. When a render fails
    because the database is unreachable (a change was committed just before an outage, so the
    new version has never been rendered), the last good one is served marked stale, and the
    render is tried again after a back-off instead of on every request.
    """

    def __init__(self) -> None:
        self._memory: OrderedDict[str, CachedResponse] = OrderedDict()
        self._memory_version = -1
        self._last_good: OrderedDict[str, CachedResponse] = OrderedDict()
        # page → (failures, retry at); as many pages as the memory keeps, the oldest forgotten
        self._failing: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._render_locks = tuple(threading.Lock() for _ in range(RENDER_LOCK_STRIPES))
        self._derived: dict[str, tuple[int, Any]] = {}  # name → (version, value)

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
            self._last_good.clear()
            self._failing.clear()
            self._derived.clear()

    def derived(self, version: int, name: str, compute: Callable[[], T]) -> T:
        """A small value computed from the page at `version` (which months have pages, say),
        kept like a rendered page until the version changes. One entry per name."""
        known = self._derived.get(name)
        if known is not None and known[0] == version:
            return known[1]
        value = compute()
        with self._lock:
            self._derived[name] = (version, value)
        return value

    def render_lock(self, key: str) -> threading.Lock:
        """The lock that serialises renders of `key` (shared with the keys that hash alike)."""
        return self._render_locks[hash(key) % RENDER_LOCK_STRIPES]

    def _remember(self, key: str, rendered: CachedResponse, version: int) -> None:
        with self._lock:
            if version != self._memory_version:
                self._memory.clear()  # entries of older versions are never served again
                self._memory_version = version
            self._memory[key] = rendered
            self._memory.move_to_end(key)
            while len(self._memory) > MEMORY_ENTRIES:
                self._memory.popitem(last=False)

    def in_memory(self, key: str) -> CachedResponse | None:
        """The fast path's lookup: this process's memory only, never the network."""
        rendered = self._memory.get(key)
        return rendered if rendered is not None and rendered.is_fresh else None

    def _recall(self, key: str, version: int, page: str) -> CachedResponse | None:
        rendered = self._memory.get(key)
        if rendered is not None and rendered.is_fresh:
            return rendered
        stored = self._fetch(PAGE_PREFIX + page)
        if stored is None:
            return None
        stored_version, rendered = stored
        # A newer version than ours is fine: this process learns of the write a moment later.
        return rendered if stored_version >= version and rendered.is_fresh else None

    @staticmethod
    def _fetch(key: str):
        try:
            raw = cache_redis().get(key)
        except redis.RedisError:
            return None
        # Bytes or nothing: the client does not decode responses.
        return pickle.loads(raw) if isinstance(raw, bytes) else None

    def get_or_render(
        self, version: int, page: str, render: Callable[[], CachedResponse]
    ) -> CachedResponse:
        """The response for `page` (see `page_key`) at `version`, rendered if nobody has yet."""
        key = cache_key(version, page)
        rendered = self._recall(key, version, page)
        if rendered is None:
            with self.render_lock(key):
                rendered = self._recall(key, version, page)
                if rendered is None:
                    rendered = self._render(page, render)
                    if rendered.stale:
                        return rendered  # never remembered as this version's
                    self._store(version, page, rendered)
        self._remember(key, rendered, version)
        return rendered

    def _render(self, page: str, render: Callable[[], CachedResponse]) -> CachedResponse:
        failures, retry_at = self._failing.get(page, (0, 0.0))
        if failures and time.monotonic() < retry_at:
            last_good = self._last_good_of(page)
            if last_good is not None:
                return last_good
        try:
            rendered = render()
        except DatabaseError as exc:
            last_good = self._last_good_of(page)
            wait = min(2**failures, RETRY_AT_MOST_SECONDS)
            with self._lock:
                self._failing[page] = (failures + 1, time.monotonic() + wait)
                self._failing.move_to_end(page)
                while len(self._failing) > MEMORY_ENTRIES:
                    self._failing.popitem(last=False)
            if last_good is None:
                raise
            log.warning(
                "rendering %s failed (%s): serving its last good rendering, retrying in %s s",
                page,
                exc,
                wait,
            )
            return last_good
        with self._lock:
            self._failing.pop(page, None)
        return rendered

    def _last_good_of(self, page: str) -> CachedResponse | None:
        """The page's last good rendering, marked stale; this process's or another's."""
        last_good = self._last_good.get(page) or self._fetch(LAST_GOOD_PREFIX + page)
        if last_good is None:
            return None
        self._keep_last_good(page, last_good)
        return dataclasses.replace(last_good, stale=True, fresh_until=None)

    def _keep_last_good(self, page: str, rendered: CachedResponse) -> None:
        with self._lock:
            self._last_good[page] = rendered
            self._last_good.move_to_end(page)
            while len(self._last_good) > MEMORY_ENTRIES:
                self._last_good.popitem(last=False)

    def _store(self, version: int, page: str, rendered: CachedResponse) -> None:
        if rendered.status == 200:
            self._keep_last_good(page, rendered)
        try:
            with cache_redis().pipeline(transaction=False) as pipe:
                pipe.set(
                    PAGE_PREFIX + page,
                    pickle.dumps((version, rendered)),
                    ex=settings.PAGE_CACHE_TTL_SECONDS,
                )
                if rendered.status == 200:
                    pipe.set(LAST_GOOD_PREFIX + page, pickle.dumps(rendered), ex=LAST_GOOD_TTL)
                pipe.execute()
        except redis.RedisError as exc:
            log.warning("rendered response not stored in Redis: %s", exc)


responses = ResponseCache()

# One entry per page: a pickled (version, CachedResponse), replaced by each newer version (the
# versioned "sp:r2:" entries of earlier releases are not read, and expire).
PAGE_PREFIX = "sp:page:"
LAST_GOOD_PREFIX = "sp:last:"


def page_key(language: str, path: str, query: str = "") -> str:
    """One page as a visitor asks for it, whatever the version."""
    return f"{language}:{path}?{query}"


def cache_key(version: int, page: str) -> str:
    """This process's memory's key for `page` at `version`."""
    return f"{version}:{page}"


# Headers the cache computes itself; any other header a view sets is kept with the response.
MANAGED_HEADERS = {
    "content-type", "content-length", "etag", "last-modified", "cache-control", "vary",
    "content-language", "x-frame-options", "x-content-type-options", "referrer-policy",
    "cross-origin-opener-policy", "set-cookie", "expires",
}  # fmt: skip


def from_response(response: HttpResponse, vary: str, language: str, path: str) -> CachedResponse:
    if hasattr(response, "render"):
        response.render()
    kept = tuple((k, v) for k, v in response.items() if k.lower() not in MANAGED_HEADERS)
    if re.match(settings.CORS_URLS_REGEX, path) and "Access-Control-Allow-Origin" not in response:
        # Readable from any site, whichever path answers (the fast path skips the CORS
        # middleware); always sent, so a CDN need not vary on Origin.
        kept += (("Access-Control-Allow-Origin", "*"),)
    return CachedResponse.build(
        response.content,
        content_type=response["Content-Type"],
        status=response.status_code,
        modified=_date_header(response, "Last-Modified"),
        fresh_until=_date_header(response, "Expires"),
        vary=vary,
        headers=(("Content-Language", language), *kept),
    )


def _date_header(response: HttpResponse, name: str) -> int | None:
    return parse_http_date_safe(response.get(name) or "")


# A query parameter a cached view reads: its raw value → the canonical spelling ("" to drop
# it); raises Http404 for a value that names no page.
Canonical = Callable[[str], str]


def canonical_query(request: HttpRequest, params: dict[str, Canonical]) -> tuple[str, bool]:
    """The query string of the page asked for, and whether the request spelled it that way.

    Only the parameters in `params` count, each once; everything else is ignored."""
    canonical: list[tuple[str, str]] = []
    as_asked = True
    for name, canonicalise in params.items():
        values = request.GET.getlist(name)
        if not values:
            continue
        value = canonicalise(values[-1])
        as_asked = as_asked and len(values) == 1 and value == values[0] != ""
        if value:
            canonical.append((name, value))
    return urlencode(canonical), as_asked


def cached(*, params: dict[str, Canonical] | None = None, per_language: bool = True) -> Callable:
    """Serve a public view from the response cache.

    Only the query parameters named in `params` take part in the key, in their canonical
    spelling: a request that spells them otherwise is redirected there, and one whose value
    names no page is a 404, both without rendering anything; other parameters are ignored, so
    random query strings cannot multiply renders. The view's Last-Modified header becomes
    the cached response's; a view that depends on the calendar day sends an Expires header,
    until which the cached response is fresh. (Visitors get neither as sent: Last-Modified is
    recomputed and Cache-Control governs their caches, so Expires is dropped.)
    With `per_language=False` (JSON, feeds) the response is the same for every visitor and is
    rendered in the default language.
    """
    vary = VARY if per_language else "Accept-Encoding"
    params = params or {}

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            query, as_asked = canonical_query(request, params)
            if not as_asked:
                return HttpResponsePermanentRedirect(request.path + ("?" + query if query else ""))
            version = pageversion.current()
            language = get_language() if per_language else settings.LANGUAGE_CODE
            page = page_key(language, request.path, query)

            def render() -> CachedResponse:
                with translation.override(language):
                    response = view(request, *args, **kwargs)
                    if response.status_code not in CACHEABLE_STATUSES:
                        raise _Uncacheable(response)
                    return from_response(response, vary, language, request.path)

            try:
                rendered = responses.get_or_render(version, page, render)
            except _Uncacheable as exc:
                return exc.response
            if views_counter.INTERNAL not in request.META:  # not render on write's own GETs
                views_counter.count()  # issue 13: page views per minute (a surge is a signal)
            return rendered.respond(request, cache_parts=(language, request.path, query))

        return wrapper

    return decorator


class _Uncacheable(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response

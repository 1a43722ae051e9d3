"""The read path at static-file speed: cached public responses served without entering Django.

An outage sends every user to the page in the same minute. This WSGI middleware sits in front
of Django. The first request for a (path, query, language cookie, Accept-Language) goes through
Django as usual, and the cached view tells us which cache entry answers it. From then on the
same request is answered straight from this process's memory: no middleware, no URL
resolution, no database, and a Redis round trip at most once per PAGE_VERSION_RECHECK_SECONDS
(to learn whether the page changed). Anything not cached (the admin, the API's writes, forms)
passes through untouched.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.conf import settings

from statuspage.readpath.cache import CacheAnswer, CachedResponse, cache_key, page_key, responses
from statuspage.readpath.views_counter import COUNTER
from statuspage.status import pageversion

ROUTES = 4096
STATUS_LINES = {200: "200 OK", 304: "304 Not Modified", 404: "404 Not Found"}


def _language_cookie(environ: dict) -> str:
    cookies = environ.get("HTTP_COOKIE")
    if not cookies:
        return ""
    match = re.search(rf"(?:^|;)\s*{settings.LANGUAGE_COOKIE_NAME}=([^;]*)", cookies)
    return match.group(1) if match else ""


class FastPath:
    def __init__(self, app: Callable) -> None:
        self.app = app
        self._routes: OrderedDict[tuple, tuple[str, str, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._views = COUNTER  # page views per minute (views_counter): one increment a hit

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        identity = (
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            _language_cookie(environ),
            environ.get("HTTP_ACCEPT_LANGUAGE", ""),
        )
        parts = self._routes.get(identity)
        if parts is not None:
            rendered = responses.in_memory(cache_key(pageversion.current(), page_key(*parts)))
            if rendered is not None:
                self._views.hits += 1
                return self._serve(rendered, environ, start_response)
        return self._through_django(identity, environ, start_response)

    def _through_django(self, identity: tuple, environ: dict, start_response: Callable):
        captured: list = []
        response = self.app(
            environ,
            lambda status, headers, exc_info=None: captured.append((status, headers, exc_info)),
        )
        if not isinstance(response, CacheAnswer):
            start_response(*captured[0])
            return response
        with self._lock:
            self._routes[identity] = response.cache_parts
            self._routes.move_to_end(identity)
            while len(self._routes) > ROUTES:
                self._routes.popitem(last=False)
        rendered = response.rendered
        response.close()  # Django's request_finished: connections back to their pool
        return self._serve(rendered, environ, start_response)

    @staticmethod
    def _serve(rendered: CachedResponse, environ: dict, start_response: Callable) -> list[bytes]:
        status, headers, body = rendered.answer(
            environ["REQUEST_METHOD"],
            environ.get("HTTP_ACCEPT_ENCODING", ""),
            environ.get("HTTP_IF_NONE_MATCH"),
            environ.get("HTTP_IF_MODIFIED_SINCE"),
        )
        if settings.BENCH_ENDPOINTS:  # which worker answered, for the benchmark's polling
            headers.append(("X-Served-By", str(os.getpid())))
        start_response(STATUS_LINES.get(status) or f"{status} Status", headers)
        return [body]

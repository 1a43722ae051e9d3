"""The read path's fast path as it was before page views were counted (issue 13): the same
`FastPath.__call__` without the one increment, for bench/views_counter.py's A/B.

    granian --interface wsgi uncounted_wsgi:application    # from bench/, beside statuspage.wsgi
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from statuspage import wsgi  # sets Django up: first
from statuspage.readpath import fastpath
from statuspage.status import pageversion


class Uncounted(fastpath.FastPath):
    """FastPath.__call__ without `self._views.hits += 1`."""

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        identity = (
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            fastpath._language_cookie(environ),
            environ.get("HTTP_ACCEPT_LANGUAGE", ""),
        )
        parts = self._routes.get(identity)
        if parts is not None:
            rendered = fastpath.responses.in_memory(
                fastpath.cache_key(pageversion.current(), fastpath.page_key(*parts))
            )
            if rendered is not None:
                return self._serve(rendered, environ, start_response)
        return self._through_django(identity, environ, start_response)


application = Uncounted(wsgi.django_application)

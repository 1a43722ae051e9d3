"""Headers every response carries beyond Django's SecurityMiddleware.

- Content-Security-Policy (django-csp): CONTENT_SECURITY_POLICY everywhere, with the additions
  in CONTENT_SECURITY_POLICY_ALLOWANCES for the paths that need them (Swagger UI's icons).
- `Cache-Control: no-store` on the management API (/v1, /api/v1): its answers hold subscribers'
  addresses and webhook secrets, which no browser or proxy cache may keep.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase

MANAGEMENT_API = re.compile(r"^/(?:api/)?v1(?:/|\.json|$)")


class ContentSecurityPolicy(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only or parts.update is not None:
            return parts
        for prefix, allowance in settings.CONTENT_SECURITY_POLICY_ALLOWANCES.items():
            if request.path_info.startswith(prefix):
                parts.update = allowance
        return parts


class NoStoreForManagementApi:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if MANAGEMENT_API.match(request.path_info):
            response["Cache-Control"] = "no-store"
        return response

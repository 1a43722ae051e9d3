"""Lists of things Statuspage has and this installation does not: metrics (and their
providers) and audience-specific page access. Statuspage answers `200 []` when a page has none,
and clients that walk every list (Airbyte's Statuspage source, Terraform providers) stop at the
first error, so we answer the same. An unknown page is still 404 (ManagementView)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import ERRORS, PAGINATION_PARAMETERS, ManagementView, Pagination

EMPTY_LIST = {"type": "array", "items": {"type": "object"}, "maxItems": 0}


class NoneHere(ManagementView):
    @extend_schema(parameters=PAGINATION_PARAMETERS, responses={200: EMPTY_LIST, **ERRORS})
    def get(self, request: Request, page_id: str) -> Response:
        Pagination(request)  # the same answer to bad paging as every other list
        return Response([])

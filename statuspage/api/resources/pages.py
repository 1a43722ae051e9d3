"""The page: `/v1/pages` and `/v1/pages/{page_id}`. Pages cannot be created or deleted through
the API (neither can they at Statuspage); this installation serves one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import ERRORS, ManagementView, wrapped
from statuspage.api.fields import Text
from statuspage.shapes.objects import ManagedPageSerializer
from statuspage.status import services
from statuspage.status.translation import set_in_every_language


class PageInput(serializers.Serializer):
    """The fields we keep; the rest of Statuspage's page fields are accepted and ignored."""

    name = Text(max_length=255)
    time_zone = Text(max_length=64)
    url = serializers.URLField(
        allow_blank=True, allow_null=True, max_length=200, help_text=_("The product's own site.")
    )


class PageList(ManagementView):
    @extend_schema(
        operation_id="listPages", responses={200: ManagedPageSerializer(many=True), **ERRORS}
    )
    def get(self, request: Request) -> Response:
        return self.respond(ManagedPageSerializer, [self.page], many=True)


class PageDetail(ManagementView):
    envelope = "page"

    @extend_schema(operation_id="getPage", responses={200: ManagedPageSerializer, **ERRORS})
    def get(self, request: Request, page_id: str) -> Response:
        return self.respond(ManagedPageSerializer, self.page)

    @extend_schema(
        operation_id="updatePage",
        request=wrapped("page", PageInput, partial=True),
        responses={200: ManagedPageSerializer, **ERRORS},
    )
    def patch(self, request: Request, page_id: str) -> Response:
        data = self.validated(PageInput, self.payload(), partial=True)
        page = self.page
        if "name" in data:
            set_in_every_language(page, "name", data["name"])
        if "time_zone" in data:
            page.time_zone = data["time_zone"]
        if "url" in data:
            page.homepage_url = data["url"] or ""
        services.save_page(page)
        return self.respond(ManagedPageSerializer, page)

    @extend_schema(
        operation_id="replacePage",
        request=wrapped("page", PageInput, partial=True),
        responses={200: ManagedPageSerializer, **ERRORS},
    )
    def put(self, request: Request, page_id: str) -> Response:
        return self.patch(request, page_id)

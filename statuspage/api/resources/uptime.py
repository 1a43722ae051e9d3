"""Uptime: `GET /v1/pages/{page_id}/components/{component_id}/uptime?start=&end=` and the same
for a group (`…/component-groups/{group_id}/uptime`, one entry per member), as Statuspage's.

The figures come from the daily aggregates (statuspage.status.uptime), never from scanning the
status log per request. `start` and `end` take 2026, 2026-03 or 2026-03-14.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import ERRORS, ManagementView
from statuspage.api.uptime import component_uptime, parse_partial_date
from statuspage.status.models import Component, ComponentGroup


class UptimeSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    range_start = serializers.CharField()
    range_end = serializers.CharField()
    uptime_percentage = serializers.FloatField()
    major_outage = serializers.IntegerField(help_text="Seconds.")
    partial_outage = serializers.IntegerField(help_text="Seconds.")
    warnings = serializers.ListField(child=serializers.CharField(), allow_null=True)
    related_events = serializers.ListField(child=serializers.DictField())


PARAMETERS = [
    OpenApiParameter("start", str, description="2026, 2026-03 or 2026-03-14."),
    OpenApiParameter("end", str, description="2026, 2026-03 or 2026-03-14."),
]


class UptimeView(ManagementView):
    def range(self, request: Request):
        start, end = request.query_params.get("start"), request.query_params.get("end")
        return (
            parse_partial_date(start) if start else None,
            parse_partial_date(end, end=True) if end else None,
        )


class ComponentUptime(UptimeView):
    @extend_schema(
        operation_id="getComponentUptime",
        parameters=PARAMETERS,
        responses={200: UptimeSerializer, **ERRORS},
    )
    def get(self, request: Request, page_id: str, component_id: str) -> Response:
        component = get_object_or_404(Component, pk=component_id)
        return Response(component_uptime(component, *self.range(request)))


class GroupUptime(UptimeView):
    @extend_schema(
        operation_id="getComponentGroupUptime",
        parameters=PARAMETERS,
        responses={200: UptimeSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, page_id: str, group_id: str) -> Response:
        group = get_object_or_404(ComponentGroup, pk=group_id)
        start, end = self.range(request)
        return Response([component_uptime(c, start, end) for c in group.components.all()])

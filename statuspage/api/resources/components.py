"""Components: `/v1/pages/{page_id}/components` and `…/components/{component_id}`.

The list holds group rows too (`group: true`, with their members' ids), as Statuspage's does;
a group is changed under component-groups, so writes to a group's id here are refused.
"""

from __future__ import annotations

from django.db.models import Max
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import (
    ERRORS,
    PAGINATION_PARAMETERS,
    ManagementView,
    Pagination,
    wrapped,
)
from statuspage.api.errors import Unprocessable
from statuspage.api.fields import Flag, Text
from statuspage.shapes.objects import FullComponentSerializer, GroupRow, rows_with_groups
from statuspage.status import services
from statuspage.status.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    StatusChangeCause,
)
from statuspage.status.translation import set_in_every_language


def next_position() -> int:
    """A position after every component and group, for something new to appear last."""
    highest = [
        Component.objects.aggregate(m=Max("position"))["m"],
        ComponentGroup.objects.aggregate(m=Max("position"))["m"],
    ]
    return max((h for h in highest if h is not None), default=-1) + 1


class ComponentInput(serializers.Serializer):
    name = Text(max_length=255)
    description = Text(allow_blank=True, allow_null=True, required=False)
    status = serializers.ChoiceField(choices=[*ComponentStatus.choices, ("", "")], required=False)
    group_id = Text(
        allow_blank=True,
        allow_null=True,
        required=False,
        max_length=64,
        help_text='null (or "null") takes the component out of its group.',
    )
    showcase = Flag(required=False)
    only_show_if_degraded = Flag(required=False)
    start_date = serializers.DateField(allow_null=True, required=False)

    def validate_group_id(self, value: str | None) -> ComponentGroup | None:
        if value in (None, "", "null"):
            return None
        group = ComponentGroup.objects.filter(pk=value).first()
        if group is None:
            raise serializers.ValidationError(
                _("No component group has the id “%(id)s”.") % {"id": value}
            )
        return group


def apply_input(component: Component, data: dict) -> Component:
    """Copy validated input onto the component (the service saves it)."""
    for name in ("showcase", "only_show_if_degraded", "start_date"):
        if name in data:
            setattr(component, name, data[name])
    if "name" in data:
        set_in_every_language(component, "name", data["name"])
    if "description" in data:
        set_in_every_language(component, "description", data["description"] or "")
    if "group_id" in data:
        component.group = data["group_id"]
    if data.get("status"):
        component.status = data["status"]
    return component


class ComponentList(ManagementView):
    envelope = "component"

    @extend_schema(
        operation_id="listComponents",
        parameters=PAGINATION_PARAMETERS,
        responses={200: FullComponentSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, page_id: str) -> Response:
        rows = Pagination(request).slice(rows_with_groups())
        return self.respond(FullComponentSerializer, rows, many=True)

    @extend_schema(
        operation_id="createComponent",
        request=wrapped("component", ComponentInput),
        responses={201: FullComponentSerializer, **ERRORS},
    )
    def post(self, request: Request, page_id: str) -> Response:
        data = self.validated(ComponentInput, self.payload())
        component = apply_input(Component(position=next_position()), data)
        services.save_component(component, author=self.author, cause=StatusChangeCause.API)
        return self.respond(FullComponentSerializer, component, status=201)


class ComponentDetail(ManagementView):
    envelope = "component"

    def writable(self, component_id: str) -> Component:
        if ComponentGroup.objects.filter(pk=component_id).exists():
            raise Unprocessable(
                {
                    "id": [
                        _("“%(id)s” is a component group: change it under component-groups.")
                        % {"id": component_id}
                    ]
                }
            )
        return get_object_or_404(Component.objects.select_related("group"), pk=component_id)

    @extend_schema(operation_id="getComponent", responses={200: FullComponentSerializer, **ERRORS})
    def get(self, request: Request, page_id: str, component_id: str) -> Response:
        group = ComponentGroup.objects.filter(pk=component_id).first()
        if group is not None:
            row = GroupRow.of(group, list(group.components.all()))
            return self.respond(FullComponentSerializer, row)
        return self.respond(FullComponentSerializer, self.writable(component_id))

    @extend_schema(
        operation_id="updateComponent",
        request=wrapped("component", ComponentInput, partial=True),
        responses={200: FullComponentSerializer, **ERRORS},
    )
    def patch(self, request: Request, page_id: str, component_id: str) -> Response:
        component = self.writable(component_id)
        data = self.validated(ComponentInput, self.payload(), partial=True)
        services.save_component(
            apply_input(component, data), author=self.author, cause=StatusChangeCause.API
        )
        return self.respond(FullComponentSerializer, component)

    @extend_schema(
        operation_id="replaceComponent",
        request=wrapped("component", ComponentInput, partial=True),
        responses={200: FullComponentSerializer, **ERRORS},
    )
    def put(self, request: Request, page_id: str, component_id: str) -> Response:
        return self.patch(request, page_id, component_id)

    @extend_schema(
        operation_id="deleteComponent",
        responses={204: OpenApiResponse(description="Deleted."), **ERRORS},
    )
    def delete(self, request: Request, page_id: str, component_id: str) -> Response:
        services.delete_component(self.writable(component_id))
        return Response(status=204)

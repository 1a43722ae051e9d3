"""Component groups: `/v1/pages/{page_id}/component-groups` and `…/component-groups/{id}`.

Statuspage's spec puts `description` next to the `component_group` object, its clients put it
inside, and atlassian-python-api spells the object `components_group` when creating: all three
are accepted. A group cannot be empty, and a component belongs to one group at most.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import (
    ERRORS,
    PAGINATION_PARAMETERS,
    ManagementView,
    Pagination,
    optional_fields,
)
from statuspage.api.fields import ComponentRefs, Text
from statuspage.api.resources.components import next_position
from statuspage.shapes.objects import ComponentGroupSerializer
from statuspage.status import services
from statuspage.status.models import Component, ComponentGroup
from statuspage.status.translation import set_in_every_language


class ComponentGroupInput(serializers.Serializer):
    name = Text(max_length=255)
    description = Text(allow_blank=True, allow_null=True, required=False)
    components = ComponentRefs(help_text="Ids of the member components; at least one.")

    def validate_components(self, components: list[Component]) -> list[Component]:
        if not components:
            raise serializers.ValidationError(_("A group needs at least one component."))
        group = self.context.get("group")
        taken = [c for c in components if c.group_id and (group is None or c.group_id != group.id)]
        if taken:
            raise serializers.ValidationError(
                [
                    _("“%(component)s” already belongs to the group “%(group)s”.")
                    % {"component": c.id, "group": c.group.name if c.group else ""}
                    for c in taken
                ]
            )
        return components


class ComponentGroupBody(serializers.Serializer):
    description = Text(allow_blank=True, allow_null=True, required=False)
    component_group = ComponentGroupInput()


class ComponentGroupPatchBody(serializers.Serializer):
    description = Text(allow_blank=True, allow_null=True, required=False)
    component_group = optional_fields(ComponentGroupInput)()


class ComponentGroupView(ManagementView):
    envelope = "component_group"
    envelope_aliases = ("components_group",)

    def group_payload(self) -> dict:
        data = self.payload()
        outer = self.request.data
        if "description" not in data and isinstance(outer, dict) and "description" in outer:
            data["description"] = outer["description"]
        return data

    def save(self, group: ComponentGroup, data: dict) -> ComponentGroup:
        if "name" in data:
            set_in_every_language(group, "name", data["name"])
        if "description" in data:
            set_in_every_language(group, "description", data["description"] or "")
        return services.save_group(group, data.get("components"))


class ComponentGroupList(ComponentGroupView):
    @extend_schema(
        operation_id="listComponentGroups",
        parameters=PAGINATION_PARAMETERS,
        responses={200: ComponentGroupSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, page_id: str) -> Response:
        groups = ComponentGroup.objects.prefetch_related("components")
        return self.respond(ComponentGroupSerializer, Pagination(request).slice(groups), many=True)

    @extend_schema(
        operation_id="createComponentGroup",
        request=ComponentGroupBody,
        responses={201: ComponentGroupSerializer, **ERRORS},
    )
    def post(self, request: Request, page_id: str) -> Response:
        data = self.validated(ComponentGroupInput, self.group_payload())
        group = self.save(ComponentGroup(position=next_position()), data)
        return self.respond(ComponentGroupSerializer, group, status=201)


class ComponentGroupDetail(ComponentGroupView):
    def find(self, group_id: str) -> ComponentGroup:
        return get_object_or_404(ComponentGroup.objects.prefetch_related("components"), pk=group_id)

    @extend_schema(
        operation_id="getComponentGroup", responses={200: ComponentGroupSerializer, **ERRORS}
    )
    def get(self, request: Request, page_id: str, group_id: str) -> Response:
        return self.respond(ComponentGroupSerializer, self.find(group_id))

    @extend_schema(
        operation_id="updateComponentGroup",
        request=ComponentGroupPatchBody,
        responses={200: ComponentGroupSerializer, **ERRORS},
    )
    def patch(self, request: Request, page_id: str, group_id: str) -> Response:
        group = self.find(group_id)
        data = self.validated(ComponentGroupInput, self.group_payload(), partial=True, group=group)
        self.save(group, data)
        return self.respond(ComponentGroupSerializer, self.find(group_id))

    @extend_schema(
        operation_id="replaceComponentGroup",
        request=ComponentGroupPatchBody,
        responses={200: ComponentGroupSerializer, **ERRORS},
    )
    def put(self, request: Request, page_id: str, group_id: str) -> Response:
        return self.patch(request, page_id, group_id)

    @extend_schema(
        operation_id="deleteComponentGroup",
        responses={200: ComponentGroupSerializer, **ERRORS},
        description="Deletes the group; its components stay, ungrouped. Answers with the group.",
    )
    def delete(self, request: Request, page_id: str, group_id: str) -> Response:
        group = self.find(group_id)
        response = self.respond(ComponentGroupSerializer, group)
        services.delete_group(group)
        return response

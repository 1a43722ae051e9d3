"""What a borrower can do, and where to go meanwhile: `/v1/pages/{page_id}/functions` and
`/v1/pages/{page_id}/channels` (ours; Statuspage has neither).

A function (borrow, repay, raise the limit) is defined by the components it depends on; its
`state` is read-only here, derived from them unless an open incident sets it (an incident's
`function_states`). An alternative channel is a link, a phone number, or both; incidents offer
it by id (`channel_ids`). Names and labels are the page's default language, `translations` the
others', as on incidents. Writes go through the same services as the admin's.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import ERRORS, ManagementView, Pagination, wrapped
from statuspage.api.fields import ComponentRefs, Text, Translations, texts_of
from statuspage.shapes.objects import ChannelSerializer, FunctionSerializer
from statuspage.status import services
from statuspage.status.models import AlternativeChannel, Function, Incident, IncidentStatus
from statuspage.status.notice import function_lines
from statuspage.status.translation import set_texts

NAME_LIMIT, LABEL_LIMIT = 64, 120
MAX_POSITION = 1_000_000
MAX_ID_DIGITS = 18


class FunctionInput(serializers.Serializer):
    name = Text(max_length=NAME_LIMIT, help_text="In the page's default language.")
    translations = Translations({"name": NAME_LIMIT}, required=False)
    component_ids = ComponentRefs(required=False, help_text="The components it depends on.")
    position = serializers.IntegerField(min_value=0, max_value=MAX_POSITION, required=False)


class ChannelInput(serializers.Serializer):
    # A declared field (the serializer's metaclass takes it), not Serializer.label.
    label = Text(max_length=LABEL_LIMIT, help_text="In the page's default language.")  # type: ignore[assignment]
    translations = Translations({"label": LABEL_LIMIT}, required=False)
    url = Text(allow_blank=True, allow_null=True, max_length=200, required=False)
    phone = Text(
        allow_blank=True,
        allow_null=True,
        max_length=32,
        required=False,
        help_text="As dialled in the page's country (400 888 8888) or with its country code.",
    )
    position = serializers.IntegerField(min_value=0, max_value=MAX_POSITION, required=False)


def _states() -> dict[str, str]:
    open_ = Incident.objects.open().exclude(status=IncidentStatus.SCHEDULED)
    return {line.id: line.state for line in function_lines(incidents=open_)}


def save_function(function: Function, data: dict[str, Any]) -> Function:
    texts = texts_of(data, "name")
    if texts is not None:
        set_texts(function, "name", texts)  # never the active language's column
    if "position" in data:
        function.position = data["position"]
    return services.save_function(function, data.get("component_ids"))


def save_channel(channel: AlternativeChannel, data: dict[str, Any]) -> AlternativeChannel:
    texts = texts_of(data, "label")
    if texts is not None:
        set_texts(channel, "label", texts)
    for name in ("url", "phone"):
        if name in data:
            setattr(channel, name, data[name] or "")
    if "position" in data:
        channel.position = data["position"]
    return services.save_channel(channel)


class FunctionView(ManagementView):
    envelope = "function"

    def respond_with(self, function: Function | list[Function], *, status=200, many=False):
        return self.respond(
            FunctionSerializer, function, status=status, many=many, states=_states()
        )


class FunctionList(FunctionView):
    @extend_schema(
        operation_id="listFunctions", responses={200: FunctionSerializer(many=True), **ERRORS}
    )
    def get(self, request: Request, page_id: str) -> Response:
        functions = Pagination(request).slice(Function.objects.prefetch_related("components"))
        return self.respond_with(functions, many=True)

    @extend_schema(
        operation_id="createFunction",
        request=wrapped("function", FunctionInput),
        responses={201: FunctionSerializer, **ERRORS},
    )
    def post(self, request: Request, page_id: str) -> Response:
        data = self.validated(FunctionInput, self.payload())
        return self.respond_with(save_function(Function(), data), status=201)


class FunctionDetail(FunctionView):
    def find(self, function_id: str) -> Function:
        return get_object_or_404(Function, pk=function_id)

    @extend_schema(operation_id="getFunction", responses={200: FunctionSerializer, **ERRORS})
    def get(self, request: Request, page_id: str, function_id: str) -> Response:
        return self.respond_with(self.find(function_id))

    @extend_schema(
        operation_id="updateFunction",
        request=wrapped("function", FunctionInput, partial=True),
        responses={200: FunctionSerializer, **ERRORS},
    )
    def patch(self, request: Request, page_id: str, function_id: str) -> Response:
        function = self.find(function_id)
        data = self.validated(FunctionInput, self.payload(), partial=True)
        return self.respond_with(save_function(function, data))

    @extend_schema(
        operation_id="deleteFunction",
        responses={204: OpenApiResponse(description="Deleted."), **ERRORS},
    )
    def delete(self, request: Request, page_id: str, function_id: str) -> Response:
        services.delete_function(self.find(function_id))
        return Response(status=204)


class ChannelView(ManagementView):
    envelope = "channel"


class ChannelList(ChannelView):
    @extend_schema(
        operation_id="listChannels", responses={200: ChannelSerializer(many=True), **ERRORS}
    )
    def get(self, request: Request, page_id: str) -> Response:
        channels = Pagination(request).slice(AlternativeChannel.objects.all())
        return self.respond(ChannelSerializer, channels, many=True)

    @extend_schema(
        operation_id="createChannel",
        request=wrapped("channel", ChannelInput),
        responses={201: ChannelSerializer, **ERRORS},
    )
    def post(self, request: Request, page_id: str) -> Response:
        data = self.validated(ChannelInput, self.payload())
        return self.respond(ChannelSerializer, save_channel(AlternativeChannel(), data), status=201)


class ChannelDetail(ChannelView):
    def find(self, channel_id: str) -> AlternativeChannel:
        if not (channel_id.isascii() and channel_id.isdigit()) or len(channel_id) > MAX_ID_DIGITS:
            raise Http404  # ids are numbers the database can hold
        return get_object_or_404(AlternativeChannel, pk=int(channel_id))

    @extend_schema(operation_id="getChannel", responses={200: ChannelSerializer, **ERRORS})
    def get(self, request: Request, page_id: str, channel_id: str) -> Response:
        return self.respond(ChannelSerializer, self.find(channel_id))

    @extend_schema(
        operation_id="updateChannel",
        request=wrapped("channel", ChannelInput, partial=True),
        responses={200: ChannelSerializer, **ERRORS},
    )
    def patch(self, request: Request, page_id: str, channel_id: str) -> Response:
        channel = self.find(channel_id)
        data = self.validated(ChannelInput, self.payload(), partial=True)
        return self.respond(ChannelSerializer, save_channel(channel, data))

    @extend_schema(
        operation_id="deleteChannel",
        responses={204: OpenApiResponse(description="Deleted."), **ERRORS},
    )
    def delete(self, request: Request, page_id: str, channel_id: str) -> Response:
        services.delete_channel(self.find(channel_id))
        return Response(status=204)

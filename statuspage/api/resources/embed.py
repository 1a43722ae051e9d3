"""The status embed's settings: `/v1/pages/{page_id}/status_embed_config` (GET, PATCH, PUT).

Statuspage's embed is a banner in a corner of the customer's site; ours is the widget
(public/widget.py). These are the corner and the colours it uses for incidents and maintenance.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import ERRORS, ManagementView, wrapped
from statuspage.shapes.fields import PageId
from statuspage.status import services
from statuspage.status.models import EmbedPosition, StatusEmbedConfig

COLOUR = r"^#[0-9A-Fa-f]{6}\Z"


class StatusEmbedConfigSerializer(serializers.Serializer):
    page_id = PageId()
    position = serializers.ChoiceField(choices=EmbedPosition.choices, read_only=True)
    incident_background_color = serializers.CharField(read_only=True)
    incident_text_color = serializers.CharField(read_only=True)
    maintenance_background_color = serializers.CharField(read_only=True)
    maintenance_text_color = serializers.CharField(read_only=True)


def _colour() -> serializers.RegexField:
    return serializers.RegexField(
        COLOUR,
        max_length=7,
        error_messages={"invalid": "Give a colour as #RRGGBB, e.g. #B54708."},
    )


class StatusEmbedConfigInput(serializers.Serializer):
    position = serializers.ChoiceField(choices=EmbedPosition.choices)
    incident_background_color = _colour()
    incident_text_color = _colour()
    maintenance_background_color = _colour()
    maintenance_text_color = _colour()


class StatusEmbedConfigView(ManagementView):
    envelope = "status_embed_config"

    @extend_schema(
        operation_id="getStatusEmbedConfig",
        responses={200: StatusEmbedConfigSerializer, **ERRORS},
    )
    def get(self, request: Request, page_id: str) -> Response:
        return self.respond(StatusEmbedConfigSerializer, StatusEmbedConfig.get())

    @extend_schema(
        operation_id="updateStatusEmbedConfig",
        request=wrapped("status_embed_config", StatusEmbedConfigInput, partial=True),
        responses={200: StatusEmbedConfigSerializer, **ERRORS},
    )
    def patch(self, request: Request, page_id: str) -> Response:
        data = self.validated(StatusEmbedConfigInput, self.payload(), partial=True)
        config = StatusEmbedConfig.get()
        for name, value in data.items():
            setattr(config, name, value)
        services.save_embed_config(config)
        return self.respond(StatusEmbedConfigSerializer, config)

    @extend_schema(
        operation_id="replaceStatusEmbedConfig",
        request=wrapped("status_embed_config", StatusEmbedConfigInput, partial=True),
        responses={200: StatusEmbedConfigSerializer, **ERRORS},
    )
    def put(self, request: Request, page_id: str) -> Response:
        return self.patch(request, page_id)
